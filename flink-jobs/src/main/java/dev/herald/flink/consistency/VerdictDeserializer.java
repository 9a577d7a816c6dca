package dev.herald.flink.consistency;

import dev.herald.flink.io.RegistrySpec;
import dev.herald.flink.io.Rejection;
import dev.herald.schema.ConsistencyVerdict;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.serde.MalformedRecordException;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.metrics.Counter;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Decodes {@code herald.verdicts.v1}; a record that does not decode becomes a {@link VerdictEvent}
 * with {@code rejected} set (a dead letter with its reason), counted in {@code
 * herald_flink_malformed_records_total}; the job goes on.
 */
final class VerdictDeserializer implements KafkaRecordDeserializationSchema<VerdictEvent> {
  private static final long serialVersionUID = 1L;

  private final RegistrySpec registry;
  private transient AvroWireFormat<ConsistencyVerdict> format;
  private transient Counter malformed;

  VerdictDeserializer(RegistrySpec registry) {
    this.registry = registry;
  }

  @Override
  public void open(DeserializationSchema.InitializationContext context) {
    format = new AvroWireFormat<>(ConsistencyVerdict.class, registry.connect());
    malformed = context.getMetricGroup().counter("herald_flink_malformed_records_total");
  }

  @Override
  public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<VerdictEvent> out) {
    out.collect(decode(record));
  }

  VerdictEvent decode(ConsumerRecord<byte[], byte[]> record) {
    if (format == null) {
      format = new AvroWireFormat<>(ConsistencyVerdict.class, registry.connect());
    }
    try {
      ConsistencyVerdict v = format.deserialize(record.topic(), record.value());
      if (v.getGroup().isEmpty()) {
        throw new MalformedRecordException(
            MalformedRecordException.Reason.INVALID, "verdict with an empty group");
      }
      if (v.getWithinMs() != null && v.getWithinMs() <= 0) {
        throw new MalformedRecordException(
            MalformedRecordException.Reason.INVALID,
            "verdict with withinMs " + v.getWithinMs() + " (M must be longer than zero)");
      }
      if (v.getTarget() != null && !(v.getTarget() > 0 && v.getTarget() < 1)) {
        throw new MalformedRecordException(
            MalformedRecordException.Reason.INVALID,
            "verdict with target " + v.getTarget() + " (must be strictly between 0 and 1)");
      }
      return new VerdictEvent(
          v.getGroup(),
          v.getOutcome().name(),
          v.getMsToAgreement(),
          v.getClosedAt().toEpochMilli(),
          v.getWithinMs(),
          v.getTarget(),
          null);
    } catch (MalformedRecordException e) {
      if (malformed != null) {
        malformed.inc();
      }
      return new VerdictEvent(
          "",
          "",
          null,
          0,
          null,
          null,
          new Rejection(
              record.topic(),
              record.partition(),
              record.offset(),
              record.key(),
              record.value(),
              e.reason().name(),
              e.getMessage()));
    }
  }

  @Override
  public TypeInformation<VerdictEvent> getProducedType() {
    return TypeInformation.of(VerdictEvent.class);
  }
}
