package dev.herald.it.producer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.producer.HeraldReporter;
import dev.herald.producer.Operation;
import dev.herald.producer.ReportReceipt;
import dev.herald.schema.Topics;
import dev.herald.schema.registry.InMemorySchemaRegistryClient;
import dev.herald.testsupport.TopicDrainer;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One reporter sends 50 000 reports of 500 entities as fast as it can to a real broker: every one
 * is acknowledged and on the topic, in far fewer signed batches than reports. Logs the throughput
 * and the send latency (a figure, not an assertion: the machine is shared).
 */
@Tag("slow")
class ReporterThroughputIT {
  private static final Logger LOG = LoggerFactory.getLogger(ReporterThroughputIT.class);
  private static final int REPORTS = 50_000;

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @Test
  void sendsManyReportsInFewBatches() throws Exception {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    List<CompletableFuture<ReportReceipt>> futures = new ArrayList<>(REPORTS);
    long start;
    long elapsedNanos;
    try (HeraldReporter reporter =
        HeraldReporter.builder()
            .nodeId("bench-1")
            .group("payments")
            .bootstrapServers(KAFKA.bootstrapServers())
            .schemaRegistry(new InMemorySchemaRegistryClient())
            .heartbeatInterval(Duration.ZERO)
            .meterRegistry(meters)
            .build()) {
      reporter
          .report("warm-up", 1, null, Map.of("b", 0), Operation.of("w", "{}"))
          .get(30, TimeUnit.SECONDS);
      start = System.nanoTime();
      for (int i = 0; i < REPORTS; i++) {
        int entity = i % 500;
        long version = i / 500 + 1;
        futures.add(
            reporter.report(
                "acct-" + entity,
                version,
                version == 1 ? null : Map.of("balance", version - 1, "owner", "ada"),
                Map.of("balance", version, "owner", "ada"),
                Operation.of("op-" + i, Map.of("type", "deposit", "amount", 1))));
      }
      for (CompletableFuture<ReportReceipt> f : futures) {
        f.get(60, TimeUnit.SECONDS);
      }
      elapsedNanos = System.nanoTime() - start;
    }
    double batches = meters.counter("herald.reporter.batches.sent").count();
    Timer latency = meters.timer("herald.reporter.send.latency");
    LOG.info(
        "reporter throughput reports={} seconds={} reportsPerSecond={} batches={} meanLatencyMs={} maxLatencyMs={}",
        REPORTS,
        String.format("%.2f", elapsedNanos / 1e9),
        Math.round(REPORTS / (elapsedNanos / 1e9)),
        (long) batches,
        String.format("%.1f", latency.mean(TimeUnit.MILLISECONDS)),
        String.format("%.1f", latency.max(TimeUnit.MILLISECONDS)));
    assertThat(meters.counter("herald.reporter.reports.sent").count()).isEqualTo(REPORTS + 1);
    assertThat(batches).isLessThan(REPORTS / 10.0);
    long onTopic =
        TopicDrainer.readAll(KAFKA.bootstrapServers(), List.of(Topics.STATE_CHANGES)).size();
    assertThat(onTopic).isEqualTo((long) batches);
  }
}
