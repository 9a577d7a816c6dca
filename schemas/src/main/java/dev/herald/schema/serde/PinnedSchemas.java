package dev.herald.schema.serde;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;

/**
 * The writer schemas Herald knows: every released version of its records (shipped in this jar under
 * {@code dev/herald/schema/history/vN/}, listed in {@code history/index.txt}) and the current
 * generated classes. A writer schema whose fingerprint is one of them is read without a
 * compatibility check; the registry is needed only to learn which id it has.
 *
 * <p>The fingerprint is the SHA-256 of Avro's Parsing Canonical Form: names, types, field order,
 * enum symbols and fixed sizes, which is everything that decides how a writer's bytes decode
 * (defaults, docs and {@code avro.java.string} properties are dropped; a writer's defaults never
 * matter when reading).
 *
 * <pre>{@code
 * boolean known = PinnedSchemas.isPinned(ReportBatch.getClassSchema(), writerSchemaFromRegistry);
 * }</pre>
 */
public final class PinnedSchemas {
  private static final String ROOT = "/dev/herald/schema/history/";
  private static final Map<String, Set<String>> RELEASED = loadReleased();

  private PinnedSchemas() {}

  /** The SHA-256 of {@code schema}'s Parsing Canonical Form, in hex. */
  public static String fingerprint(Schema schema) {
    try {
      return HexFormat.of().formatHex(SchemaNormalization.parsingFingerprint("SHA-256", schema));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }

  /**
   * Whether {@code writer} is the reader's own schema or a released version of the same record
   * (same full name and a pinned fingerprint).
   */
  public static boolean isPinned(Schema reader, Schema writer) {
    if (!reader.getFullName().equals(writer.getFullName())) {
      return false;
    }
    String fp = fingerprint(writer);
    return fp.equals(fingerprint(reader))
        || RELEASED.getOrDefault(writer.getFullName(), Set.of()).contains(fp);
  }

  /** The pinned fingerprints of released versions, by record full name (for tests and tools). */
  public static Map<String, Set<String>> released() {
    return RELEASED;
  }

  /** Every released version's top-level records by full name, version by version (oldest first). */
  public static Map<String, Map<String, Schema>> releasedVersions() {
    Map<String, List<String>> files = new TreeMap<>(PinnedSchemas::compareVersions);
    for (String line : readResource(ROOT + "index.txt").split("\n")) {
      String entry = line.strip();
      if (entry.isEmpty() || entry.startsWith("#")) {
        continue;
      }
      int slash = entry.indexOf('/');
      if (slash <= 0 || !entry.endsWith(".avsc")) {
        throw new IllegalStateException(
            "history/index.txt line '" + entry + "' is not of the form vN/Name.avsc");
      }
      files.computeIfAbsent(entry.substring(0, slash), v -> new ArrayList<>()).add(entry);
    }
    Map<String, Map<String, Schema>> out = new LinkedHashMap<>();
    files.forEach(
        (version, paths) ->
            out.put(
                version,
                parseTogether(paths.stream().map(p -> readResource(ROOT + p)).toList(), version)));
    return out;
  }

  private static Map<String, Set<String>> loadReleased() {
    Map<String, Set<String>> out = new HashMap<>();
    releasedVersions()
        .values()
        .forEach(
            schemas ->
                schemas.forEach(
                    (name, schema) ->
                        out.computeIfAbsent(name, n -> new HashSet<>()).add(fingerprint(schema))));
    out.replaceAll((name, set) -> Set.copyOf(set));
    return Map.copyOf(out);
  }

  /** Parses texts that may refer to each other's named types, in an order that resolves them. */
  public static Map<String, Schema> parseTogether(List<String> texts, String what) {
    List<String> pending = new ArrayList<>(texts);
    List<String> ordered = new ArrayList<>();
    while (!pending.isEmpty()) {
      String next = null;
      for (String candidate : pending) {
        try {
          Schema.Parser parser = new Schema.Parser();
          ordered.forEach(parser::parse);
          parser.parse(candidate);
          next = candidate;
          break;
        } catch (AvroRuntimeException e) {
          // refers to a type not parsed yet
        }
      }
      if (next == null) {
        throw new IllegalStateException("cannot resolve the named types of history " + what);
      }
      ordered.add(next);
      pending.remove(next);
    }
    Schema.Parser parser = new Schema.Parser();
    Map<String, Schema> byName = new LinkedHashMap<>();
    for (String text : ordered) {
      Schema schema = parser.parse(text);
      byName.put(schema.getFullName(), schema);
    }
    return byName;
  }

  private static int compareVersions(String a, String b) {
    return Integer.compare(versionNumber(a), versionNumber(b));
  }

  private static int versionNumber(String v) {
    if (!v.matches("v\\d{1,6}")) {
      throw new IllegalStateException("history folder '" + v + "' is not vN");
    }
    return Integer.parseInt(v.substring(1));
  }

  private static String readResource(String path) {
    try (InputStream in = PinnedSchemas.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("resource " + path + " is missing from herald-schemas");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read resource " + path, e);
    }
  }
}
