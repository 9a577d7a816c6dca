package dev.herald.infra.nodes;

import dev.herald.auditor.identity.NodeHistory;
import dev.herald.auditor.identity.RegistryRules;
import dev.herald.schema.NodeRecord;
import dev.herald.schema.Topics;
import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.serde.MalformedRecordException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node identity registry on the append-only topic {@code herald.nodes.v1}: reads its records
 * and applies them by the auditor's rules ({@link RegistryRules}: each node's history, quarantines,
 * tombstones), and writes new ones (register, revoke, rotate), keyed by their node id.
 *
 * <pre>{@code
 * try (NodeDirectory nodes = new NodeDirectory(clientProps, registry)) {
 *   nodes.write(record);
 *   Map<String, NodeRecord> all = nodes.readAll();
 * }
 * }</pre>
 */
public final class NodeDirectory implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NodeDirectory.class);
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final Properties clientProps;
  private final String topic;
  private final AvroWireFormat<NodeRecord> format;
  private KafkaProducer<byte[], byte[]> producer;

  public NodeDirectory(Properties clientProps, SchemaRegistryClient registry) {
    this(clientProps, registry, Topics.NODES);
  }

  public NodeDirectory(Properties clientProps, SchemaRegistryClient registry, String topic) {
    this.clientProps = clientProps;
    this.topic = topic;
    this.format = new AvroWireFormat<>(NodeRecord.class, registry);
  }

  /** Writes {@code record} (key = its nodeId) and waits for the acknowledgement. */
  public void write(NodeRecord record) {
    if (producer == null) {
      Properties p = new Properties();
      p.putAll(clientProps);
      p.put(ProducerConfig.ACKS_CONFIG, "all");
      p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
      p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) TIMEOUT.toMillis());
      producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }
    byte[] key = record.getNodeId().toString().getBytes(StandardCharsets.UTF_8);
    try {
      producer
          .send(new ProducerRecord<>(topic, key, format.serialize(topic, record)))
          .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while registering " + record.getNodeId(), e);
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      throw new IllegalStateException(
          "cannot write to " + topic + ": " + cause.getMessage(), cause);
    }
  }

  /**
   * One record of the registry topic as written: its key, its value (null for a tombstone or a
   * value that cannot be decoded), its broker time and offset.
   *
   * @param key the record key (UTF-8), null when it has none
   * @param value the registration, null for a tombstone or an undecodable value
   * @param undecodable why the value could not be decoded, or null
   */
  public record Entry(
      String key, NodeRecord value, String undecodable, long timestamp, long offset) {}

  /** Every record of the registry topic, in topic order (the topic has one partition). */
  public List<Entry> readLog() {
    Properties p = new Properties();
    p.putAll(clientProps);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.remove(ConsumerConfig.GROUP_ID_CONFIG);
    List<Entry> log = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      consumer
          .partitionsFor(topic, TIMEOUT)
          .forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions, TIMEOUT);
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("cannot read " + topic + " to its end within " + TIMEOUT);
        }
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
          if (r.value() == null) {
            log.add(new Entry(key, null, null, r.timestamp(), r.offset()));
            continue;
          }
          try {
            log.add(
                new Entry(
                    key, format.deserialize(topic, r.value()), null, r.timestamp(), r.offset()));
          } catch (MalformedRecordException e) {
            LOG.warn(
                "skipping unreadable registry record partition={} offset={} reason={}",
                r.partition(),
                r.offset(),
                e.getMessage());
            log.add(new Entry(key, null, e.getMessage(), r.timestamp(), r.offset()));
          }
        }
      }
    }
    return log;
  }

  /**
   * The registry as the auditor applies it ({@link RegistryRules}): every node's history, and the
   * latest applied record of every registered node id (a quarantined or rejected record is not
   * applied; a tombstoned node is not registered).
   */
  public Registry read() {
    return Registry.of(readLog());
  }

  /** The latest applied record of every registered node id, in the order they were registered. */
  public Map<String, NodeRecord> readAll() {
    return read().records();
  }

  /** The latest applied record of {@code nodeId}, if it is registered. */
  public Optional<NodeRecord> find(String nodeId) {
    return Optional.ofNullable(readAll().get(nodeId));
  }

  /** The registry after applying a log by the auditor's rules. */
  public static final class Registry {
    private final Map<String, NodeHistory> histories = new TreeMap<>();
    private final Map<String, NodeRecord> records = new LinkedHashMap<>();
    private final List<Map.Entry<Entry, RegistryRules.Decision>> decisions = new ArrayList<>();

    /** Applies {@code log} in order. */
    public static Registry of(List<Entry> log) {
      Registry r = new Registry();
      log.forEach(r::apply);
      return r;
    }

    private void apply(Entry e) {
      if (e.value() == null && e.undecodable() != null) {
        return;
      }
      RegistryRules.Decision d =
          RegistryRules.apply(view(), e.key(), e.value(), e.timestamp(), e.offset());
      decisions.add(Map.entry(e, d));
      if (d instanceof RegistryRules.Applied a) {
        String id = a.history().nodeId();
        histories.put(id, a.history());
        if (a.record() == null) {
          records.remove(id);
        } else {
          records.put(id, a.record());
        }
      }
    }

    private RegistryRules.View view() {
      return RegistryRules.View.of(histories);
    }

    /** The latest applied record of every registered node id. */
    public Map<String, NodeRecord> records() {
      return Collections.unmodifiableMap(records);
    }

    /** The history of {@code nodeId} (also of a deleted one). */
    public Optional<NodeHistory> history(String nodeId) {
      return Optional.ofNullable(histories.get(nodeId));
    }

    /** Every node history. */
    public Map<String, NodeHistory> histories() {
      return Collections.unmodifiableMap(histories);
    }

    /** Every record with what the rules decided, in topic order. */
    public List<Map.Entry<Entry, RegistryRules.Decision>> decisions() {
      return Collections.unmodifiableList(decisions);
    }

    /** The node another node's key belongs to, if any (past keys included). */
    public Optional<String> ownerOfKey(String publicKeyHex, String except) {
      return view().otherOwnerOfKey(publicKeyHex, except);
    }
  }

  @Override
  public void close() {
    if (producer != null) {
      producer.close(Duration.ofSeconds(10));
    }
  }
}
