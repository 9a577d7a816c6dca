package dev.herald.schema.registry;

import dev.herald.schema.serde.PinnedSchemas;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;

/**
 * The BACKWARD check of a directory of {@code .avsc} files against its last released version (a
 * {@code vN} directory of a history): readers on the current schemas must read every record written
 * with the released ones. Used by the schema-evolution tests of {@code schemas} (topic schemas) and
 * {@code streams-auditor} (store schemas).
 */
public final class SchemaEvolution {
  private SchemaEvolution() {}

  /**
   * One line per released record type the current schema of the same name cannot read; empty when
   * every one is compatible. Types missing from {@code current} are not checked here.
   */
  public static List<String> backwardProblems(
      Map<String, Schema> released, Map<String, Schema> current) {
    List<String> problems = new ArrayList<>();
    released.forEach(
        (name, old) -> {
          Schema now = current.get(name);
          if (now == null) {
            return;
          }
          SchemaCompatibility.SchemaPairCompatibility result =
              SchemaCompatibility.checkReaderWriterCompatibility(now, old);
          if (result.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            problems.add(name + ": " + result.getResult().getIncompatibilities());
          }
        });
    return problems;
  }

  /** The highest {@code vN} directory under {@code history}. */
  public static Path lastRelease(Path history) throws IOException {
    try (Stream<Path> dirs = Files.list(history)) {
      return dirs.filter(Files::isDirectory)
          .filter(d -> d.getFileName().toString().matches("v\\d+"))
          .max(
              Comparator.comparingInt(
                  d -> Integer.parseInt(d.getFileName().toString().substring(1))))
          .orElseThrow(() -> new IllegalStateException("no released version under " + history));
    }
  }

  /**
   * Parses every {@code .avsc} in {@code dir} with one set of names, so files may refer to records
   * of other files; returns the top-level record of each file by full name.
   */
  public static Map<String, Schema> parseTogether(Path dir) throws IOException {
    List<String> texts = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".avsc")).sorted().toList()) {
        texts.add(Files.readString(file));
      }
    }
    return PinnedSchemas.parseTogether(texts, dir.toString());
  }
}
