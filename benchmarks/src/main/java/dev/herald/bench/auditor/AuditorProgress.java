package dev.herald.bench.auditor;

import dev.herald.schema.Topics;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * How far a Kafka Streams application has got on {@code herald.state-changes.v1}: its committed
 * offsets (with {@code exactly_once_v2}, committed together with its output) against the topic's
 * end offsets, read with the admin client — the auditor's own API is not involved.
 *
 * <pre>{@code
 * try (AuditorProgress p = new AuditorProgress(bootstrap)) {
 *   long done = p.committed("herald-auditor");
 * }
 * }</pre>
 */
public final class AuditorProgress implements AutoCloseable {
  private final Admin admin;

  public AuditorProgress(String bootstrap) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    this.admin = Admin.create(p);
  }

  /** End offsets of every partition of {@code herald.state-changes.v1}. */
  public Map<TopicPartition, Long> endOffsets() throws Exception {
    Map<TopicPartition, OffsetSpec> req = new HashMap<>();
    int partitions =
        admin
            .describeTopics(List.of(Topics.STATE_CHANGES))
            .allTopicNames()
            .get(30, TimeUnit.SECONDS)
            .get(Topics.STATE_CHANGES)
            .partitions()
            .size();
    for (int i = 0; i < partitions; i++) {
      req.put(new TopicPartition(Topics.STATE_CHANGES, i), OffsetSpec.latest());
    }
    Map<TopicPartition, Long> end = new HashMap<>();
    for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> e :
        admin.listOffsets(req).all().get(30, TimeUnit.SECONDS).entrySet()) {
      end.put(e.getKey(), e.getValue().offset());
    }
    return end;
  }

  /** Records of {@code herald.state-changes.v1} the group {@code applicationId} has committed. */
  public long committed(String applicationId) throws Exception {
    Map<TopicPartition, OffsetAndMetadata> offsets =
        admin
            .listConsumerGroupOffsets(applicationId)
            .partitionsToOffsetAndMetadata()
            .get(30, TimeUnit.SECONDS);
    long sum = 0;
    for (Map.Entry<TopicPartition, OffsetAndMetadata> e : offsets.entrySet()) {
      if (e.getKey().topic().equals(Topics.STATE_CHANGES) && e.getValue() != null) {
        sum += e.getValue().offset();
      }
    }
    return sum;
  }

  /** Names of the changelog topics of {@code applicationId}'s stores. */
  public List<String> changelogs(String applicationId) throws Exception {
    return admin.listTopics().names().get(30, TimeUnit.SECONDS).stream()
        .filter(n -> n.startsWith(applicationId + "-") && n.endsWith("-changelog"))
        .sorted()
        .toList();
  }

  @Override
  public void close() {
    admin.close();
  }
}
