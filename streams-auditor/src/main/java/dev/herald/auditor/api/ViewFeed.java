package dev.herald.auditor.api;

import dev.herald.auditor.health.RegistryRetry;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.AvailabilityWindow;
import dev.herald.schema.ConsistencyWindow;
import dev.herald.schema.DeadLetter;
import dev.herald.schema.Heartbeat;
import dev.herald.schema.NodeRecord;
import dev.herald.schema.RiskReport;
import dev.herald.schema.Topics;
import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.serde.MalformedRecordException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds the API's views from Kafka on one background thread: {@code herald.alerts.v1}, {@code
 * herald.nodes.v1}, {@code herald.availability.v1}, {@code herald.risk.v1} and {@code
 * herald.consistency.v1} (each group's latest figure as gauges {@code herald_consistency_share},
 * {@code herald_consistency_nines} and {@code herald_consistency_burn_rate}) from the beginning,
 * {@code herald.heartbeats.v1} from {@code heartbeatLookback} ago, {@code herald.dlq.v1} from now
 * (counted in {@code herald_dlq_records_total}). No consumer group: every auditor instance holds
 * the whole view.
 *
 * <p>A record the views cannot decode is skipped, logged at WARN and counted in {@code
 * herald_view_malformed_records_total}; it stays on its topic (the auditor's topology routes bad
 * input records to the DLQ), so nothing is lost. A record that cannot be decoded because the schema
 * registry is unreachable is not skipped: its partition is read again after a back-off ({@link
 * RegistryRetry#delay}, 200 ms doubling to 10 s) and {@link #waitingForRegistry()} says so.
 *
 * <pre>{@code
 * try (ViewFeed feed = new ViewFeed(kafkaProps, registry, alerts, nodes, reports, meters,
 *     Duration.ofMinutes(15), Clock.systemUTC()).start()) {
 *   ...
 * }
 * }</pre>
 */
public final class ViewFeed implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ViewFeed.class);
  private static final Pattern REASON = Pattern.compile("[A-Z][A-Z_]{0,31}");
  private static final List<String> TOPICS =
      List.of(
          Topics.ALERTS,
          Topics.NODES,
          Topics.HEARTBEATS,
          Topics.AVAILABILITY,
          Topics.RISK,
          Topics.CONSISTENCY,
          Topics.DLQ);

  private final Properties consumerProps;
  private final AlertView alerts;
  private final NodeView nodes;
  private final FlinkReportView reports;
  private final MeterRegistry meters;
  private final Duration heartbeatLookback;
  private final Clock clock;
  private final AvroWireFormat<AuditAlert> alertFormat;
  private final AvroWireFormat<NodeRecord> nodeFormat;
  private final AvroWireFormat<Heartbeat> heartbeatFormat;
  private final AvroWireFormat<AvailabilityWindow> availabilityFormat;
  private final AvroWireFormat<RiskReport> riskFormat;
  private final AvroWireFormat<ConsistencyWindow> consistencyFormat;
  private final Set<String> consistencyGauges = new HashSet<>();
  private final AvroWireFormat<DeadLetter> dlqFormat;
  private final Map<TopicPartition, Long> initialEnd = new HashMap<>();
  private final Set<TopicPartition> assigned = new HashSet<>();
  private static final RegistryRetry REGISTRY_BACKOFF =
      new RegistryRetry(
          null,
          Duration.ofMillis(200),
          Duration.ofSeconds(10),
          d -> Thread.sleep(d.toMillis()),
          System::nanoTime);
  private int registryFailures;
  private volatile boolean waitingForRegistry;
  private volatile boolean caughtUp;
  private volatile boolean running;
  private KafkaConsumer<byte[], byte[]> consumer;
  private Thread thread;

  /**
   * @param kafkaProps client properties ({@code bootstrap.servers}, security); deserializers and
   *     offsets are set here
   */
  public ViewFeed(
      Properties kafkaProps,
      SchemaRegistryClient registry,
      AlertView alerts,
      NodeView nodes,
      FlinkReportView reports,
      MeterRegistry meters,
      Duration heartbeatLookback,
      Clock clock) {
    this.consumerProps = new Properties();
    consumerProps.putAll(kafkaProps);
    consumerProps.put(
        ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    consumerProps.put(
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    // never create Herald topics with default configs by reading them
    consumerProps.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
    consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    consumerProps.remove(ConsumerConfig.GROUP_ID_CONFIG);
    this.alerts = alerts;
    this.nodes = nodes;
    this.reports = reports;
    this.meters = meters;
    this.heartbeatLookback = heartbeatLookback;
    this.clock = clock;
    this.alertFormat = new AvroWireFormat<>(AuditAlert.class, registry);
    this.nodeFormat = new AvroWireFormat<>(NodeRecord.class, registry);
    this.heartbeatFormat = new AvroWireFormat<>(Heartbeat.class, registry);
    this.availabilityFormat = new AvroWireFormat<>(AvailabilityWindow.class, registry);
    this.riskFormat = new AvroWireFormat<>(RiskReport.class, registry);
    this.consistencyFormat = new AvroWireFormat<>(ConsistencyWindow.class, registry);
    this.dlqFormat = new AvroWireFormat<>(DeadLetter.class, registry);
  }

  /** Starts the feed thread; returns this. */
  public synchronized ViewFeed start() {
    if (thread != null) {
      return this;
    }
    consumer = new KafkaConsumer<>(consumerProps);
    running = true;
    thread = new Thread(this::run, "herald-view-feed");
    thread.setDaemon(true);
    thread.start();
    return this;
  }

  /** Whether a record waits for the schema registry (unreachable) before the views can read on. */
  public boolean waitingForRegistry() {
    return waitingForRegistry;
  }

  /** Whether the views have read every record that was on their topics when the feed started. */
  public boolean caughtUp() {
    return caughtUp;
  }

  private void run() {
    long nextRefresh = 0;
    try {
      while (running) {
        long now = System.currentTimeMillis();
        if (now >= nextRefresh) {
          refreshAssignment();
          nextRefresh = now + 5_000;
        }
        if (assigned.isEmpty()) {
          synchronized (this) {
            wait(200);
          }
          continue;
        }
        Set<TopicPartition> rewound = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          TopicPartition tp = new TopicPartition(r.topic(), r.partition());
          if (!rewound.contains(tp) && !dispatch(r)) {
            // the registry is down: read this record again later rather than lose it
            consumer.seek(tp, r.offset());
            rewound.add(tp);
          }
        }
        waitingForRegistry = !rewound.isEmpty();
        if (rewound.isEmpty()) {
          registryFailures = 0;
        } else {
          synchronized (this) {
            wait(REGISTRY_BACKOFF.delay(registryFailures++).toMillis());
          }
        }
        if (!caughtUp) {
          checkCaughtUp();
        }
      }
    } catch (WakeupException e) {
      // closing
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.error("view feed stopped: {}", e.toString(), e);
    } finally {
      consumer.close(Duration.ofSeconds(2));
    }
  }

  private void refreshAssignment() {
    List<TopicPartition> fresh = new ArrayList<>();
    for (String topic : TOPICS) {
      List<PartitionInfo> parts;
      try {
        parts = consumer.partitionsFor(topic, Duration.ofSeconds(5));
      } catch (RuntimeException e) {
        LOG.debug("cannot list partitions of {}: {}", topic, e.toString());
        continue;
      }
      if (parts == null) {
        continue;
      }
      for (PartitionInfo p : parts) {
        TopicPartition tp = new TopicPartition(p.topic(), p.partition());
        if (!assigned.contains(tp)) {
          fresh.add(tp);
        }
      }
    }
    if (fresh.isEmpty()) {
      if (!caughtUp && assigned.isEmpty()) {
        caughtUp = true; // no topics yet: nothing to catch up with
      }
      return;
    }
    assigned.addAll(fresh);
    consumer.assign(assigned);
    Map<TopicPartition, Long> lookup = new HashMap<>();
    long since = clock.millis() - heartbeatLookback.toMillis();
    for (TopicPartition tp : fresh) {
      switch (tp.topic()) {
        case Topics.DLQ -> consumer.seekToEnd(List.of(tp));
        case Topics.HEARTBEATS -> lookup.put(tp, since);
        default -> consumer.seekToBeginning(List.of(tp));
      }
    }
    if (!lookup.isEmpty()) {
      Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(lookup);
      for (TopicPartition tp : lookup.keySet()) {
        OffsetAndTimestamp o = found.get(tp);
        if (o == null) {
          consumer.seekToEnd(List.of(tp));
        } else {
          consumer.seek(tp, o.offset());
        }
      }
    }
    if (!caughtUp) {
      initialEnd.putAll(consumer.endOffsets(fresh));
    }
    LOG.info("view feed assigned partitions={}", fresh.size());
  }

  private void checkCaughtUp() {
    for (Map.Entry<TopicPartition, Long> e : initialEnd.entrySet()) {
      if (consumer.position(e.getKey()) < e.getValue()) {
        return;
      }
    }
    caughtUp = true;
    LOG.info("view feed caught up alerts={} nodes={}", alerts.size(), nodes.size());
  }

  /** Applies one record; false when it must be read again (the schema registry is unavailable). */
  private boolean dispatch(ConsumerRecord<byte[], byte[]> r) {
    String topic = r.topic();
    Counter.builder("herald.view.records")
        .description("Records read by the API views, by topic")
        .tag("topic", topic)
        .register(meters)
        .increment();
    try {
      switch (topic) {
        case Topics.ALERTS -> {
          if (r.value() != null) {
            alerts.apply(alertFormat.deserialize(topic, r.value()));
          }
        }
        case Topics.NODES ->
            nodes.apply(
                r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8),
                r.value() == null ? null : nodeFormat.deserialize(topic, r.value()),
                r.timestamp(),
                r.offset());
        case Topics.HEARTBEATS -> nodes.heartbeat(heartbeatFormat.deserialize(topic, r.value()));
        case Topics.AVAILABILITY ->
            reports.availability(availabilityFormat.deserialize(topic, r.value()));
        case Topics.RISK -> reports.risk(riskFormat.deserialize(topic, r.value()));
        case Topics.CONSISTENCY -> consistency(consistencyFormat.deserialize(topic, r.value()));
        case Topics.DLQ -> {
          String reason;
          try {
            String raw = dlqFormat.deserialize(topic, r.value()).getReason();
            reason = raw != null && REASON.matcher(raw).matches() ? raw : "OTHER";
          } catch (MalformedRecordException e) {
            reason = "UNDECODABLE";
          }
          Counter.builder("herald.dlq.records")
              .description(
                  "Records written to herald.dlq.v1 since this instance started, by reason")
              .tag("reason", reason)
              .register(meters)
              .increment();
        }
        default -> {}
      }
    } catch (MalformedRecordException e) {
      if (e.reason() == MalformedRecordException.Reason.REGISTRY_UNAVAILABLE) {
        (registryFailures == 0 ? LOG.atWarn() : LOG.atDebug())
            .log(
                "view waits for the schema registry topic={} offset={}: {}",
                topic,
                r.offset(),
                e.getMessage());
        return false;
      }
      Counter.builder("herald.view.malformed.records")
          .description("Records the API views could not decode, by topic and reason")
          .tag("topic", topic)
          .tag("reason", e.reason().name())
          .register(meters)
          .increment();
      LOG.warn(
          "view skipped malformed record topic={} partition={} offset={} reason={}: {}",
          topic,
          r.partition(),
          r.offset(),
          e.reason(),
          e.getMessage());
    }
    return true;
  }

  /**
   * Holds a consistency window and, the first time a group is seen, registers its gauges (at most
   * as many groups as the view holds: the label is the group, never an entity).
   */
  private void consistency(ConsistencyWindow w) {
    reports.consistency(w);
    String group = w.getGroup();
    if (consistencyGauges.size() < MAX_CONSISTENCY_GROUPS && consistencyGauges.add(group)) {
      Gauge.builder(
              "herald.consistency.share",
              reports,
              v -> figure(v, group, ConsistencyWindow::getShare))
          .description(
              "Share of the group's versions agreed by every member within M, latest window")
          .tag("group", group)
          .register(meters);
      Gauge.builder(
              "herald.consistency.nines",
              reports,
              v -> figure(v, group, ConsistencyWindow::getNines))
          .description("The consistency share in nines, latest window")
          .tag("group", group)
          .register(meters);
      Gauge.builder(
              "herald.consistency.burn.rate",
              reports,
              v -> figure(v, group, ConsistencyWindow::getFastBurnRate))
          .description("Error-budget burn rate of the consistency SLO over the short window")
          .tag("group", group)
          .tag("window", "fast")
          .register(meters);
      Gauge.builder(
              "herald.consistency.burn.rate",
              reports,
              v -> figure(v, group, ConsistencyWindow::getSlowBurnRate))
          .description("Error-budget burn rate of the consistency SLO over the long window")
          .tag("group", group)
          .tag("window", "slow")
          .register(meters);
    }
  }

  /** Most groups with consistency gauges. */
  static final int MAX_CONSISTENCY_GROUPS = 1_000;

  private static double figure(
      FlinkReportView view, String group, ToDoubleFunction<ConsistencyWindow> value) {
    ConsistencyWindow w = view.latestConsistency(group);
    return w == null ? Double.NaN : value.applyAsDouble(w);
  }

  @Override
  public void close() {
    Thread t;
    synchronized (this) {
      running = false;
      t = thread;
      notifyAll();
    }
    if (t != null) {
      consumer.wakeup();
      try {
        t.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
