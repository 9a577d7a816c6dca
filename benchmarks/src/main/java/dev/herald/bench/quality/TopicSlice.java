package dev.herald.bench.quality;

import java.time.Duration;
import java.util.ArrayList;
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

/**
 * The committed records a topic gained between two moments: take {@link #mark} before a run and
 * {@link #readSince} after it (read_committed, so only what the auditor committed).
 *
 * <pre>{@code
 * Map<TopicPartition, Long> before = TopicSlice.mark(bootstrap, Topics.ALERTS);
 * ... run ...
 * List<ConsumerRecord<byte[], byte[]>> alerts = TopicSlice.readSince(bootstrap, before);
 * }</pre>
 */
public final class TopicSlice {
  private TopicSlice() {}

  /** The current end offsets (last stable offsets) of every partition of {@code topic}. */
  public static Map<TopicPartition, Long> mark(String bootstrap, String topic) {
    try (KafkaConsumer<byte[], byte[]> c = consumer(bootstrap)) {
      List<TopicPartition> parts = new ArrayList<>();
      c.partitionsFor(topic).forEach(i -> parts.add(new TopicPartition(topic, i.partition())));
      return new HashMap<>(c.endOffsets(parts));
    }
  }

  /** Every committed record after {@code from}, up to the current end. */
  public static List<ConsumerRecord<byte[], byte[]>> readSince(
      String bootstrap, Map<TopicPartition, Long> from) {
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = consumer(bootstrap)) {
      c.assign(from.keySet());
      from.forEach(c::seek);
      Map<TopicPartition, Long> end = c.endOffsets(from.keySet());
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (System.nanoTime() < deadline) {
        boolean done = true;
        for (TopicPartition tp : end.keySet()) {
          if (c.position(tp) < end.get(tp)) {
            done = false;
          }
        }
        if (done) {
          break;
        }
        c.poll(Duration.ofMillis(200)).forEach(out::add);
      }
    }
    return out;
  }

  static KafkaConsumer<byte[], byte[]> consumer(String bootstrap) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "herald-bench-slice-" + UUID.randomUUID());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }
}
