package dev.herald.bench.auditor;

import dev.herald.testsupport.TopicDrainer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;

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
  private final TopicDrainer changelogReader;
  private final List<Path> stateDirs;
  private final Map<String, Set<ByteBuffer>> live = new HashMap<>();
  private final Map<String, Long> writes = new TreeMap<>();
  private final String prefix;

  public StoreCensus(
      String bootstrap, String applicationId, List<String> changelogs, List<Path> stateDirs) {
    this.changelogReader =
        TopicDrainer.open(
            bootstrap,
            "herald-bench-census-",
            Map.of(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000));
    this.stateDirs = List.copyOf(stateDirs);
    this.prefix = applicationId + "-";
    for (String topic : changelogs) {
      live.put(store(topic), new HashSet<>());
      writes.put(store(topic), 0L);
    }
    changelogReader.fromStart(changelogs);
  }

  private String store(String changelog) {
    String s = changelog.startsWith(prefix) ? changelog.substring(prefix.length()) : changelog;
    return s.endsWith("-changelog") ? s.substring(0, s.length() - "-changelog".length()) : s;
  }

  /** Live entries per store, after reading the changelogs up to their current end. */
  public Map<String, Long> liveEntries() {
    changelogReader.drainToEnd(
        r -> {
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
        });
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
    changelogReader.close();
  }
}
