package dev.herald.it.auditor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.auditor.HeraldAuditor;
import dev.herald.auditor.api.AuditorApi;
import dev.herald.auditor.health.AuditorHealth;
import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.it.support.RunningAuditor;
import dev.herald.schema.DeadLetter;
import dev.herald.schema.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * An output its topic refuses is no poison pill (issue #13 item 7): with {@code herald.alerts.v1}
 * limited to 200 bytes, every alert the fleet's faults raise is too large. Each becomes an
 * OUTPUT_TOO_LARGE dead letter, the stream threads never fail, input keeps flowing (a junk record
 * sent afterwards is dead-lettered) and {@code /health} answers 200 UP throughout.
 */
@Tag("slow")
class OversizedOutputIT {
  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @TempDir Path state;

  @Test
  void outputsTooLargeForTheirTopicAreDeadLetteredAndTheAuditorStaysUp() throws Exception {
    // Given: alerts may be at most 200 bytes
    try (Admin admin = Admin.create(KAFKA.clientProperties())) {
      admin
          .incrementalAlterConfigs(
              Map.of(
                  new ConfigResource(ConfigResource.Type.TOPIC, Topics.ALERTS),
                  List.of(
                      new AlterConfigOp(
                          new ConfigEntry("max.message.bytes", "200"), AlterConfigOp.OpType.SET))))
          .all()
          .get(30, TimeUnit.SECONDS);
    }
    Properties kafka = KAFKA.clientProperties();
    try (AuditorHarness h = new AuditorHarness(KAFKA.bootstrapServers(), "herald-it-oversized");
        HeraldAuditor auditor = h.startInstance(state);
        AuditorApi api =
            AuditorApi.builder()
                .kafka(kafka)
                .registry(h.schemas)
                .host("127.0.0.1")
                .port(0)
                .health(auditor::health)
                .start()) {
      h.fleet.registerAll();
      RunningAuditor.awaitRunning(Duration.ofSeconds(90), auditor);
      h.fleet.lastHeartbeatOfTheSilentNode();
      h.startClock();
      // When: every fault of the fleet is played
      synchronized (h.fleet) {
        for (long v = 1; v <= ReplicaFleet.VERSIONS; v++) {
          h.fleet.playRound(v);
        }
      }
      // Then: one OUTPUT_TOO_LARGE dead letter per alert, naming the alerts topic
      int expected = h.fleet.groundTruth().size();
      await()
          .atMost(Duration.ofSeconds(120))
          .untilAsserted(
              () ->
                  assertThat(
                          h.deadLetters().stream()
                              .filter(d -> d.getReason().equals("OUTPUT_TOO_LARGE"))
                              .toList())
                      .hasSizeGreaterThanOrEqualTo(expected)
                      .allSatisfy(d -> assertThat(d.getDetail()).contains(Topics.ALERTS)));
      assertThat(h.alerts()).isEmpty();
      // And: input keeps flowing after them
      h.producer.send(new ProducerRecord<>(Topics.STATE_CHANGES, 0, "junk", new byte[] {1})).get();
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () ->
                  assertThat(h.deadLetters())
                      .extracting(DeadLetter::getReason)
                      .contains("BAD_MAGIC_BYTE"));
      // And: healthy all along, no stream thread failed
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> auditor.health().status() == AuditorHealth.Status.UP && api.ready());
      assertThat(auditor.health().reasons()).isEmpty();
      assertThat(auditor.state()).isEqualTo("RUNNING/RUNNING");
      HttpResponse<String> health =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(api.http().baseUrl() + "/health")).build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(health.body()).contains("\"status\":\"UP\"");
    }
  }
}
