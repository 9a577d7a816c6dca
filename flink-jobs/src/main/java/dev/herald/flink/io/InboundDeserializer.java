package dev.herald.flink.io;

import dev.herald.flink.FlinkJobConfig;
import dev.herald.flink.trust.HeartbeatTrust;
import dev.herald.flink.trust.NodeRegistry;
import dev.herald.flink.trust.RegistryFollower;
import dev.herald.schema.AlertStatus;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.Heartbeat;
import dev.herald.schema.Topics;
import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.serde.MalformedRecordException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Properties;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.metrics.Counter;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Decodes heartbeats and alerts from their topics (Confluent wire format) and lets through only
 * heartbeats that {@link HeartbeatTrust} verifies against the node registry ({@code
 * herald.nodes.v1}, read to its end when the task opens and followed by {@link RegistryFollower}).
 * A record that does not decode, and a heartbeat that does not verify, becomes an {@link Inbound}
 * with {@code rejected} set (and so a dead letter with its reason), counted in {@code
 * herald_flink_malformed_records_total} or {@code herald_flink_unverified_heartbeats_total}; the
 * job goes on.
 */
public final class InboundDeserializer implements KafkaRecordDeserializationSchema<Inbound> {
  private static final long serialVersionUID = 1L;

  private final RegistrySpec registry;
  private final HashMap<String, String> kafkaProperties;
  private final long skewMs;
  private final long registryRefreshMs;
  private final int maxNodes;
  private transient SchemaRegistryClient client;
  private transient AvroWireFormat<Heartbeat> heartbeats;
  private transient AvroWireFormat<AuditAlert> alerts;
  private transient RegistryFollower follower;
  private transient Counter malformed;
  private transient Counter unverified;

  /** A deserializer for the job with {@code config}: its registry, Kafka and trust settings. */
  public InboundDeserializer(FlinkJobConfig config) {
    this.registry = config.registry();
    this.kafkaProperties = new HashMap<>(config.kafkaProperties());
    this.kafkaProperties.put("bootstrap.servers", config.bootstrapServers());
    this.skewMs = config.clockSkew().toMillis();
    this.registryRefreshMs = config.registryRefresh().toMillis();
    this.maxNodes = config.maxNodes();
  }

  /** A deserializer that judges heartbeats against {@code nodes}, without Kafka (tests). */
  InboundDeserializer(RegistrySpec registry, NodeRegistry nodes, long skewMs) {
    this.registry = registry;
    this.kafkaProperties = null;
    this.skewMs = skewMs;
    this.registryRefreshMs = Long.MAX_VALUE;
    this.maxNodes = nodes.size();
    this.follower = RegistryFollower.fixed(registry.connect(), nodes);
  }

  @Override
  public void open(DeserializationSchema.InitializationContext context) {
    client = registry.connect();
    heartbeats = new AvroWireFormat<>(Heartbeat.class, client);
    alerts = new AvroWireFormat<>(AuditAlert.class, client);
    malformed = context.getMetricGroup().counter("herald_flink_malformed_records_total");
    unverified = context.getMetricGroup().counter("herald_flink_unverified_heartbeats_total");
    if (follower == null) {
      Properties props = new Properties();
      props.putAll(kafkaProperties);
      follower =
          new RegistryFollower(
              props, client, new NodeRegistry(maxNodes, MAX_GROUPS), registryRefreshMs);
      follower.bootstrap(Duration.ofSeconds(60), System.currentTimeMillis());
    }
  }

  /** Most groups kept per registered node. */
  static final int MAX_GROUPS = 256;

  @Override
  public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<Inbound> out) {
    out.collect(decode(record));
  }

  Inbound decode(ConsumerRecord<byte[], byte[]> record) {
    String topic = record.topic();
    try {
      if (topic.equals(Topics.HEARTBEATS)) {
        Heartbeat h = heartbeats.deserialize(topic, record.value());
        if (h.getNodeId().isEmpty()) {
          throw new MalformedRecordException(
              MalformedRecordException.Reason.INVALID, "heartbeat with an empty nodeId");
        }
        long now = System.currentTimeMillis();
        follower.refreshIfDue(now);
        HeartbeatTrust.Verdict verdict =
            HeartbeatTrust.judge(h, record.timestamp(), follower.registry(), skewMs);
        if (verdict instanceof HeartbeatTrust.Refused r
            && r.reason().equals(HeartbeatTrust.UNKNOWN_NODE)
            && follower.refreshForUnknown(now)) {
          verdict = HeartbeatTrust.judge(h, record.timestamp(), follower.registry(), skewMs);
        }
        if (verdict instanceof HeartbeatTrust.Refused r) {
          if (unverified != null) {
            unverified.inc();
          }
          return rejected(record, r.reason(), r.detail(), null);
        }
        HeartbeatEvent event = ((HeartbeatTrust.Trusted) verdict).event();
        return new Inbound(event, null, null, topic, record.partition(), record.offset());
      }
      if (topic.equals(Topics.ALERTS)) {
        AuditAlert a = alerts.deserialize(topic, record.value());
        // detectedAt, not firstEventTime: an alert is written when a version closes or a silence
        // is noticed, seconds to minutes after its first event; stamped with that first event it
        // would land behind the heartbeats' watermark and be late by construction.
        long detected = a.getDetectedAt().toEpochMilli();
        long time = detected > 0 ? detected : a.getFirstEventTime().toEpochMilli();
        AlertEvent event =
            new AlertEvent(
                a.getAlertId(),
                a.getType().name(),
                a.getSeverity().name(),
                a.getStatus() == AlertStatus.OPEN,
                a.getGroup(),
                new ArrayList<>(a.getNodes()),
                time);
        return new Inbound(null, event, null, topic, record.partition(), record.offset());
      }
      return rejected(record, "UNEXPECTED_TOPIC", "the jobs do not read topic " + topic, malformed);
    } catch (MalformedRecordException e) {
      return rejected(record, e.reason().name(), e.getMessage(), malformed);
    }
  }

  private Inbound rejected(
      ConsumerRecord<byte[], byte[]> record, String reason, String detail, Counter counter) {
    if (counter != null) {
      counter.inc();
    }
    Rejection r =
        new Rejection(
            record.topic(),
            record.partition(),
            record.offset(),
            record.key(),
            record.value(),
            reason,
            detail);
    return new Inbound(null, null, r, record.topic(), record.partition(), record.offset());
  }

  @Override
  public TypeInformation<Inbound> getProducedType() {
    return TypeInformation.of(Inbound.class);
  }
}
