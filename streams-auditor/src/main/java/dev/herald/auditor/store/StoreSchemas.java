package dev.herald.auditor.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;

/**
 * The schema store of the auditor's store values: every released version of the store schemas
 * (resources {@code dev/herald/auditor/store/history/vN}, listed in {@code index.txt}), by
 * fingerprint, so {@link AvroStoreSerde} can resolve a value an older build wrote.
 */
final class StoreSchemas {
  static final String HISTORY = "/dev/herald/auditor/store/history/";

  private static final Map<Long, Schema> RELEASED = load();

  private StoreSchemas() {}

  /** Every released schema by its CRC-64-AVRO fingerprint. */
  static Map<Long, Schema> released() {
    return RELEASED;
  }

  /** The files {@code index.txt} lists, in its order. */
  static List<String> indexedFiles() {
    List<String> files = new ArrayList<>();
    for (String line : resource("index.txt").split("\n")) {
      String file = line.strip();
      if (!file.isEmpty() && !file.startsWith("#")) {
        files.add(file);
      }
    }
    return files;
  }

  private static Map<Long, Schema> load() {
    // one parser per version directory: the versions reuse the same names
    Map<String, Schema.Parser> parsers = new LinkedHashMap<>();
    Map<Long, Schema> byFingerprint = new HashMap<>();
    for (String file : indexedFiles()) {
      String version = file.substring(0, Math.max(0, file.indexOf('/')));
      Schema schema =
          parsers.computeIfAbsent(version, v -> new Schema.Parser()).parse(resource(file));
      byFingerprint.put(SchemaNormalization.parsingFingerprint64(schema), schema);
    }
    return Map.copyOf(byFingerprint);
  }

  private static String resource(String name) {
    try (InputStream in = StoreSchemas.class.getResourceAsStream(HISTORY + name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + HISTORY + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
