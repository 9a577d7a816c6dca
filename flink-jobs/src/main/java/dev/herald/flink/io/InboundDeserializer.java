package dev.herald.flink.io;

import dev.herald.schema.AlertStatus;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.Heartbeat;
import dev.herald.schema.HeartbeatStatus;
import dev.herald.schema.Topics;
import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.serde.MalformedRecordException;
import java.util.ArrayList;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.metrics.Counter;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Decodes heartbeats and alerts from their topics (Confluent wire format). A record that does not
 * decode becomes an {@link Inbound} with {@code rejected} set and is counted in {@code
 * herald_flink_malformed_records_total}; the job goes on.
 */
public final class InboundDeserializer implements KafkaRecordDeserializationSchema<Inbound> {
  private static final long serialVersionUID = 1L;

  private final RegistrySpec registry;
  private transient SchemaRegistryClient client;
  private transient AvroWireFormat<Heartbeat> heartbeats;
  private transient AvroWireFormat<AuditAlert> alerts;
  private transient Counter malformed;

  public InboundDeserializer(RegistrySpec registry) {
    this.registry = registry;
  }

  @Override
  public void open(DeserializationSchema.InitializationContext context) {
    client = registry.connect();
    heartbeats = new AvroWireFormat<>(Heartbeat.class, client);
    alerts = new AvroWireFormat<>(AuditAlert.class, client);
    malformed = context.getMetricGroup().counter("herald_flink_malformed_records_total");
  }

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
        HeartbeatEvent event =
            new HeartbeatEvent(
                h.getNodeId(),
                h.getRegion(),
                new ArrayList<>(h.getGroups()),
                h.getEventTime().toEpochMilli(),
                h.getStatus() == HeartbeatStatus.STOPPING);
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
      return rejected(record, "UNEXPECTED_TOPIC", "the jobs do not read topic " + topic);
    } catch (MalformedRecordException e) {
      return rejected(record, e.reason().name(), e.getMessage());
    }
  }

  private Inbound rejected(ConsumerRecord<byte[], byte[]> record, String reason, String detail) {
    if (malformed != null) {
      malformed.inc();
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
