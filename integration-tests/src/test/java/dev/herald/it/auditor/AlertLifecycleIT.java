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

  /** Waits until the latest state of {@code alertId} has {@code status}; returns it. */
  private static AuditAlert awaitStatus(
      AuditorHarness h, String alertId, AlertStatus status, Duration atMost) {
    return await()
        .atMost(atMost)
        .until(() -> latest(h, alertId), a -> a.isPresent() && a.get().getStatus() == status)
        .orElseThrow();
  }

  /** Waits until the REST API serves {@code alertId} (its view has caught up). */
  private static void awaitServed(HttpClient http, AuditorApi api, String alertId) {
    URI uri = URI.create(api.http().baseUrl() + "/api/alerts/" + alertId);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString())
                        .statusCode()
                    == 200);
  }

  /** {@code POST /api/alerts/{alertId}/ack} with the JSON {@code body}. */
  private static HttpResponse<String> ack(
      HttpClient http, AuditorApi api, String alertId, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(api.http().baseUrl() + "/api/alerts/" + alertId + "/ack"))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .header("Content-Type", "application/json")
            .build(),
        HttpResponse.BodyHandlers.ofString());
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
          awaitStatus(h, opened.getAlertId(), AlertStatus.UPDATED, Duration.ofSeconds(10));
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
          awaitStatus(h, opened.getAlertId(), AlertStatus.ACKNOWLEDGED, Duration.ofSeconds(30));
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
        awaitServed(http, api, second.getAlertId());
        HttpResponse<String> noReason = ack(http, api, second.getAlertId(), "{}");
        assertThat(noReason.statusCode()).isEqualTo(400);
        assertThat(noReason.body()).contains("reason");

        // And an episode left quiet for its period resolves by itself before anyone acks it
        AuditAlert quiet =
            awaitStatus(h, second.getAlertId(), AlertStatus.RESOLVED, Duration.ofSeconds(40));
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
        awaitServed(http, api, third.getAlertId());
        HttpResponse<String> ack =
            ack(http, api, third.getAlertId(), "{\"reason\": \"known replay drill\"}");
        assertThat(ack.statusCode()).as(ack.body()).isEqualTo(202);
        AuditAlert restAcked =
            awaitStatus(h, third.getAlertId(), AlertStatus.ACKNOWLEDGED, Duration.ofSeconds(30));
        assertThat(restAcked.getDetail()).contains("known replay drill");
      }
    }
  }
}
