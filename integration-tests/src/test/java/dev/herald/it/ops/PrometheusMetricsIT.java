package dev.herald.it.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.auditor.api.ApiTokens;
import dev.herald.it.reliability.AuditorProcess;
import dev.herald.it.reliability.SignedFleet;
import dev.herald.it.support.AuditedBroker;
import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.schema.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code herald auditor} runs as its own process (the command an operator runs, not the demo) and a
 * real Prometheus (Debian's binary) scrapes its {@code /metrics} every second with a viewer token.
 * Through Prometheus' HTTP API the test sees the documented Herald series, Kafka Streams' own
 * metrics, store sizes, input lag, dead letters by reason and alerts by type and state, and sees
 * the counters move while replicas report. Then every series the Grafana dashboard and the alerting
 * rules of {@code infra/deploy} name must be among the series Prometheus stored.
 */
@Tag("slow")
class PrometheusMetricsIT {
  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  private static final String TOKEN = "prometheus-scrape-token-0123456789";

  /** Series this IT must see: what docs/api.md documents plus what the issue asks for. */
  static final List<String> REQUIRED =
      List.of(
          "herald_batches_total",
          "herald_reports_total",
          "herald_heartbeats_total",
          "herald_dead_letters_total",
          "herald_alerts_emitted_total",
          "herald_versions_closed_total",
          "herald_alerts_total",
          "herald_alerts_current",
          "herald_detection_latency_seconds_bucket",
          "herald_view_records_total",
          "herald_dlq_records_total",
          "herald_view_alerts",
          "herald_view_nodes",
          "herald_sse_clients",
          "herald_store_entries",
          "herald_input_lag_records",
          "herald_subscription_deliveries_total",
          "herald_subscription_queue",
          "jvm_memory_used_bytes",
          "process_cpu_usage");

  @TempDir Path dir;

  @Test
  void prometheusScrapesTheAuditorCommandAndItsSeriesMove() throws Exception {
    String bootstrap = KAFKA.bootstrapServers();
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(policy, "defaults:\n  heartbeat:\n    silenceThreshold: 90s\n");
    Path tokens = dir.resolve("api-tokens.yaml");
    Files.writeString(
        tokens,
        "tokens:\n  - name: prometheus\n    role: viewer\n    sha256: "
            + ApiTokens.digestHex(TOKEN)
            + "\n");
    Path log = Path.of("target", "prometheus-metrics-it-auditor.log").toAbsolutePath();
    Files.deleteIfExists(log);
    int httpPort = ExternalTool.freePort();
    try (AuditedBroker stack = AuditedBroker.start(KAFKA.clientProperties());
        WebhookReceiver hook = new WebhookReceiver()) {
      Path subscriptions = dir.resolve("subscriptions.yaml");
      Files.writeString(
          subscriptions,
          "subscriptions:\n  - name: it-hook\n    kind: webhook\n    url: "
              + hook.url("/hook")
              + "\n");
      SignedFleet fleet =
          new SignedFleet(stack.producer(), stack.producer(), stack.schemas(), 10, 8);
      fleet.registerAll();
      List<String> args =
          List.of(
              "--bootstrap-server",
              bootstrap,
              "--application-id",
              "herald-it-metrics",
              "--state-dir",
              dir.resolve("state").toString(),
              "--schema-registry-url",
              stack.registryUrl(),
              "--policy",
              policy.toString(),
              "--http-port",
              Integer.toString(httpPort),
              "--api-tokens",
              tokens.toString(),
              "--subscriptions",
              subscriptions.toString());

      // Given: the auditor command, and replicas reporting (with faults, a garbage record)
      try (AuditorProcess auditor = AuditorProcess.start(log, args)) {
        auditor.awaitRunning(Duration.ofSeconds(120), 1);
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> auditor.output().contains("subscription ready subscription=it-hook"));
        stack.clock().every(Duration.ofMillis(300), fleet::heartbeats);
        stack.clock().every(Duration.ofMillis(500), fleet::tick);
        for (int v = 1; v <= 3; v++) {
          fleet.playRound(v);
        }
        stack
            .producer()
            .send(new ProducerRecord<>(Topics.STATE_CHANGES, "junk", new byte[] {1}))
            .get();

        // When: a real Prometheus scrapes it every second
        try (PrometheusServer prometheus =
            PrometheusServer.start(dir, "127.0.0.1:" + httpPort, TOKEN)) {
          await()
              .atMost(Duration.ofSeconds(60))
              .pollInterval(Duration.ofSeconds(1))
              .untilAsserted(
                  () ->
                      assertThat(prometheus.value("up{job=\"herald\"}"))
                          .as("scrape target: %s", prometheus.targetHealth())
                          .hasValue(1.0));

          // Then: the series exist ...
          await()
              .atMost(Duration.ofSeconds(90))
              .pollInterval(Duration.ofSeconds(1))
              .untilAsserted(() -> assertThat(prometheus.metricNames()).containsAll(REQUIRED));
          assertThat(prometheus.metricNames())
              .anySatisfy(n -> assertThat(n).startsWith("kafka_stream_"))
              .anySatisfy(n -> assertThat(n).startsWith("kafka_consumer_"));
          await()
              .atMost(Duration.ofSeconds(60))
              .pollInterval(Duration.ofSeconds(1))
              .untilAsserted(
                  () -> {
                    assertThat(prometheus.value("sum(herald_dead_letters_total{reason=~\".+\"})"))
                        .hasValueSatisfying(v -> assertThat(v).isGreaterThanOrEqualTo(1));
                    assertThat(
                            prometheus.value(
                                "sum(herald_alerts_current{type=\"DIVERGENCE\",status=\"OPEN\"})"))
                        .hasValueSatisfying(v -> assertThat(v).isGreaterThanOrEqualTo(1));
                    assertThat(
                            prometheus.value(
                                "sum(herald_store_entries{store=\"herald-entities\"})"))
                        .hasValueSatisfying(v -> assertThat(v).isGreaterThanOrEqualTo(1));
                    assertThat(prometheus.value("count(herald_input_lag_records)"))
                        .hasValueSatisfying(v -> assertThat(v).isGreaterThanOrEqualTo(1));
                  });
          // ... and move
          double before = prometheus.value("sum(herald_reports_total)").orElse(0.0);
          double batchesBefore = prometheus.value("sum(herald_batches_total)").orElse(0.0);
          for (int v = 4; v <= 6; v++) {
            fleet.playRound(v);
          }
          await()
              .atMost(Duration.ofSeconds(60))
              .pollInterval(Duration.ofSeconds(1))
              .untilAsserted(
                  () -> {
                    assertThat(prometheus.value("sum(herald_reports_total)"))
                        .hasValueSatisfying(v -> assertThat(v).isGreaterThan(before));
                    assertThat(prometheus.value("sum(herald_batches_total)"))
                        .hasValueSatisfying(v -> assertThat(v).isGreaterThan(batchesBefore));
                  });

          // The dashboard and the rules name only series Prometheus saw
          Set<String> seen = prometheus.metricNames();
          Files.writeString(
              Path.of("target", "prometheus-series-seen.txt"), String.join("\n", seen) + "\n");
          Set<String> named = new TreeSet<>();
          for (String expr : DeployQueries.expressions()) {
            named.addAll(DeployQueries.seriesIn(expr));
          }
          assertThat(named).isNotEmpty();
          assertThat(seen).as("series the dashboard and the rules query").containsAll(named);
        }
      }
    }
  }
}
