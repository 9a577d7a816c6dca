package dev.herald.flink.report;

import dev.herald.schema.AuditAlert;
import dev.herald.schema.AvailabilityWindow;
import dev.herald.schema.ConsistencyWindow;
import dev.herald.schema.RiskReport;
import dev.herald.schema.Topics;
import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.serde.MalformedRecordException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads what the Flink jobs wrote ({@code herald.risk.v1}, {@code herald.availability.v1}, {@code
 * herald.consistency.v1}) and the auditor's alerts ({@code herald.alerts.v1}), committed records
 * only, and assembles the {@link GovernanceReport} of one group and window.
 *
 * <pre>{@code
 * try (var registry = spec.connect()) {
 *   Optional<GovernanceReport> report =
 *       new ReportReader(props, registry).read("payments", "24h", Duration.ofSeconds(30));
 * }
 * }</pre>
 */
public final class ReportReader {
  private static final Logger LOG = LoggerFactory.getLogger(ReportReader.class);

  private final Properties clientProperties;
  private final AvroWireFormat<RiskReport> risks;
  private final AvroWireFormat<ConsistencyWindow> consistencyWindows;
  private final AvroWireFormat<AvailabilityWindow> windows;
  private final AvroWireFormat<AuditAlert> alerts;
  private long skipped;

  /**
   * @param clientProperties Kafka client properties, {@code bootstrap.servers} at least
   * @param registry the schema registry the jobs wrote with
   */
  public ReportReader(Properties clientProperties, SchemaRegistryClient registry) {
    this.clientProperties = clientProperties;
    this.risks = new AvroWireFormat<>(RiskReport.class, registry);
    this.consistencyWindows = new AvroWireFormat<>(ConsistencyWindow.class, registry);
    this.windows = new AvroWireFormat<>(AvailabilityWindow.class, registry);
    this.alerts = new AvroWireFormat<>(AuditAlert.class, registry);
  }

  /** Records that did not decode and were left out, in the last {@link #read}. */
  public long skipped() {
    return skipped;
  }

  /**
   * The report of {@code group} over the latest {@code window} ({@code 24h} or {@code 7d}), or
   * empty if the risk job has not written one yet.
   */
  public Optional<GovernanceReport> read(String group, String window, Duration timeout) {
    skipped = 0;
    List<RiskReport> reports = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : readAll(Topics.RISK, timeout)) {
      RiskReport risk = decode(risks, r);
      if (risk != null && risk.getGroup().equals(group) && risk.getWindow().equals(window)) {
        reports.add(risk);
      }
    }
    Optional<RiskReport> latest =
        reports.stream()
            .max(
                Comparator.comparing(RiskReport::getWindowEnd)
                    .thenComparing(RiskReport::getGeneratedAt));
    if (latest.isEmpty()) {
      return Optional.empty();
    }
    List<AvailabilityWindow> all = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : readAll(Topics.AVAILABILITY, timeout)) {
      AvailabilityWindow w = decode(windows, r);
      if (w != null) {
        all.add(w);
      }
    }
    Instant end = latest.get().getWindowEnd();
    // the topic is keyed by alert id: the last record of an id is its latest state
    Map<String, Incident> incidents = new LinkedHashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : readAll(Topics.ALERTS, timeout)) {
      AuditAlert a = decode(alerts, r);
      if (a != null && a.getGroup().equals(group) && a.getDetectedAt().isBefore(end)) {
        incidents.put(a.getAlertId(), Incident.of(a));
      }
    }
    List<ConsistencyWindow> consistency = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : readAll(Topics.CONSISTENCY, timeout)) {
      ConsistencyWindow w = decode(consistencyWindows, r);
      if (w != null) {
        consistency.add(w);
      }
    }
    return Optional.of(
        GovernanceReport.of(latest.get(), reports, all, List.copyOf(incidents.values()))
            .withConsistency(consistency));
  }

  private <T extends SpecificRecord> T decode(
      AvroWireFormat<T> format, ConsumerRecord<byte[], byte[]> r) {
    try {
      return format.deserialize(r.topic(), r.value());
    } catch (MalformedRecordException e) {
      skipped++;
      LOG.warn(
          "skipping undecodable record topic={} partition={} offset={} reason={}",
          r.topic(),
          r.partition(),
          r.offset(),
          e.reason());
      return null;
    }
  }

  private List<ConsumerRecord<byte[], byte[]>> readAll(String topic, Duration timeout) {
    Properties props = new Properties();
    props.putAll(clientProperties);
    props.put("isolation.level", "read_committed");
    props.put("enable.auto.commit", "false");
    props.remove("group.id");
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic, timeout).stream()
              .map(p -> new TopicPartition(p.topic(), p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
      long deadline = System.nanoTime() + timeout.toNanos();
      while (!reachedEnd(consumer, end)) {
        if (System.nanoTime() > deadline) {
          throw new TimeoutException(
              "reading " + topic + " did not reach its end within " + timeout);
        }
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          out.add(r);
        }
      }
    }
    return out;
  }

  private static boolean reachedEnd(
      KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      if (consumer.position(e.getKey()) < e.getValue()) {
        return false;
      }
    }
    return true;
  }
}
