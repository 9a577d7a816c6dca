package dev.herald.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/**
 * The schema files a reporter in another language registers are complete on their own and are
 * exactly the schemas Herald's code writes and reads ({@code Schema.toString()}, docs included):
 * {@code ReportBatch.avsc} holds {@code StateChange} inline, and {@code StateChange.avsc} holds the
 * same definition for registries that use schema references.
 */
class SchemaFilesTest {
  private static final Path AVRO = Path.of("src/main/avro");

  private static Schema parseAlone(String file) throws IOException {
    return new Schema.Parser().parse(Files.readString(AVRO.resolve(file)));
  }

  /**
   * The schema text without the Java-only hint the code generator adds to strings ({@code
   * avro.java.string}), which changes neither the Avro binary nor compatibility.
   */
  private static String portable(Schema schema) {
    return schema
        .toString()
        .replace(",\"avro.java.string\":\"String\"", "")
        .replace("{\"type\":\"string\"}", "\"string\"");
  }

  @Test
  void reportBatchAvscIsSelfContainedAndIsTheSchemaTheCodeUses() throws IOException {
    assertThat(parseAlone("ReportBatch.avsc").toString())
        .isEqualTo(portable(ReportBatch.getClassSchema()));
  }

  @Test
  void stateChangeAvscIsTheDefinitionInsideReportBatch() throws IOException {
    Schema inline = ReportBatch.getClassSchema().getField("reports").schema().getElementType();
    assertThat(parseAlone("StateChange.avsc").toString()).isEqualTo(portable(inline));
    assertThat(inline.toString()).isEqualTo(StateChange.getClassSchema().toString());
  }

  @Test
  void heartbeatAvscIsSelfContainedAndIsTheSchemaTheCodeUses() throws IOException {
    assertThat(parseAlone("Heartbeat.avsc").toString())
        .isEqualTo(portable(Heartbeat.getClassSchema()));
  }
}
