package dev.herald.schema.serde;

import dev.herald.schema.registry.SchemaRegistryClient;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A Kafka {@link Serde} for one Herald record type in the Confluent wire format.
 *
 * <p>The deserializer throws {@link MalformedRecordException} on bad input; Kafka Streams'
 * deserialization exception handler and Herald's consumers route those records to the DLQ.
 */
public final class HeraldSerde<T extends SpecificRecord> implements Serde<T> {
  private final AvroWireFormat<T> format;

  public HeraldSerde(AvroWireFormat<T> format) {
    this.format = format;
  }

  /** A serde for {@code type} against {@code registry}. */
  public static <T extends SpecificRecord> HeraldSerde<T> of(
      Class<T> type, SchemaRegistryClient registry) {
    return new HeraldSerde<>(new AvroWireFormat<>(type, registry));
  }

  public AvroWireFormat<T> format() {
    return format;
  }

  @Override
  public Serializer<T> serializer() {
    return format::serialize;
  }

  @Override
  public Deserializer<T> deserializer() {
    return format::deserialize;
  }
}
