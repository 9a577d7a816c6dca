package dev.herald.bench.throughput;

import dev.herald.schema.NodeRecord;
import dev.herald.schema.ReportBatch;
import dev.herald.schema.Topics;
import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.serde.MalformedRecordException;
import dev.herald.schema.signing.BatchSignatures;
import dev.herald.schema.signing.Ed25519;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;

/**
 * Reads a whole topic from offset 0 with a fresh consumer and times it: the I/O floor ({@link
 * #plain}) and the work floor ({@link #verifying}: every batch deserialized and its signature
 * verified against the registered key, as the auditor must).
 *
 * <pre>{@code
 * TopicDrain.Result io = TopicDrain.plain(bootstrap, Topics.STATE_CHANGES);
 * TopicDrain.Result work = TopicDrain.verifying(bootstrap, registry);
 * }</pre>
 */
public final class TopicDrain {
  private static final Duration POLL = Duration.ofMillis(200);
  private static final Duration IDLE_LIMIT = Duration.ofSeconds(60);

  private TopicDrain() {}

  /**
   * One drain.
   *
   * @param records Kafka records read
   * @param bytes value bytes read
   * @param reports state-change reports in the batches (0 for a plain drain)
   * @param verified batches whose signature verified
   * @param rejected batches that were malformed, of an unknown node or failed verification
   * @param elapsed from the first poll to the last record
   * @param cpu CPU time of the draining thread over the drain (it does the consumer's I/O too)
   */
  public record Result(
      long records,
      long bytes,
      long reports,
      long verified,
      long rejected,
      Duration elapsed,
      Duration cpu) {
    /** {@code count} per second over the elapsed time. */
    public double perSecond(long count) {
      return count / Math.max(1e-9, elapsed.toNanos() / 1e9);
    }
  }

  /** Reads every record of {@code topic}; nothing is decoded. */
  public static Result plain(String bootstrap, String topic) {
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrap)) {
      Map<TopicPartition, Long> end = assignFromStart(consumer, topic);
      long records = 0;
      long bytes = 0;
      long cpu0 = threadCpu();
      long start = System.nanoTime();
      long last = start;
      long idleSince = start;
      while (!reached(consumer, end)) {
        var batch = consumer.poll(POLL);
        long now = System.nanoTime();
        if (batch.isEmpty()) {
          checkIdle(idleSince, now, topic);
          continue;
        }
        idleSince = now;
        for (ConsumerRecord<byte[], byte[]> r : batch) {
          records++;
          bytes += r.value() == null ? 0 : r.value().length;
        }
        last = now;
      }
      return new Result(
          records,
          bytes,
          0,
          0,
          0,
          Duration.ofNanos(last - start),
          Duration.ofNanos(threadCpu() - cpu0));
    }
  }

  /**
   * Reads every batch of {@code herald.state-changes.v1}, deserializes it and verifies its
   * signature against the key registered in {@code herald.nodes.v1} (decoded keys cached).
   */
  public static Result verifying(String bootstrap, SchemaRegistryClient registry) {
    Map<String, Ed25519PublicKeyParameters> keys = registeredKeys(bootstrap, registry);
    AvroWireFormat<ReportBatch> format = new AvroWireFormat<>(ReportBatch.class, registry);
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrap)) {
      Map<TopicPartition, Long> end = assignFromStart(consumer, Topics.STATE_CHANGES);
      long records = 0;
      long bytes = 0;
      long reports = 0;
      long verified = 0;
      long rejected = 0;
      long cpu0 = threadCpu();
      long start = System.nanoTime();
      long last = start;
      long idleSince = start;
      while (!reached(consumer, end)) {
        var batch = consumer.poll(POLL);
        long now = System.nanoTime();
        if (batch.isEmpty()) {
          checkIdle(idleSince, now, Topics.STATE_CHANGES);
          continue;
        }
        idleSince = now;
        for (ConsumerRecord<byte[], byte[]> r : batch) {
          records++;
          bytes += r.value() == null ? 0 : r.value().length;
          ReportBatch b;
          try {
            b = format.deserialize(r.topic(), r.value());
          } catch (MalformedRecordException e) {
            rejected++;
            continue;
          }
          Ed25519PublicKeyParameters key = keys.get(b.getNodeId());
          if (key != null && BatchSignatures.verify(b, key)) {
            verified++;
            reports += b.getReports().size();
          } else {
            rejected++;
          }
        }
        last = System.nanoTime();
      }
      return new Result(
          records,
          bytes,
          reports,
          verified,
          rejected,
          Duration.ofNanos(last - start),
          Duration.ofNanos(threadCpu() - cpu0));
    }
  }

  /** The current key of every node in {@code herald.nodes.v1} (last registration wins). */
  static Map<String, Ed25519PublicKeyParameters> registeredKeys(
      String bootstrap, SchemaRegistryClient registry) {
    AvroWireFormat<NodeRecord> format = new AvroWireFormat<>(NodeRecord.class, registry);
    Map<String, Ed25519PublicKeyParameters> keys = new HashMap<>();
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrap)) {
      Map<TopicPartition, Long> end = assignFromStart(consumer, Topics.NODES);
      long idleSince = System.nanoTime();
      while (!reached(consumer, end)) {
        var batch = consumer.poll(POLL);
        if (batch.isEmpty()) {
          checkIdle(idleSince, System.nanoTime(), Topics.NODES);
          continue;
        }
        idleSince = System.nanoTime();
        for (ConsumerRecord<byte[], byte[]> r : batch) {
          try {
            NodeRecord n = format.deserialize(r.topic(), r.value());
            byte[] pk = new byte[n.getPublicKey().remaining()];
            n.getPublicKey().duplicate().get(pk);
            if (pk.length == Ed25519.PUBLIC_KEY_SIZE) {
              keys.put(n.getNodeId(), new Ed25519PublicKeyParameters(pk, 0));
            }
          } catch (MalformedRecordException e) {
            // not a node record: the auditor dead-letters it; it registers no key
          }
        }
      }
    }
    return keys;
  }

  /** CPU time of the current thread, in ns. */
  static long threadCpu() {
    return ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
  }

  static KafkaConsumer<byte[], byte[]> consumer(String bootstrap) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "herald-bench-" + UUID.randomUUID());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
    p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4 << 20);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  static Map<TopicPartition, Long> assignFromStart(
      KafkaConsumer<byte[], byte[]> consumer, String topic) {
    List<TopicPartition> parts =
        consumer.partitionsFor(topic).stream()
            .map(i -> new TopicPartition(topic, i.partition()))
            .toList();
    consumer.assign(parts);
    consumer.seekToBeginning(parts);
    return consumer.endOffsets(parts);
  }

  static boolean reached(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      if (consumer.position(e.getKey()) < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  private static void checkIdle(long idleSince, long now, String topic) {
    if (now - idleSince > IDLE_LIMIT.toNanos()) {
      throw new IllegalStateException(
          "no records from " + topic + " for " + IDLE_LIMIT.toSeconds() + " s before its end");
    }
  }
}
