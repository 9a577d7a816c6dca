package dev.herald.it.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.auditor.HeraldAuditor;
import dev.herald.auditor.policy.PolicyLoader;
import dev.herald.infra.registry.EmbeddedSchemaRegistry;
import dev.herald.it.support.AuditedBroker;
import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.it.support.RunningAuditor;
import dev.herald.schema.AlertStatus;
import dev.herald.schema.AlertType;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.StateChange;
import dev.herald.schema.Topics;
import dev.herald.schema.registry.RestSchemaRegistryClient;
import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.truth.ExpectedAlert;
import dev.herald.testsupport.DetectionScore;
import dev.herald.testsupport.Fleet;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Flood isolation: node {@code f1} (the only member of group {@code fl}) sends {@value #FLOOD_RATE}
 * reports/s — 20 × its rate budget of {@value #BUDGET}/s — all to one partition, while three other
 * groups ({@code g1..g3}, three signed replicas each) keep being audited.
 *
 * <p>Detection latency is measured per probe: a fresh entity whose third report diverges; the
 * latency is the time from producing that deciding report to its DIVERGENCE being visible to a
 * {@code read_committed} consumer (so it includes the auditor's exactly-once commit interval, 100
 * ms). Probes are sequential (one in flight), after a warm-up: {@value #PROBES} without the flood
 * (baseline) and {@value #PROBES} during it, in the same JVM and test, in {@value #BLOCKS}
 * alternating blocks so that the shared build machine's varying load weighs on both alike.
 *
 * <p>What is asserted is correctness: FLOOD is raised for f1 (and only for f1), every probe's
 * DIVERGENCE is raised once with and without the flood, none is lost or duplicated, and the auditor
 * keeps running. The latencies (median and p99 of both sides), the flood's actual rate and the
 * growth of the used heap after a full GC are measured and printed — they are reported in {@code
 * docs/reliability.md} — but not asserted: on the shared 2-core build machine they are decided by
 * machine-wide stalls of several seconds, which fell on the baseline side as often as on the flood
 * side.
 */
@Tag("slow")
class FloodIsolationIT {
  static final int BUDGET = 50;
  static final int FLOOD_RATE = 1_000;
  static final int PROBES = 160;
  static final int BLOCKS = 4;
  static final int WARMUP = 20;
  private static final List<String> GROUPS = List.of("g1", "g2", "g3");
  private static final int PARTITIONS = Topics.DEFAULT_PARTITIONS;

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @TempDir Path stateDir;

  private Fleet fleet;
  private final List<ExpectedAlert> truth = Collections.synchronizedList(new ArrayList<>());
  private final Map<String, Long> seenAt = new ConcurrentHashMap<>();
  private final List<AuditAlert> alerts = Collections.synchronizedList(new ArrayList<>());

  @Test
  void aNodeAt20TimesItsBudgetIsFloodAndTheOtherGroupsKeepTheirLatency() throws Exception {
    String bootstrap = KAFKA.bootstrapServers();
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    try (EmbeddedSchemaRegistry registry =
            EmbeddedSchemaRegistry.builder().bootstrapServers(bootstrap).port(0).start();
        KafkaProducer<String, byte[]> producer = producer(bootstrap, 0);
        KafkaProducer<String, byte[]> flooder = producer(bootstrap, 5)) {
      SchemaRegistryClient schemas = new RestSchemaRegistryClient(registry.url(), Map.of());
      fleet = new Fleet(schemas, "flood:");
      register(producer);
      AtomicBoolean reading = new AtomicBoolean(true);
      Thread reader = new Thread(() -> readAlerts(bootstrap, schemas, reading), "alert-reader");
      reader.start();
      try (HeraldAuditor auditor =
          RunningAuditor.start(
              RunningAuditor.config(
                  bootstrap,
                  "herald-it-flood",
                  stateDir,
                  PolicyLoader.parse(
                      "defaults:\n  heartbeat:\n    silenceThreshold: 10m\n"
                          + "  rateBudget:\n    reportsPerSecond: "
                          + BUDGET
                          + "\n    burst: "
                          + BUDGET
                          + "\n"),
                  registry.url()))) {

        // Given: a warm auditor
        probes(producer, "w", WARMUP, null);
        long heapBefore = usedHeapAfterGc(memory);
        truth.add(new ExpectedAlert("flood", "FLOOD", "fl", null, null, List.of("f1"), 0L));

        // When: blocks of probes without and with f1 flooding one partition at 20 x its budget
        // (10 reports every 10 ms), interleaved so that the shared machine's varying load weighs
        // on both sides alike
        Histogram baseline = new Histogram(60_000_000L, 3);
        Histogram underFlood = new Histogram(60_000_000L, 3);
        AtomicLong flooded = new AtomicLong();
        int floodPartition = 0;
        long floodNanos = 0;
        long floodedDuring = 0;
        for (int block = 0; block < BLOCKS; block++) {
          probes(producer, "b" + block + "-", PROBES / BLOCKS, baseline);
          ScheduledExecutorService floodClock = Executors.newSingleThreadScheduledExecutor();
          try {
            floodClock.scheduleAtFixedRate(
                () -> flood(flooder, floodPartition, FLOOD_RATE / 100, flooded),
                0,
                10,
                TimeUnit.MILLISECONDS);
            // the flood is on: its FLOOD alert is out and 1 s of it was sent in this block
            long from = flooded.get();
            await()
                .atMost(Duration.ofSeconds(60))
                .until(
                    () ->
                        alerts.stream().anyMatch(a -> a.getType() == AlertType.FLOOD)
                            && flooded.get() - from >= FLOOD_RATE);
            long start = System.nanoTime();
            long sentBefore = flooded.get();
            probes(producer, "f" + block + "-", PROBES / BLOCKS, underFlood);
            floodNanos += System.nanoTime() - start;
            floodedDuring += flooded.get() - sentBefore;
          } finally {
            floodClock.shutdownNow();
            floodClock.awaitTermination(10, TimeUnit.SECONDS);
          }
        }
        double floodSeconds = floodNanos / 1e9;
        long heapAfter = usedHeapAfterGc(memory);

        // Then
        List<AuditAlert> all = List.copyOf(alerts);
        DetectionScore score = DetectionScore.of(List.copyOf(truth), all);
        long openDuplicates =
            all.stream().filter(a -> a.getStatus() == AlertStatus.OPEN).count()
                - all.stream()
                    .filter(a -> a.getStatus() == AlertStatus.OPEN)
                    .map(AuditAlert::getAlertId)
                    .distinct()
                    .count();
        double p99Base = baseline.getValueAtPercentile(99) / 1e3;
        double p99Flood = underFlood.getValueAtPercentile(99) / 1e3;
        System.out.printf(
            "FLOOD f1 sent %d reports in %.1f s of flood (%.0f/s, budget %d/s) to partition %d%n"
                + "FLOOD detection latency of the other groups, ms (n=%d each):"
                + " baseline p50=%.1f p99=%.1f max=%.1f; under flood p50=%.1f p99=%.1f max=%.1f;"
                + " p99 ratio %.2f, p50 ratio %.2f%n"
                + "FLOOD used heap after GC: before %d MiB, after %d MiB, growth %d MiB%n"
                + "FLOOD alerts:%n%s"
                + "FLOOD duplicated OPEN alerts: %d%n",
            floodedDuring,
            floodSeconds,
            floodedDuring / floodSeconds,
            BUDGET,
            floodPartition,
            PROBES,
            baseline.getValueAtPercentile(50) / 1e3,
            p99Base,
            baseline.getMaxValue() / 1e3,
            underFlood.getValueAtPercentile(50) / 1e3,
            p99Flood,
            underFlood.getMaxValue() / 1e3,
            p99Flood / p99Base,
            (double) underFlood.getValueAtPercentile(50) / baseline.getValueAtPercentile(50),
            heapBefore >> 20,
            heapAfter >> 20,
            (heapAfter - heapBefore) >> 20,
            score.table(),
            openDuplicates);
        // Correctness only: FLOOD for f1 and nothing else unexpected, every probe's DIVERGENCE
        // raised once, with and without the flood. The latencies, the flood rate and the heap
        // growth printed above are figures of the machine (docs/reliability.md), not asserted.
        assertThat(score.perfect()).as(score.table()).isTrue();
        assertThat(baseline.getTotalCount()).as("baseline probes detected").isEqualTo(PROBES);
        assertThat(underFlood.getTotalCount()).as("probes detected under flood").isEqualTo(PROBES);
        assertThat(openDuplicates).isZero();
        assertThat(auditor.state()).isEqualTo("RUNNING/RUNNING");
      } finally {
        reading.set(false);
        reader.join(10_000);
      }
    }
  }

  private static long usedHeapAfterGc(MemoryMXBean memory) {
    memory.gc();
    memory.gc();
    return memory.getHeapMemoryUsage().getUsed();
  }

  /** Sequential probes; each one's detection latency in microseconds. */
  private void probes(Producer<String, byte[]> producer, String prefix, int n, Histogram h)
      throws Exception {
    for (int i = 0; i < n; i++) {
      String group = GROUPS.get(i % GROUPS.size());
      String entity = prefix + i;
      int p = partitionOf(group, entity);
      send(producer, group + "-a", p, List.of(change(group + "-a", group, entity, "ok"))).get();
      send(producer, group + "-b", p, List.of(change(group + "-b", group, entity, "ok"))).get();
      truth.add(
          new ExpectedAlert(entity, "DIVERGENCE", group, entity, 1L, List.of(group + "-c"), 0L));
      long t0 = System.nanoTime();
      send(producer, group + "-c", p, List.of(change(group + "-c", group, entity, "diverged")))
          .get();
      Long t1 =
          await()
              .atMost(Duration.ofSeconds(60))
              .pollInterval(Duration.ofMillis(1))
              .until(() -> seenAt.get(entity), t -> t != null);
      if (h != null) {
        h.recordValue(Math.max(1, (t1 - t0) / 1_000));
      }
    }
  }

  private long nextFloodEntity;

  private void flood(Producer<String, byte[]> flooder, int partition, int n, AtomicLong sent) {
    List<StateChange> reports = new ArrayList<>();
    while (reports.size() < n) {
      String entity = "s" + nextFloodEntity++;
      if (partitionOf("fl", entity) == partition) {
        reports.add(change("f1", "fl", entity, "ok"));
      }
    }
    send(flooder, "f1", partition, reports);
    sent.addAndGet(n);
  }

  private void readAlerts(String bootstrap, SchemaRegistryClient schemas, AtomicBoolean reading) {
    AvroWireFormat<AuditAlert> format = new AvroWireFormat<>(AuditAlert.class, schemas);
    Properties p = new Properties();
    p.putAll(KAFKA.clientProperties());
    try (KafkaConsumer<byte[], byte[]> c = AlertLog.reader(p, Topics.ALERTS)) {
      while (reading.get()) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(5))) {
          long at = System.nanoTime();
          AuditAlert a = format.deserialize(Topics.ALERTS, r.value());
          alerts.add(a);
          if (a.getType() == AlertType.DIVERGENCE && a.getEntityKey() != null) {
            seenAt.putIfAbsent(a.getEntityKey(), at);
          }
        }
      }
    }
  }

  private void register(Producer<String, byte[]> producer) throws Exception {
    List<String[]> all = new ArrayList<>();
    for (String g : GROUPS) {
      for (String m : List.of("a", "b", "c")) {
        all.add(new String[] {g + "-" + m, g});
      }
    }
    all.add(new String[] {"f1", "fl"});
    for (String[] n : all) {
      producer.send(fleet.registration(fleet.node(n[0], List.of(n[1])))).get();
    }
  }

  private static int partitionOf(String group, String entity) {
    return Fleet.partitionOf(group, entity);
  }

  private static StateChange change(String node, String group, String entity, String state) {
    return Fleet.change(
        node, group, entity, 1, new byte[0], Fleet.hash(entity + "@" + state), "op:" + entity);
  }

  private Future<RecordMetadata> send(
      Producer<String, byte[]> producer, String node, int partition, List<StateChange> reports) {
    return producer.send(fleet.batchRecord(node, partition, reports));
  }

  private static KafkaProducer<String, byte[]> producer(String bootstrap, int lingerMs) {
    Properties client = new Properties();
    client.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    return AuditedBroker.producer(client, Map.of(ProducerConfig.LINGER_MS_CONFIG, lingerMs));
  }
}
