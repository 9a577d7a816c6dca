package dev.herald.bench.auditor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Counts the live entries of an auditor's state stores from their changelog topics (a key is live
 * when its latest committed value is not a tombstone), reading each changelog incrementally, and
 * measures the state directory on disk. Both must stay flat as events are processed: closed
 * versions leave the stores.
 *
 * <pre>{@code
 * try (StoreCensus census = new StoreCensus(bootstrap, changelogs, stateDir)) {
 *   Map<String, Long> entries = census.liveEntries();
 *   long bytes = census.diskBytes();
 * }
 * }</pre>
 */
public final class StoreCensus implements AutoCloseable {
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final List<Path> stateDirs;
  private final Map<String, Set<ByteBuffer>> live = new HashMap<>();
  private final Map<String, Long> writes = new TreeMap<>();
  private final String prefix;

  public StoreCensus(
      String bootstrap, String applicationId, List<String> changelogs, List<Path> stateDirs) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "herald-bench-census-" + UUID.randomUUID());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
    this.consumer =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    this.stateDirs = List.copyOf(stateDirs);
    this.prefix = applicationId + "-";
    List<TopicPartition> parts = new ArrayList<>();
    for (String topic : changelogs) {
      for (PartitionInfo i : consumer.partitionsFor(topic)) {
        parts.add(new TopicPartition(topic, i.partition()));
      }
      live.put(store(topic), new HashSet<>());
      writes.put(store(topic), 0L);
    }
    consumer.assign(parts);
    consumer.seekToBeginning(parts);
  }

  private String store(String changelog) {
    String s = changelog.startsWith(prefix) ? changelog.substring(prefix.length()) : changelog;
    return s.endsWith("-changelog") ? s.substring(0, s.length() - "-changelog".length()) : s;
  }

  /** Live entries per store, after reading the changelogs up to their current end. */
  public Map<String, Long> liveEntries() {
    Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!caughtUp(end) && System.nanoTime() < deadline) {
      for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
        // partitions of one store hold disjoint keys; the partition keeps equal keys apart anyway
        ByteBuffer key =
            ByteBuffer.allocate(r.key().length + 4).putInt(r.partition()).put(r.key()).flip();
        Set<ByteBuffer> keys = live.get(store(r.topic()));
        if (r.value() == null) {
          keys.remove(key);
        } else {
          keys.add(key);
          writes.merge(store(r.topic()), 1L, Long::sum);
        }
      }
    }
    Map<String, Long> out = new TreeMap<>();
    live.forEach((k, v) -> out.put(k, (long) v.size()));
    return out;
  }

  /**
   * Committed values (not tombstones) per store read so far by {@link #liveEntries}: for a store
   * without Kafka Streams' record cache, the number of values its serde encoded and committed.
   */
  public Map<String, Long> writes() {
    return new TreeMap<>(writes);
  }

  private boolean caughtUp(Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      if (consumer.position(e.getKey()) < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  /** Bytes of every file under the state directories. */
  public long diskBytes() {
    long sum = 0;
    for (Path dir : stateDirs) {
      if (!Files.exists(dir)) {
        continue;
      }
      try (Stream<Path> files = Files.walk(dir)) {
        sum +=
            files
                .filter(Files::isRegularFile)
                .mapToLong(
                    f -> {
                      try {
                        return Files.size(f);
                      } catch (IOException e) {
                        return 0; // a RocksDB file removed by compaction meanwhile
                      }
                    })
                .sum();
      } catch (IOException | UncheckedIOException e) {
        // the directory changed while walking it; the next sample counts again
      }
    }
    return sum;
  }

  @Override
  public void close() {
    consumer.close();
  }
}
