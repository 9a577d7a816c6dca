package dev.herald.schema.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/**
 * Fails the build when a schema in {@code src/main/avro} is not BACKWARD compatible with the last
 * released version under {@code src/main/resources/dev/herald/schema/history/vN}: consumers on the
 * new schema must read every record already on the topics. The check is {@link SchemaEvolution}
 * (also run over the auditor's store schemas).
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
    return SchemaEvolution.backwardProblems(released, current);
  }

  private static Path lastRelease() throws IOException {
    return SchemaEvolution.lastRelease(HISTORY);
  }

  static Map<String, Schema> parseTogether(Path dir) throws IOException {
    return SchemaEvolution.parseTogether(dir);
  }
}
