package dev.herald.it.contract;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.schema.ReportBatch;
import dev.herald.schema.StateChange;
import dev.herald.schema.Topics;
import dev.herald.schema.registry.RestSchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.flink.avro.registry.confluent.shaded.io.confluent.kafka.schemaregistry.avro.AvroSchema;
import org.apache.flink.avro.registry.confluent.shaded.io.confluent.kafka.schemaregistry.client.CachedSchemaRegistryClient;
import org.apache.flink.avro.registry.confluent.shaded.io.confluent.kafka.schemaregistry.client.rest.entities.SchemaReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The schema files register as a user's registry expects, both ways, on Herald's embedded registry,
 * and the auditor's reader decodes a record framed with either id:
 *
 * <ul>
 *   <li>self-contained: {@code ReportBatch.avsc} as it is, posted over HTTP as a non-Java reporter
 *       does;
 *   <li>with Confluent schema references: {@code StateChange.avsc} under its own subject, then
 *       ReportBatch naming it, registered by Confluent's own client (and once more over HTTP, as
 *       {@code curl} would), which gives the id of the self-contained schema;
 *   <li>a reference to a version that is not registered is refused with 422 and a message that
 *       names it.
 * </ul>
 */
class SchemaRegistrationIT {
  @RegisterExtension
  static final KafkaBrokerExtension KAFKA =
      new KafkaBrokerExtension(false).withSchemaRegistry(r -> r);

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path AVRO = Path.of("../schemas/src/main/avro");
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @Test
  void theSelfContainedFileRegistersAsItIsAndItsRecordsAreRead() throws Exception {
    String subject = "it-" + UUID.randomUUID() + "-value";
    String file = Files.readString(AVRO.resolve("ReportBatch.avsc"));

    JsonNode answer = post("/subjects/" + subject + "/versions", body(file, null));

    int id = answer.path("id").asInt(-1);
    assertThat(id).as(answer.toString()).isPositive();
    assertDecodes(id);
  }

  @Test
  void withReferencesConfluentsClientRegistersAndTheRecordsAreRead() throws Exception {
    String prefix = "it-" + UUID.randomUUID();
    String stateChangeSubject = prefix + "-dev.herald.schema.StateChange";
    String stateChange = Files.readString(AVRO.resolve("StateChange.avsc"));
    String referencing = referencingReportBatch();
    var confluent = new CachedSchemaRegistryClient(KAFKA.registryUrl(), 10);
    int stateChangeId = confluent.register(stateChangeSubject, new AvroSchema(stateChange));

    int id =
        confluent.register(
            prefix + "-value",
            new AvroSchema(
                referencing,
                List.of(
                    new SchemaReference("dev.herald.schema.StateChange", stateChangeSubject, 1)),
                Map.of("dev.herald.schema.StateChange", stateChange),
                null));

    assertThat(id).isNotEqualTo(stateChangeId);
    assertDecodes(id);
    // the same registration over HTTP, as a reporter without Confluent's client makes it
    ObjectNode withRefs = body(referencing, stateChangeSubject);
    JsonNode again = post("/subjects/" + prefix + "-http-value/versions", withRefs);
    assertThat(again.path("id").asInt()).as(again.toString()).isEqualTo(id);
    // stored resolved: it is the self-contained schema, with the self-contained file's id
    JsonNode selfContained =
        post(
            "/subjects/" + prefix + "-file-value/versions",
            body(Files.readString(AVRO.resolve("ReportBatch.avsc")), null));
    assertThat(selfContained.path("id").asInt()).isEqualTo(id);
  }

  @Test
  void aReferenceToAnUnregisteredVersionIsRefusedWithWhatIsMissing() throws Exception {
    String subject = "it-" + UUID.randomUUID();
    HttpResponse<String> response =
        send("/subjects/" + subject + "-value/versions", body(referencingReportBatch(), subject));

    assertThat(response.statusCode()).isEqualTo(422);
    JsonNode error = JSON.readTree(response.body());
    assertThat(error.path("error_code").asInt()).isEqualTo(42201);
    assertThat(error.path("message").asText())
        .contains("dev.herald.schema.StateChange")
        .contains(subject)
        .contains("register the referenced schema first");
  }

  /** ReportBatch.avsc with its inline StateChange replaced by the name. */
  private static String referencingReportBatch() throws Exception {
    ObjectNode batch =
        (ObjectNode) JSON.readTree(Files.readString(AVRO.resolve("ReportBatch.avsc")));
    for (JsonNode field : batch.get("fields")) {
      if (field.get("name").asText().equals("reports")) {
        ((ObjectNode) field.get("type")).put("items", "dev.herald.schema.StateChange");
      }
    }
    assertThat(batch.toString()).doesNotContain("eventId");
    return batch.toString();
  }

  private static ObjectNode body(String schema, String stateChangeSubject) {
    ObjectNode body = JSON.createObjectNode().put("schema", schema);
    if (stateChangeSubject != null) {
      body.putArray("references")
          .addObject()
          .put("name", "dev.herald.schema.StateChange")
          .put("subject", stateChangeSubject)
          .put("version", 1);
    }
    return body;
  }

  /** A batch framed with {@code id} decodes with the auditor's reader to the batch written. */
  private static void assertDecodes(int id) throws Exception {
    List<StateChange> reports = new ArrayList<>();
    reports.add(
        StateChange.newBuilder()
            .setEventId("e-1")
            .setGroup("payments")
            .setEntityKey("konto-\u00f8")
            .setVersion(1)
            .setNodeId("n1")
            .setPrevStateHash(ByteBuffer.allocate(0))
            .setStateHash(ByteBuffer.allocate(32))
            .setOpId("op-1")
            .setOpDigest(ByteBuffer.allocate(32))
            .setEventTime(Instant.ofEpochMilli(1_700_000_000_000L))
            .setAttributes(Map.of("zone", "b"))
            .build());
    ReportBatch batch =
        ReportBatch.newBuilder()
            .setNodeId("n1")
            .setKeyId("56475aa75463474c")
            .setPartition(0)
            .setBatchSeq(1)
            .setCreatedAt(Instant.ofEpochMilli(1_700_000_000_005L))
            .setReports(reports)
            .setSignature(ByteBuffer.allocate(64))
            .build();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0);
    out.write(ByteBuffer.allocate(4).putInt(id).array());
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    new SpecificDatumWriter<>(ReportBatch.class).write(batch, encoder);
    encoder.flush();
    Schema written = new RestSchemaRegistryClient(KAFKA.registryUrl(), Map.of()).getById(id);
    assertThat(written.getField("reports").schema().getElementType().getFullName())
        .isEqualTo("dev.herald.schema.StateChange");

    ReportBatch read =
        new AvroWireFormat<>(
                ReportBatch.class, new RestSchemaRegistryClient(KAFKA.registryUrl(), Map.of()))
            .deserialize(Topics.STATE_CHANGES, out.toByteArray());

    assertThat(read).isEqualTo(batch);
  }

  private static JsonNode post(String path, ObjectNode body) throws Exception {
    HttpResponse<String> response = send(path, body);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  private static HttpResponse<String> send(String path, ObjectNode body) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(KAFKA.registryUrl() + path))
            .header("Content-Type", "application/vnd.schemaregistry.v1+json")
            .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
