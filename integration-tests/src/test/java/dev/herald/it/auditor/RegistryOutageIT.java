package dev.herald.it.auditor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.auditor.HeraldAuditor;
import dev.herald.auditor.health.AuditorHealth;
import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.it.support.RunningAuditor;
import dev.herald.schema.DeadLetter;
import dev.herald.schema.NodeRecord;
import dev.herald.schema.Topics;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.signing.Ed25519;
import dev.herald.testsupport.DetectionScore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The schema registry is never a reason to lose input (issue #13 item 8): the registry stops, the
 * auditor restarts without it, honest traffic and faults are played, a node registers with a schema
 * id the auditor has never seen, and the registry comes back. Nothing is dead-lettered as
 * REGISTRY_UNAVAILABLE, every node is known, the alert set equals the ground truth, and health says
 * DEGRADED (not DOWN) while the registration waits.
 */
@Tag("slow")
class RegistryOutageIT {
  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @TempDir Path state;

  @Test
  void anAuditorRestartedWhileTheRegistryIsDownLosesNothing() throws Exception {
    try (AuditorHarness h =
        new AuditorHarness(KAFKA.bootstrapServers(), "herald-it-registry-outage")) {
      // Given: a first run that learns the schemas, with the first half of the rounds
      HeraldAuditor first = h.startInstance(state);
      h.fleet.registerAll();
      RunningAuditor.awaitRunning(Duration.ofSeconds(90), first);
      h.fleet.lastHeartbeatOfTheSilentNode();
      h.startClock();
      synchronized (h.fleet) {
        h.fleet.playRound(1);
        h.fleet.playRound(2);
      }
      Path learned = state.resolve(HeraldAuditor.SCHEMAS_FILE);
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  Files.exists(learned)
                      && List.of(
                              "ReportBatch", "Heartbeat", "NodeRecord", "AuditAlert", "DeadLetter")
                          .stream()
                          .allMatch(type -> read(learned).contains("\\\"name\\\":\\\"" + type)));
      // a newer, compatible NodeRecord schema exists, but the auditor has never read it
      Schema newer = newerNodeRecord();
      int newerId = h.schemas.register(AvroWireFormat.valueSubject(Topics.NODES), newer);
      first.close();

      // When: the registry stops, the auditor restarts, traffic goes on
      h.stopRegistry();
      try (HeraldAuditor again = h.startInstance(state)) {
        RunningAuditor.awaitRunning(Duration.ofSeconds(90), again);
        synchronized (h.fleet) {
          h.fleet.playRound(3);
          h.fleet.playRound(4);
        }
        h.producer
            .send(
                new ProducerRecord<>(
                    Topics.NODES, "n9", written(newerId, newer, "n9", List.of("solo"))))
            .get();
        await()
            .atMost(Duration.ofSeconds(60))
            .untilAsserted(
                () -> {
                  AuditorHealth health = again.health();
                  assertThat(health.status()).isEqualTo(AuditorHealth.Status.DEGRADED);
                  assertThat(health.reasons()).anyMatch(r -> r.contains("schema registry"));
                });
        assertThat(again.queries().registeredNode("n9")).isEmpty();
        // ... and the registry comes back
        h.startRegistry();

        // Then
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> again.queries().registeredNode("n9").isPresent());
        DetectionScore score = h.awaitGroundTruth(Duration.ofSeconds(120), Duration.ofSeconds(4));
        System.out.println("Auditor across a registry outage and a restart:\n" + score.table());
        assertThat(score.perfect()).as(score.table()).isTrue();
        assertThat(h.deadLetters())
            .extracting(DeadLetter::getReason)
            .doesNotContain("REGISTRY_UNAVAILABLE", "UNKNOWN_SCHEMA");
        // UNKNOWN_NODE dead letters only for the nodes the fleet really made unknown (revoked):
        // never an honest node whose registration the outage could have hidden
        List<String> reallyUnknown =
            h.fleet.groundTruth().stream()
                .filter(e -> e.type().equals("UNKNOWN_NODE"))
                .flatMap(e -> e.nodes().stream())
                .toList();
        assertThat(h.deadLetters())
            .filteredOn(d -> d.getReason().equals("UNKNOWN_NODE"))
            .extracting(d -> StandardCharsets.UTF_8.decode(d.getKey().duplicate()).toString())
            .allMatch(reallyUnknown::contains);
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> again.health().status() == AuditorHealth.Status.UP);
      }
    }
  }

  /** NodeRecord with one more field (with a default): a compatible schema of a newer writer. */
  private static Schema newerNodeRecord() {
    List<Schema.Field> fields = new ArrayList<>();
    for (Schema.Field f : NodeRecord.getClassSchema().getFields()) {
      fields.add(new Schema.Field(f, f.schema()));
    }
    fields.add(new Schema.Field("note", Schema.create(Schema.Type.STRING), null, ""));
    return Schema.createRecord("NodeRecord", null, "dev.herald.schema", false, fields);
  }

  /** A registration of {@code node} written with {@code schema} under {@code id}. */
  private static byte[] written(int id, Schema schema, String node, List<String> groups)
      throws IOException {
    GenericData.Record r = new GenericData.Record(schema);
    r.put("nodeId", node);
    r.put("displayName", node);
    // a real key: the auditor refuses weak or non-canonical ones (WEAK_KEY)
    r.put("publicKey", ByteBuffer.wrap(Ed25519.generate().publicKey()));
    r.put("region", "eu-1");
    r.put("groups", groups);
    r.put("status", new GenericData.EnumSymbol(schema.getField("status").schema(), "ACTIVE"));
    r.put("registeredAt", Instant.now().toEpochMilli());
    r.put("rotatesFrom", null);
    r.put("note", "written by a newer operator tool");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(ByteBuffer.allocate(5).put(AvroWireFormat.MAGIC_BYTE).putInt(id).array());
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<GenericData.Record>(schema).write(r, encoder);
    encoder.flush();
    return out.toByteArray();
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return "";
    }
  }
}
