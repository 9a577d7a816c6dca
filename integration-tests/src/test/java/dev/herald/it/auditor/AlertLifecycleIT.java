package dev.herald.it.auditor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.auditor.HeraldAuditor;
import dev.herald.auditor.api.AuditorApi;
import dev.herald.auditor.policy.AuditPolicy;
import dev.herald.auditor.policy.PolicyLoader;
import dev.herald.it.support.HeraldRun;
import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.it.support.RunningAuditor;
import dev.herald.schema.AlertStatus;
import dev.herald.schema.AlertType;
import dev.herald.schema.AuditAlert;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The alert lifecycle on a real broker and auditor: a first, planted forgery in an honest node's
 * name does not hide a later one (it is published UPDATED, with the count and the latest evidence);
 * an operator acknowledges alerts with {@code herald alerts ack} and with the REST API; a later
 * occurrence opens a new episode with a new id; a quiet episode resolves by itself. On the auditor
 * before the lifecycle (an open episode only counted, silently), the UPDATED never came.
 */
@Tag("slow")
class AlertLifecycleIT {
  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  private static final AuditPolicy POLICY =
      PolicyLoader.parse(
          """
          defaults:
            heartbeat:
              silenceThreshold: 5m
            resolveAfter:
              FORGED_REPORT: 8s
          alerts:
            updateInterval: 2s
          """);

  @TempDir Path state;

  private static Optional<AuditAlert> latest(AuditorHarness h, String alertId) {
    List<AuditAlert> all = h.alerts();
    for (int i = all.size() - 1; i >= 0; i--) {
      if (all.get(i).getAlertId().equals(alertId)) {
        return Optional.of(all.get(i));
      }
    }
    return Optional.empty();
  }

  private static List<AuditAlert> forgeries(AuditorHarness h) {
    return h.alerts().stream()
        .filter(a -> a.getType() == AlertType.FORGED_REPORT)
        .filter(a -> a.getNodes().equals(List.of("n1")))
        .toList();
  }

