package dev.herald.schema.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.junit.jupiter.api.Test;

/**
 * Fails the build when a schema in {@code src/main/avro} is not BACKWARD compatible with the last
 * released version under {@code src/main/resources/dev/herald/schema/history/vN}: consumers on the
 * new schema must read every record already on the topics.
 */
class SchemaEvolutionTest {
  private static final Path CURRENT = Path.of("src/main/avro");
  private static final Path HISTORY = Path.of("src/main/resources/dev/herald/schema/history");

  @Test
  void everyCurrentRecordReadsTheLastReleasedVersion() throws IOException {
    // Given
    Map<String, Schema> released = parseTogether(lastRelease());
    Map<String, Schema> current = parseTogether(CURRENT);
    // When
    List<String> problems = backwardProblems(released, current);
    // Then
    assertThat(released).as("released record types").isNotEmpty();
    assertThat(problems).as("BACKWARD incompatible changes").isEmpty();
  }

  @Test
  void everyReleasedRecordTypeStillExists() throws IOException {
    Map<String, Schema> released = parseTogether(lastRelease());
    Map<String, Schema> current = parseTogether(CURRENT);

    assertThat(current.keySet()).containsAll(released.keySet());
  }

  @Test
  void theCheckFlagsANewFieldWithoutADefault() {
    // The check itself must be able to fail.
    Schema old = new Schema.Parser().parse(record("{\"name\":\"a\",\"type\":\"string\"}"));
    Schema next =
        new Schema.Parser()
            .parse(
                record("{\"name\":\"a\",\"type\":\"string\"},{\"name\":\"b\",\"type\":\"long\"}"));

    List<String> problems = backwardProblems(Map.of("x.R", old), Map.of("x.R", next));

    assertThat(problems).singleElement().asString().contains("x.R");
  }

  @Test
  void theCheckAcceptsANewFieldWithADefault() {
    Schema old = new Schema.Parser().parse(record("{\"name\":\"a\",\"type\":\"string\"}"));
    Schema next =
        new Schema.Parser()
            .parse(
                record(
                    "{\"name\":\"a\",\"type\":\"string\"},"
                        + "{\"name\":\"b\",\"type\":\"long\",\"default\":0}"));

    assertThat(backwardProblems(Map.of("x.R", old), Map.of("x.R", next))).isEmpty();
  }

  private static String record(String fields) {
    return "{\"type\":\"record\",\"name\":\"R\",\"namespace\":\"x\",\"fields\":[" + fields + "]}";
  }

  static List<String> backwardProblems(Map<String, Schema> released, Map<String, Schema> current) {
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

  private static Path lastRelease() throws IOException {
    try (Stream<Path> dirs = Files.list(HISTORY)) {
      return dirs.filter(Files::isDirectory)
          .filter(d -> d.getFileName().toString().matches("v\\d+"))
          .max(
              Comparator.comparingInt(
                  d -> Integer.parseInt(d.getFileName().toString().substring(1))))
          .orElseThrow(() -> new AssertionError("no released version under " + HISTORY));
    }
  }

  /**
   * Parses every {@code .avsc} in {@code dir} with one set of names, so files may refer to records
   * of other files; returns the top-level record of each file by full name.
   */
  static Map<String, Schema> parseTogether(Path dir) throws IOException {
    List<String> pending = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".avsc")).sorted().toList()) {
        pending.add(Files.readString(file));
      }
    }
    // Order the files so that each one's references are parsed before it.
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
        throw new AssertionError("cannot resolve the named types of " + dir + ": " + pending);
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
}
