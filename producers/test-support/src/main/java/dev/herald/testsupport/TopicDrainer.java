package dev.herald.testsupport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads topics up to their current end with a fresh, group-less-in-effect consumer (read_committed,
 * no commits, a random group id): whole topics ({@link #readAll}), what a topic gained since a mark
 * ({@link #mark} then {@link #readSince}), or, for a caller that times or folds the records itself,
 * one poll at a time ({@link #drain}). A drain that receives nothing for {@link #PATIENCE} before
 * the end fails with an {@link IllegalStateException} naming the topics.
 *
 * <pre>{@code
 * Map<TopicPartition, Long> before = TopicDrainer.mark(bootstrap, Topics.ALERTS);
 * ... run ...
 * List<ConsumerRecord<byte[], byte[]>> alerts = TopicDrainer.readSince(bootstrap, before);
 * }</pre>
 */
public final class TopicDrainer implements AutoCloseable {
  /** How long a drain waits for a record before the end of what it reads. */
  public static final Duration PATIENCE = Duration.ofSeconds(60);

  private static final Duration POLL = Duration.ofMillis(200);

  private final KafkaConsumer<byte[], byte[]> consumer;

  private TopicDrainer(Properties config) {
    this.consumer =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /** A drainer on {@code bootstrap}; its group id is {@code groupPrefix} and a random UUID. */
  public static TopicDrainer open(String bootstrap, String groupPrefix) {
    return open(bootstrap, groupPrefix, Map.of());
  }

  /** Likewise, with consumer settings on top (e.g. a larger {@code max.poll.records}). */
  public static TopicDrainer open(
      String bootstrap, String groupPrefix, Map<String, Object> overrides) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, groupPrefix + UUID.randomUUID());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.putAll(overrides);
    return new TopicDrainer(p);
  }

  /** The partitions of {@code topics}. */
  public List<TopicPartition> partitionsOf(Collection<String> topics) {
    List<TopicPartition> parts = new ArrayList<>();
    for (String topic : topics) {
      consumer
          .partitionsFor(topic)
          .forEach(i -> parts.add(new TopicPartition(topic, i.partition())));
    }
    return parts;
  }

  /** Assigns every partition of {@code topics} from its beginning; returns their current ends. */
  public Map<TopicPartition, Long> fromStart(Collection<String> topics) {
    List<TopicPartition> parts = partitionsOf(topics);
    consumer.assign(parts);
    consumer.seekToBeginning(parts);
    return consumer.endOffsets(parts);
  }

  /** Assigns the partitions of {@code offsets} from those offsets; returns their current ends. */
  public Map<TopicPartition, Long> from(Map<TopicPartition, Long> offsets) {
    consumer.assign(offsets.keySet());
    offsets.forEach(consumer::seek);
    return consumer.endOffsets(offsets.keySet());
  }

  /** Reads the assigned partitions up to their current ends, one record at a time. */
  public void drainToEnd(Consumer<ConsumerRecord<byte[], byte[]>> sink) {
    drain(consumer.endOffsets(consumer.assignment()), polled -> polled.forEach(sink));
  }

  /**
   * Polls until every partition of {@code end} has reached its offset there, handing each non-empty
   * poll to {@code sink}; fails when nothing arrives for {@link #PATIENCE} before that.
   */
  public void drain(Map<TopicPartition, Long> end, Consumer<ConsumerRecords<byte[], byte[]>> sink) {
    long idleSince = System.nanoTime();
    while (!reached(end)) {
      ConsumerRecords<byte[], byte[]> polled = consumer.poll(POLL);
      if (polled.isEmpty()) {
        if (System.nanoTime() - idleSince > PATIENCE.toNanos()) {
          throw new IllegalStateException(
              "no records from "
                  + end.keySet()
                  + " for "
                  + PATIENCE.toSeconds()
                  + " s before their end "
                  + end
                  + "; is the broker up and the topic still written?");
        }
        continue;
      }
      idleSince = System.nanoTime();
      sink.accept(polled);
    }
  }

  private boolean reached(Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      if (consumer.position(e.getKey()) < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  @Override
  public void close() {
    consumer.close();
  }

  /** Every committed record of {@code topics}, from their beginning to their current end. */
  public static List<ConsumerRecord<byte[], byte[]>> readAll(
      String bootstrap, Collection<String> topics) {
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (TopicDrainer d = open(bootstrap, "herald-drain-")) {
      d.drain(d.fromStart(topics), polled -> polled.forEach(out::add));
    }
    return out;
  }

  /** {@link #readAll} as the raw records {@link RawEventWitness} checks. */
  public static List<RawEventWitness.RawRecord> readAllRaw(
      String bootstrap, Collection<String> topics) {
    List<RawEventWitness.RawRecord> out = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : readAll(bootstrap, topics)) {
      out.add(
          new RawEventWitness.RawRecord(r.topic(), r.partition(), r.offset(), r.key(), r.value()));
    }
    return out;
  }

  /** The current end offsets (last stable offsets) of every partition of {@code topic}. */
  public static Map<TopicPartition, Long> mark(String bootstrap, String topic) {
    try (TopicDrainer d = open(bootstrap, "herald-drain-")) {
      return new HashMap<>(d.consumer.endOffsets(d.partitionsOf(List.of(topic))));
    }
  }

  /** Every committed record after {@code from} (a {@link #mark}), up to the current end. */
  public static List<ConsumerRecord<byte[], byte[]>> readSince(
      String bootstrap, Map<TopicPartition, Long> from) {
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (TopicDrainer d = open(bootstrap, "herald-drain-")) {
      d.drain(d.from(from), polled -> polled.forEach(out::add));
    }
    return out;
  }
}
