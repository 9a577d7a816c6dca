package dev.herald.it.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.infra.registry.EmbeddedSchemaRegistry;
import dev.herald.it.reliability.AuditorProcess;
import dev.herald.it.support.AuditedBroker;
import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.schema.AlertStatus;
import dev.herald.schema.AlertType;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.Severity;
import dev.herald.schema.Topics;
import dev.herald.schema.registry.RestSchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Webhook delivery is at least once whatever stops the auditor: {@code herald auditor} runs as its
 * own process with two webhook subscriptions whose receivers are down (503), is stopped while it
 * retries — by SIGKILL (a crash) or SIGTERM (a shutdown) — and restarted with the receivers up:
 * both receivers must then get the alert. Before the fix, a shutdown committed the alert for every
 * subscription but the first without delivering it, and a crash before a new subscription's first
 * commit skipped it.
 */
@Tag("slow")
class WebhookRedeliveryIT {
  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @TempDir Path dir;

  @Test
  void anAlertUndeliveredWhenTheAuditorIsKilledMidRetryIsRedeliveredAfterTheRestart()
      throws Exception {
    stopMidRetryThenRestart("kill", AuditorProcess::kill);
  }

  @Test
  void anAlertUndeliveredAtShutdownIsRedeliveredToEverySubscriptionAfterTheRestart()
      throws Exception {
    stopMidRetryThenRestart("term", AuditorProcess::stop);
  }

  interface Stop {
    int stop(AuditorProcess p) throws Exception;
  }

  private void stopMidRetryThenRestart(String name, Stop stop) throws Exception {
    String bootstrap = KAFKA.bootstrapServers();
    Path log = Path.of("target", "webhook-redelivery-it-" + name + ".log").toAbsolutePath();
    Files.deleteIfExists(log);
    try (EmbeddedSchemaRegistry registry =
            EmbeddedSchemaRegistry.builder().bootstrapServers(bootstrap).port(0).start();
        KafkaProducer<String, byte[]> producer = AuditedBroker.producer(bootstrap);
        WebhookReceiver receiver = new WebhookReceiver()) {
      AvroWireFormat<AuditAlert> alerts =
          new AvroWireFormat<>(
              AuditAlert.class, new RestSchemaRegistryClient(registry.url(), Map.of()));
      Path subscriptions = dir.resolve("subscriptions.yaml");
      StringBuilder yaml = new StringBuilder("subscriptions:\n");
      for (String hook : List.of("a", "b")) {
        yaml.append("  - name: ")
            .append(name)
            .append("-hook-")
            .append(hook)
            .append("\n    kind: webhook\n    url: ")
            .append(receiver.url("/" + hook))
            .append("\n    retry: {initialBackoff: 100ms, maxBackoff: 300ms}\n");
      }
      Files.writeString(subscriptions, yaml.toString());
      List<String> args =
          List.of(
              "--bootstrap-server",
              bootstrap,
              "--application-id",
              "herald-it-webhook-" + name,
              "--state-dir",
              dir.resolve("state").toString(),
              "--schema-registry-url",
              registry.url(),
              "--http-port",
              Integer.toString(ExternalTool.freePort()),
              "--subscriptions",
              subscriptions.toString());

      // Given: both receivers are down and the auditor retries an alert to each
      receiver.status = 503;
      AuditAlert alert = alert();
      AuditorProcess first = AuditorProcess.start(log, args);
      try {
        first.awaitRunning(Duration.ofSeconds(120), 1);
        await().atMost(Duration.ofSeconds(60)).until(() -> readyCount(first.output()) >= 2);
        producer
            .send(
                new ProducerRecord<>(
                    Topics.ALERTS, alert.getAlertId(), alerts.serialize(Topics.ALERTS, alert)))
            .get();
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () ->
                    first.output().contains("subscription=" + name + "-hook-a alertId=")
                        && first.output().contains("subscription=" + name + "-hook-b alertId=")
                        && receiver.attempts.get() >= 4);
      } finally {
        // When: the auditor stops mid-retry
        stop.stop(first);
      }
      assertThat(receiver.accepted).isEmpty();

      // ... and restarts with the receivers up
      receiver.status = 200;
      try (AuditorProcess second = AuditorProcess.start(log, args)) {
        second.awaitRunning(Duration.ofSeconds(120), 2);

        // Then: each receiver gets the alert
        String key = alert.getAlertId() + ":OPEN";
        await()
            .atMost(Duration.ofSeconds(90))
            .untilAsserted(
                () -> {
                  assertThat(receiver.to("/a"))
                      .extracting(WebhookReceiver.Delivery::idempotencyKey)
                      .contains(key);
                  assertThat(receiver.to("/b"))
                      .extracting(WebhookReceiver.Delivery::idempotencyKey)
                      .contains(key);
                });
      }
    }
  }

  private static int readyCount(String output) {
    return output.split("subscription ready", -1).length - 1;
  }

  private static AuditAlert alert() {
    Instant now = Instant.now();
    return AuditAlert.newBuilder()
        .setAlertId("it-" + UUID.randomUUID())
        .setType(AlertType.EQUIVOCATION)
        .setSeverity(Severity.CRITICAL)
        .setStatus(AlertStatus.OPEN)
        .setGroup("payments")
        .setEntityKey("acct-1")
        .setVersion(7L)
        .setNodes(List.of("n3"))
        .setDetail("an alert written by the test")
        .setDetectedAt(now)
        .setFirstEventTime(now)
        .build();
  }
}
