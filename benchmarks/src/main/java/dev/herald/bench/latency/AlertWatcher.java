package dev.herald.bench.latency;

import dev.herald.schema.AlertStatus;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.Topics;
import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.serde.MalformedRecordException;
import dev.herald.schema.truth.ExpectedAlert;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Follows {@code herald.alerts.v1} with a read_committed consumer on its own thread and notes, per
 * alert identity, the wall-clock time at which its first OPEN record became visible — that is, when
 * the auditor's transaction holding it committed (within one short poll).
 *
 * <pre>{@code
 * try (AlertWatcher w = AlertWatcher.start(bootstrap, registry)) {
 *   ... run the simulator ...
 *   Map<ExpectedAlert.Identity, Long> seen = w.firstSeen();
 * }
 * }</pre>
 */
public final class AlertWatcher implements AutoCloseable {
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final KafkaConsumer<byte[], byte[]> uncommitted;
  private final AvroWireFormat<AuditAlert> format;
  private final Map<ExpectedAlert.Identity, Long> firstSeen = new ConcurrentHashMap<>();
  private final Map<ExpectedAlert.Identity, Long> firstRecordTime = new ConcurrentHashMap<>();
  private final Map<ExpectedAlert.Identity, Long> firstWritten = new ConcurrentHashMap<>();
  private final List<AuditAlert> alerts = new ArrayList<>();
  private final Thread thread;
  private final Thread uncommittedThread;
  private volatile boolean running = true;

  private AlertWatcher(String bootstrap, SchemaRegistryClient registry) {
    this.consumer = consumer(bootstrap, "read_committed");
    this.uncommitted = consumer(bootstrap, "read_uncommitted");
    this.format = new AvroWireFormat<>(AuditAlert.class, registry);
    this.thread = new Thread(this::loop, "herald-bench-alert-watcher");
    thread.setDaemon(true);
    this.uncommittedThread =
        new Thread(this::loopUncommitted, "herald-bench-alert-watcher-uncommitted");
    uncommittedThread.setDaemon(true);
  }

  /** A consumer of every alert partition, positioned at its end now (before the run starts). */
  private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap, String isolation) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "herald-bench-alerts-" + UUID.randomUUID());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
    p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 10);
    KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    List<TopicPartition> parts = new ArrayList<>();
    c.partitionsFor(Topics.ALERTS)
        .forEach(i -> parts.add(new TopicPartition(Topics.ALERTS, i.partition())));
    c.assign(parts);
    c.seekToEnd(parts);
    parts.forEach(c::position);
    return c;
  }

  /** Starts following the alerts written from now on. */
  public static AlertWatcher start(String bootstrap, SchemaRegistryClient registry) {
    AlertWatcher w = new AlertWatcher(bootstrap, registry);
    w.thread.start();
    w.uncommittedThread.start();
    return w;
  }

  /** What a follower does with each alert it reads. */
  private interface OnAlert {
    void read(AuditAlert alert, ConsumerRecord<byte[], byte[]> record, long now);
  }

  /** Reads {@code from} until closed, handing every alert record to {@code onAlert}. */
  private void follow(KafkaConsumer<byte[], byte[]> from, OnAlert onAlert) {
    while (running) {
      var records = from.poll(Duration.ofMillis(20));
      long now = System.currentTimeMillis();
      for (ConsumerRecord<byte[], byte[]> r : records) {
        if (r.value() == null) {
          continue;
        }
        try {
          onAlert.read(format.deserialize(r.topic(), r.value()), r, now);
        } catch (MalformedRecordException e) {
          // not an alert record; the benchmark only times alerts
        }
      }
    }
  }

  private void loop() {
    follow(
        consumer,
        (a, r, now) -> {
          synchronized (alerts) {
            alerts.add(a);
          }
          if (a.getStatus() == AlertStatus.OPEN) {
            ExpectedAlert.Identity id = ExpectedAlert.identityOf(a);
            firstSeen.putIfAbsent(id, now);
            firstRecordTime.putIfAbsent(id, r.timestamp());
          }
        });
  }

  /**
   * Follows the alert topic read_uncommitted: when each identity's first OPEN record was written,
   * before the transaction holding it committed (the time from here to {@link #firstSeen} is the
   * auditor's commit and the broker's transaction markers).
   */
  private void loopUncommitted() {
    follow(
        uncommitted,
        (a, r, now) -> {
          if (a.getStatus() == AlertStatus.OPEN) {
            firstWritten.putIfAbsent(ExpectedAlert.identityOf(a), now);
          }
        });
  }

  /** When each alert identity's first OPEN record was written, committed or not (epoch millis). */
  public Map<ExpectedAlert.Identity, Long> firstWritten() {
    return Map.copyOf(firstWritten);
  }

  /** When each alert identity was first seen OPEN (epoch millis). */
  public Map<ExpectedAlert.Identity, Long> firstSeen() {
    return Map.copyOf(firstSeen);
  }

  /**
   * The record time of each identity's first OPEN alert: the broker time of the input record that
   * raised it (a report batch's or heartbeat's {@code LogAppendTime}), so the time from injection
   * to it is the reporters' and the broker's part, the rest the auditor's.
   */
  public Map<ExpectedAlert.Identity, Long> firstRecordTime() {
    return Map.copyOf(firstRecordTime);
  }

  /** Every alert record seen so far. */
  public List<AuditAlert> alerts() {
    synchronized (alerts) {
      return List.copyOf(alerts);
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.join(10_000);
    uncommittedThread.join(10_000);
    consumer.close();
    uncommitted.close();
  }
}