  @Test
  void laterForgeriesAreUpdatesOperatorsAcknowledgeAndQuietEpisodesResolve() throws Exception {
    try (AuditorHarness h =
            new AuditorHarness(KAFKA.bootstrapServers(), "herald-it-lifecycle", POLICY);
        HeraldAuditor auditor = h.startInstance(state)) {
      h.fleet.registerAll();
      RunningAuditor.awaitRunning(Duration.ofSeconds(90), auditor);

      // the fleet's clock: heartbeats, and empty signed batches that move report time on
      h.startClock();

      // Given: junk planted in honest n1's name
      h.fleet.forgeAs("n1", "planted");
      AuditAlert opened =
          await()
              .atMost(Duration.ofSeconds(30))
              .until(() -> forgeries(h).stream().findFirst(), Optional::isPresent)
              .orElseThrow();
      assertThat(opened.getStatus()).isEqualTo(AlertStatus.OPEN);
      assertThat(opened.getAttributes()).containsEntry("role", "victim");

      // When: a second forgery follows
      h.fleet.forgeAs("n1", "real");

      // Then: the same alert is published UPDATED within 10 s, counting both, with the new evidence
      AuditAlert updated =
          await()
              .atMost(Duration.ofSeconds(10))
              .until(
                  () -> latest(h, opened.getAlertId()),
                  a -> a.isPresent() && a.get().getStatus() == AlertStatus.UPDATED)
              .orElseThrow();
      assertThat(updated.getAttributes()).containsEntry("count", "2");
      assertThat(updated.getEvidence()).hasSize(2);

      // When: an operator acknowledges it with the CLI
      HeraldRun.succeeds(
          "alerts",
          "ack",
          opened.getAlertId(),
          "--reason",
          "planned penetration test",
          "--by",
          "alice",
          "--bootstrap-server",
          KAFKA.bootstrapServers(),
          "--schema-registry-url",
          h.registryUrl());

      // Then: it is ACKNOWLEDGED, with who and why
      AuditAlert acked =
          await()
              .atMost(Duration.ofSeconds(30))
              .until(
                  () -> latest(h, opened.getAlertId()),
                  a -> a.isPresent() && a.get().getStatus() == AlertStatus.ACKNOWLEDGED)
              .orElseThrow();
      assertThat(acked.getDetail()).contains("acknowledged by alice: planned penetration test");

      // When: another forgery comes, it is a new episode with a new id
      h.fleet.forgeAs("n1", "again");
      AuditAlert second =
          await()
              .atMost(Duration.ofSeconds(30))
              .until(
                  () ->
                      forgeries(h).stream()
                          .filter(a -> !a.getAlertId().equals(opened.getAlertId()))
                          .findFirst(),
                  Optional::isPresent)
              .orElseThrow();
      assertThat(second.getStatus()).isEqualTo(AlertStatus.OPEN);
      assertThat(second.getAttributes()).containsEntry("episode", "2");

      // And the REST API acknowledges too (operator role: loopback, no token file)
      Properties kafka = new Properties();
      kafka.put("bootstrap.servers", KAFKA.bootstrapServers());
      try (AuditorApi api = AuditorApi.builder().kafka(kafka).registry(h.schemas).port(0).start()) {
        HttpClient http = HttpClient.newHttpClient();
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () ->
                    http.send(
                                HttpRequest.newBuilder(
                                        URI.create(
                                            api.http().baseUrl()
                                                + "/api/alerts/"
                                                + second.getAlertId()))
                                    .build(),
                                HttpResponse.BodyHandlers.ofString())
                            .statusCode()
                        == 200);
        HttpResponse<String> noReason =
            http.send(
                HttpRequest.newBuilder(
                        URI.create(
                            api.http().baseUrl() + "/api/alerts/" + second.getAlertId() + "/ack"))
                    .POST(HttpRequest.BodyPublishers.ofString("{}"))
                    .header("Content-Type", "application/json")
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(noReason.statusCode()).isEqualTo(400);
        assertThat(noReason.body()).contains("reason");

        // And an episode left quiet for its period resolves by itself before anyone acks it
        AuditAlert quiet =
            await()
                .atMost(Duration.ofSeconds(40))
                .until(
                    () -> latest(h, second.getAlertId()),
                    a -> a.isPresent() && a.get().getStatus() == AlertStatus.RESOLVED)
                .orElseThrow();
        assertThat(quiet.getDetail()).contains("quiet");

        h.fleet.forgeAs("n1", "third");
        AuditAlert third =
            await()
                .atMost(Duration.ofSeconds(30))
                .until(
                    () ->
                        forgeries(h).stream()
                            .filter(a -> a.getAttributes().get("episode").equals("3"))
                            .findFirst(),
                    Optional::isPresent)
                .orElseThrow();
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () ->
                    http.send(
                                HttpRequest.newBuilder(
                                        URI.create(
                                            api.http().baseUrl()
                                                + "/api/alerts/"
                                                + third.getAlertId()))
                                    .build(),
                                HttpResponse.BodyHandlers.ofString())
                            .statusCode()
                        == 200);
        HttpResponse<String> ack =
            http.send(
                HttpRequest.newBuilder(
                        URI.create(
                            api.http().baseUrl() + "/api/alerts/" + third.getAlertId() + "/ack"))
                    .POST(
                        HttpRequest.BodyPublishers.ofString("{\"reason\": \"known replay drill\"}"))
                    .header("Content-Type", "application/json")
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(ack.statusCode()).as(ack.body()).isEqualTo(202);
        AuditAlert restAcked =
            await()
                .atMost(Duration.ofSeconds(30))
                .until(
                    () -> latest(h, third.getAlertId()),
                    a -> a.isPresent() && a.get().getStatus() == AlertStatus.ACKNOWLEDGED)
                .orElseThrow();
        assertThat(restAcked.getDetail()).contains("known replay drill");
      }
    }
  }
}
