package dev.herald.auditor;

import dev.herald.auditor.topology.InputFrontier;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link InputFrontier} of one auditor application: every {@code interval} it reads the end
 * offsets of the watched topics, then the application's committed offsets (with exactly-once these
 * are the positions of the last committed transaction, at most one commit interval behind
 * processing). A partition whose committed offset has reached the end offset read before it was
 * caught up as of the time of that first read.
 *
 * <p>Reading fails quietly (a warning once, then debug) and the frontier then stays where it was:
 * silence is judged later, never falsely.
 */
final class EndOffsetWatcher implements InputFrontier, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EndOffsetWatcher.class);
  private final Admin admin;
  private final String groupId;
  private final List<String> topics;
  private final Map<TopicPartition, Long> caughtUpAt = new ConcurrentHashMap<>();
  private final ScheduledExecutorService timer;
  private volatile boolean warned;
  private static final long DESCRIBE_EVERY_MS = 60_000;
  private Map<TopicPartition, OffsetSpec> latest = Map.of();
  private long describedAt = Long.MIN_VALUE / 2;

  EndOffsetWatcher(
      String bootstrapServers,
      Properties clientProperties,
      String groupId,
      List<String> topics,
      Duration interval) {
    Properties p = new Properties();
    p.putAll(clientProperties);
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(AdminClientConfig.CLIENT_ID_CONFIG, groupId + "-frontier");
    this.admin = Admin.create(p);
    this.groupId = groupId;
    this.topics = List.copyOf(topics);
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, groupId + "-frontier");
              t.setDaemon(true);
              return t;
            });
    timer.scheduleWithFixedDelay(this::observe, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public OptionalLong caughtUpAt(String topic, int partition) {
    Long at = caughtUpAt.get(new TopicPartition(topic, partition));
    return at == null ? OptionalLong.empty() : OptionalLong.of(at);
  }

  private void observe() {
    try {
      long readAt = System.currentTimeMillis();
      if (readAt - describedAt > DESCRIBE_EVERY_MS) {
        latest = describe();
        describedAt = readAt;
      }
      Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends =
          admin.listOffsets(latest).all().get(5, TimeUnit.SECONDS);
      Map<TopicPartition, OffsetAndMetadata> committed =
          admin
              .listConsumerGroupOffsets(groupId)
              .partitionsToOffsetAndMetadata()
              .get(5, TimeUnit.SECONDS);
      ends.forEach(
          (tp, end) -> {
            OffsetAndMetadata c = committed.get(tp);
            long position = c == null ? 0 : c.offset();
            if (position >= end.offset()) {
              caughtUpAt.merge(tp, readAt, Math::max);
            }
          });
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      if (!warned) {
        warned = true;
        LOG.warn(
            "cannot read input end offsets or committed offsets of {}; silence is judged only"
                + " by heartbeats read (needs Describe on the topics and the group): {}",
            groupId,
            e.toString());
      } else {
        LOG.debug("frontier observation failed: {}", e.toString());
      }
    }
  }

  /** The watched topics' partitions (re-read once a minute: partitions are rarely added). */
  private Map<TopicPartition, OffsetSpec> describe() throws Exception {
    Map<TopicPartition, OffsetSpec> out = new HashMap<>();
    admin
        .describeTopics(topics)
        .allTopicNames()
        .get(5, TimeUnit.SECONDS)
        .forEach(
            (name, d) ->
                d.partitions()
                    .forEach(
                        pi ->
                            out.put(
                                new TopicPartition(name, pi.partition()), OffsetSpec.latest())));
    return out;
  }

  @Override
  public void close() {
    timer.shutdownNow();
    admin.close(Duration.ofSeconds(5));
  }
}
