package dev.herald.bench.throughput;

import dev.herald.schema.NodeRecord;
import dev.herald.schema.ReportBatch;
import dev.herald.schema.Topics;
import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.serde.MalformedRecordException;
import dev.herald.schema.signing.BatchSignatures;
import dev.herald.schema.signing.Ed25519;
import dev.herald.testsupport.TopicDrainer;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
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
  /** What the drains read with: larger polls and fetches than the drainer's defaults. */
  private static final Map<String, Object> CONSUMER =
      Map.of(
          ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
          2000,
          ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG,
          4 << 20);

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
    long[] counts = new long[2];
    return timed(
        bootstrap,
        topic,
        counts,
        polled -> {
          for (ConsumerRecord<byte[], byte[]> r : polled) {
            counts[0]++;
            counts[1] += r.value() == null ? 0 : r.value().length;
          }
        });
  }

  /**
   * Reads every batch of {@code herald.state-changes.v1}, deserializes it and verifies its
   * signature against the key registered in {@code herald.nodes.v1} (decoded keys cached).
   */
  public static Result verifying(String bootstrap, SchemaRegistryClient registry) {
    Map<String, Ed25519PublicKeyParameters> keys = registeredKeys(bootstrap, registry);
    AvroWireFormat<ReportBatch> format = new AvroWireFormat<>(ReportBatch.class, registry);
    // records, bytes, reports, verified, rejected
    long[] counts = new long[5];
    return timed(
        bootstrap,
        Topics.STATE_CHANGES,
        counts,
        polled -> {
          for (ConsumerRecord<byte[], byte[]> r : polled) {
            counts[0]++;
            counts[1] += r.value() == null ? 0 : r.value().length;
            ReportBatch b;
            try {
              b = format.deserialize(r.topic(), r.value());
            } catch (MalformedRecordException e) {
              counts[4]++;
              continue;
            }
            Ed25519PublicKeyParameters key = keys.get(b.getNodeId());
            if (key != null && BatchSignatures.verify(b, key)) {
              counts[3]++;
              counts[2] += b.getReports().size();
            } else {
              counts[4]++;
            }
          }
        });
  }

  /**
   * Drains {@code topic} from its start, handing each poll to {@code work}, which counts into
   * {@code counts} (records, bytes, then optionally reports, verified, rejected).
   */
  private static Result timed(
      String bootstrap,
      String topic,
      long[] counts,
      java.util.function.Consumer<ConsumerRecords<byte[], byte[]>> work) {
    try (TopicDrainer drainer = TopicDrainer.open(bootstrap, "herald-bench-", CONSUMER)) {
      Map<TopicPartition, Long> end = drainer.fromStart(List.of(topic));
      long cpu0 = threadCpu();
      long start = System.nanoTime();
      long[] last = {start};
      drainer.drain(
          end,
          polled -> {
            work.accept(polled);
            last[0] = System.nanoTime();
          });
      return new Result(
          counts[0],
          counts[1],
          counts.length > 2 ? counts[2] : 0,
          counts.length > 3 ? counts[3] : 0,
          counts.length > 4 ? counts[4] : 0,
          Duration.ofNanos(last[0] - start),
          Duration.ofNanos(threadCpu() - cpu0));
    }
  }

  /** The current key of every node in {@code herald.nodes.v1} (last registration wins). */
  static Map<String, Ed25519PublicKeyParameters> registeredKeys(
      String bootstrap, SchemaRegistryClient registry) {
    AvroWireFormat<NodeRecord> format = new AvroWireFormat<>(NodeRecord.class, registry);
    Map<String, Ed25519PublicKeyParameters> keys = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r :
        TopicDrainer.readAll(bootstrap, List.of(Topics.NODES))) {
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
    return keys;
  }

  /** CPU time of the current thread, in ns. */
  static long threadCpu() {
    return ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
  }
}
