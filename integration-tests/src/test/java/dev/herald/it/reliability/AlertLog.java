package dev.herald.it.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.schema.AlertStatus;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.Topics;
import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.truth.ExpectedAlert;
import dev.herald.testsupport.DetectionScore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.awaitility.core.ConditionTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every committed record of {@code herald.alerts.v1} (read_committed, from the beginning), scored
 * against a ground truth.
 */
public final class AlertLog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AlertLog.class);
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final AvroWireFormat<AuditAlert> format;
  private final List<AuditAlert> alerts = new ArrayList<>();

  public AlertLog(Properties clientProps, SchemaRegistryClient schemas) {
    this.consumer = reader(clientProps, Topics.ALERTS);
    this.format = new AvroWireFormat<>(AuditAlert.class, schemas);
  }

  public synchronized List<AuditAlert> alerts() {
    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(300))) {
      alerts.add(format.deserialize(Topics.ALERTS, r.value()));
    }
    return List.copyOf(alerts);
  }

  /**
   * Waits until the alerts equal the ground truth and stay so for {@code stable}; returns the last
   * score (with what is missing or unexpected when the wait timed out).
   */
  public DetectionScore awaitGroundTruth(
      Supplier<List<ExpectedAlert>> truth, Duration atMost, Duration stable) {
    DetectionScore[] score = new DetectionScore[1];
    try {
      await()
          .atMost(atMost)
          .pollInterval(Duration.ofMillis(500))
          .until(
              () -> {
                score[0] = DetectionScore.of(truth.get(), alerts());
                return score[0].perfect();
              });
      await()
          .during(stable)
          .atMost(stable.multipliedBy(3))
          .pollInterval(Duration.ofMillis(500))
          .until(
              () -> {
                score[0] = DetectionScore.of(truth.get(), alerts());
                return score[0].perfect();
              });
    } catch (ConditionTimeoutException e) {
      LOG.error(
          "alerts differ from the ground truth:\n{}", score[0] == null ? "" : score[0].table());
    }
    return score[0];
  }

  /** No alert id was published OPEN twice (exactly-once: no duplicate, even across a crash). */
  public void assertNoAlertIdOpenTwice() {
    Map<String, Long> open =
        alerts().stream()
            .filter(a -> a.getStatus() == AlertStatus.OPEN)
            .collect(Collectors.groupingBy(AuditAlert::getAlertId, Collectors.counting()));
    assertThat(open).as("OPEN records per alertId").allSatisfy((id, n) -> assertThat(n).isOne());
  }

  /** OPEN records whose alert id was already published OPEN. */
  public long duplicates() {
    return alerts().stream().filter(a -> a.getStatus() == AlertStatus.OPEN).count()
        - alerts().stream()
            .filter(a -> a.getStatus() == AlertStatus.OPEN)
            .map(AuditAlert::getAlertId)
            .distinct()
            .count();
  }

  static KafkaConsumer<byte[], byte[]> reader(Properties clientProps, String topic) {
    Properties p = new Properties();
    p.putAll(clientProps);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(4 * 1024 * 1024));
    p.remove(ConsumerConfig.GROUP_ID_CONFIG);
    KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    List<TopicPartition> parts =
        c.partitionsFor(topic, Duration.ofSeconds(30)).stream()
            .map(i -> new TopicPartition(topic, i.partition()))
            .toList();
    c.assign(parts);
    c.seekToBeginning(parts);
    return c;
  }

  @Override
  public synchronized void close() {
    consumer.close();
  }
}
