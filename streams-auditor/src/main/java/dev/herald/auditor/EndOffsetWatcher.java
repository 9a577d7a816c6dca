package dev.herald.auditor;

import dev.herald.auditor.topology.InputFrontier;
import dev.herald.schema.Topics;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link InputFrontier} of one auditor application: every {@code interval} it reads the end
 * offsets of the watched topics, then the application's committed offsets (with exactly-once these
 * are the positions of the last committed transaction, at most one commit interval behind
 * processing). A partition whose committed offset has reached the end offset read before it was
 * caught up as of the time of that first read.
 *
 * <p>The same readings tell health whether input is stuck ({@link #stuck}): records wait (end
 * offset above the committed one) and the committed offset has not moved for a while. Once a minute
 * it also reads the watched topics' {@code message.timestamp.type} and warns (once per topic) when
 * one is not {@code LogAppendTime} ({@link #notOnBrokerTime}).
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
  private final InputProgress progress = new InputProgress();
  private final Map<String, String> notOnBrokerTime = new ConcurrentHashMap<>();
  private final Set<String> warnedTimestampType = ConcurrentHashMap.newKeySet();
  private volatile String unreadable;

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

  /** Observations kept per partition for {@link #appendedNoEarlierThan} (a few minutes). */
  private static final int KEPT_OBSERVATIONS = 512;

  /** Per partition: (read time, end offset) observations, oldest first. */
  private final Map<TopicPartition, ArrayDeque<long[]>> endsSeen = new ConcurrentHashMap<>();

  @Override
  public OptionalLong appendedNoEarlierThan(String topic, int partition, long offset) {
    ArrayDeque<long[]> seen = endsSeen.get(new TopicPartition(topic, partition));
    if (seen == null) {
      return OptionalLong.empty();
    }
    synchronized (seen) {
      Iterator<long[]> newestFirst = seen.descendingIterator();
      while (newestFirst.hasNext()) {
        long[] o = newestFirst.next();
        if (o[1] <= offset) {
          return OptionalLong.of(o[0]);
        }
      }
    }
    return OptionalLong.empty();
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
            progress.observe(tp, position, end.offset(), readAt);
            ArrayDeque<long[]> seen = endsSeen.computeIfAbsent(tp, k -> new ArrayDeque<>());
            synchronized (seen) {
              seen.addLast(new long[] {readAt, end.offset()});
              while (seen.size() > KEPT_OBSERVATIONS) {
                seen.removeFirst();
              }
            }
          });
      unreadable = null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      unreadable = e.toString();
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

  /**
   * Partitions whose records wait (end offset above the committed offset) while the committed
   * offset has not moved for longer than {@code threshold}, described for an operator.
   */
  List<String> stuck(long now, Duration threshold) {
    return progress.stuck(now, threshold);
  }

  /** Watched topics whose {@code message.timestamp.type} is not {@code LogAppendTime}. */
  Map<String, String> notOnBrokerTime() {
    return Map.copyOf(notOnBrokerTime);
  }

  /** Why the offsets could not be read last time, or null when they were. */
  String unreadable() {
    return unreadable;
  }

  /** The watched topics' partitions (re-read once a minute: partitions are rarely added). */
  private Map<TopicPartition, OffsetSpec> describe() throws Exception {
    checkTimestampTypes();
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

  /**
   * Reads the watched topics' {@code message.timestamp.type}; a topic on {@code CreateTime} lets
   * its writers choose the time the auditor judges by. Needs Describe Configs on the topics; when
   * that is refused, nothing is concluded.
   */
  private void checkTimestampTypes() {
    try {
      List<ConfigResource> resources =
          topics.stream().map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList();
      Map<ConfigResource, Config> configs =
          admin.describeConfigs(resources).all().get(5, TimeUnit.SECONDS);
      configs.forEach(
          (resource, config) -> {
            ConfigEntry entry = config.get(Topics.TIMESTAMP_TYPE);
            String type = entry == null ? "CreateTime" : entry.value();
            String topic = resource.name();
            if (Topics.LOG_APPEND_TIME.equals(type)) {
              notOnBrokerTime.remove(topic);
              warnedTimestampType.remove(topic);
              return;
            }
            notOnBrokerTime.put(topic, type);
            if (warnedTimestampType.add(topic)) {
              LOG.warn(
                  "input topic {} has {}={}: its writers choose the record time the auditor judges"
                      + " by; fix: kafka-configs.sh --bootstrap-server <broker> --alter"
                      + " --entity-type topics --entity-name {} --add-config {}={}",
                  topic,
                  Topics.TIMESTAMP_TYPE,
                  type,
                  topic,
                  Topics.TIMESTAMP_TYPE,
                  Topics.LOG_APPEND_TIME);
            }
          });
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      LOG.debug("cannot read the timestamp type of {}: {}", topics, e.toString());
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
    admin.close(Duration.ofSeconds(5));
  }
}
