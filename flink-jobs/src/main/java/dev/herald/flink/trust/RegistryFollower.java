package dev.herald.flink.trust;

import dev.herald.schema.NodeRecord;
import dev.herald.schema.Topics;
import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.serde.MalformedRecordException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a {@link NodeRegistry} up to date from {@code herald.nodes.v1}: {@link #bootstrap()} reads
 * the topic from the beginning to its end before the first heartbeat is judged; {@link #refresh}
 * reads what was appended since, every {@code refreshMs}, and at once (at most once a second) when
 * a heartbeat names a node the view does not know, so a node that registers and heartbeats right
 * away is not refused.
 *
 * <p>Each read uses a short-lived consumer (assigned, no consumer group, closed after the read): a
 * Flink deserializer has no close hook, and a long-lived consumer would leak a connection with
 * every task restart.
 */
public final class RegistryFollower {
  private static final Logger LOG = LoggerFactory.getLogger(RegistryFollower.class);
  private static final long FORCED_REFRESH_MIN_MS = 1_000;
  private static final long REFRESH_TIMEOUT_MS = 10_000;

  private final Properties consumerProperties;
  private final AvroWireFormat<NodeRecord> format;
  private final NodeRegistry registry;
  private final long refreshMs;
  private final Map<TopicPartition, Long> positions = new HashMap<>();
  private long lastRefresh;
  private long lastForced;

  /**
   * @param consumerProperties Kafka client properties (bootstrap servers and security settings)
   * @param schemas the schema registry the registrations are written with
   * @param registry the view to keep up to date
   * @param refreshMs how often to read what was appended
   */
  public RegistryFollower(
      Properties consumerProperties,
      SchemaRegistryClient schemas,
      NodeRegistry registry,
      long refreshMs) {
    if (consumerProperties == null) {
      this.consumerProperties = null;
    } else {
      this.consumerProperties = new Properties();
      this.consumerProperties.putAll(consumerProperties);
      this.consumerProperties.put("enable.auto.commit", "false");
      this.consumerProperties.remove("group.id");
    }
    this.format = new AvroWireFormat<>(NodeRecord.class, schemas);
    this.registry = registry;
    this.refreshMs = refreshMs;
  }

  /** A follower that never reads Kafka: {@code registry} is all it knows (tests, benchmarks). */
  public static RegistryFollower fixed(SchemaRegistryClient schemas, NodeRegistry registry) {
    return new RegistryFollower(null, schemas, registry, Long.MAX_VALUE);
  }

  /** The view this follower keeps up to date. */
  public NodeRegistry registry() {
    return registry;
  }

  /**
   * Reads the registry topic to its end. Throws, naming the topic and what to check, when the topic
   * does not exist or cannot be read within {@code timeout}.
   */
  public void bootstrap(Duration timeout, long nowMs) {
    if (consumerProperties != null && !readToEnd(timeout.toMillis())) {
      throw new IllegalStateException(
          "could not read "
              + Topics.NODES
              + " to its end within "
              + timeout.toSeconds()
              + " s: is Kafka reachable, does the topic exist (herald topics create) and may this"
              + " principal read it?");
    }
    lastRefresh = nowMs;
    LOG.info("node registry read nodes={} ignored={}", registry.size(), registry.ignored());
  }

  /** Reads what was appended if the last read is {@code refreshMs} old. */
  public void refreshIfDue(long nowMs) {
    if (nowMs - lastRefresh >= refreshMs) {
      refresh(nowMs);
    }
  }

  /**
   * Reads what was appended, because a heartbeat named an unknown node; at most once a second.
   * Returns whether it read.
   */
  public boolean refreshForUnknown(long nowMs) {
    if (nowMs - lastForced < FORCED_REFRESH_MIN_MS) {
      return false;
    }
    lastForced = nowMs;
    refresh(nowMs);
    return true;
  }

  private void refresh(long nowMs) {
    lastRefresh = nowMs;
    if (consumerProperties == null) {
      return;
    }
    try {
      if (!readToEnd(REFRESH_TIMEOUT_MS)) {
        LOG.warn("node registry refresh did not reach the end topic={}", Topics.NODES);
      }
    } catch (RuntimeException e) {
      // the view keeps what it had; the next refresh tries again
      LOG.warn("node registry refresh failed topic={} error=\"{}\"", Topics.NODES, e.toString());
    }
  }

  private boolean readToEnd(long timeoutMs) {
    long deadline = System.currentTimeMillis() + timeoutMs;
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(
            consumerProperties, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<PartitionInfo> infos =
          consumer.partitionsFor(Topics.NODES, Duration.ofMillis(timeoutMs));
      if (infos == null || infos.isEmpty()) {
        return false;
      }
      List<TopicPartition> partitions =
          infos.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
      consumer.assign(partitions);
      for (TopicPartition tp : partitions) {
        Long at = positions.get(tp);
        if (at == null) {
          consumer.seekToBeginning(List.of(tp));
        } else {
          consumer.seek(tp, at);
        }
      }
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofMillis(timeoutMs));
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        if (System.currentTimeMillis() > deadline) {
          return false;
        }
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          apply(r);
        }
        for (TopicPartition tp : partitions) {
          positions.put(tp, consumer.position(tp));
        }
      }
      for (TopicPartition tp : partitions) {
        positions.put(tp, consumer.position(tp));
      }
      return true;
    }
  }

  private void apply(ConsumerRecord<byte[], byte[]> r) {
    String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
    if (r.value() == null) {
      registry.apply(key, null);
      return;
    }
    try {
      registry.apply(key, format.deserialize(r.topic(), r.value()));
    } catch (MalformedRecordException e) {
      LOG.warn(
          "registry record not decodable partition={} offset={} reason={}",
          r.partition(),
          r.offset(),
          e.reason());
    }
  }
}
