package dev.herald.flink.io;

import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import java.nio.charset.StandardCharsets;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.util.function.SerializableFunction;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes a job's own value type to one topic as an Avro record in the Confluent wire format. The
 * conversion to Avro happens here, at the edge, so that Flink never has to ship generated Avro
 * classes between tasks.
 *
 * <pre>{@code
 * new AvroRecordSerializer<>(Topics.DLQ, DeadLetter.class, registry,
 *     Rejections::toDeadLetter, r -> r.topic());
 * }</pre>
 *
 * @param <T> the job's value type
 * @param <A> the Avro record written
 */
public final class AvroRecordSerializer<T, A extends SpecificRecord>
    implements KafkaRecordSerializationSchema<T> {
  private static final long serialVersionUID = 1L;

  private final String topic;
  private final Class<A> avroType;
  private final RegistrySpec registry;
  private final SerializableFunction<T, A> toAvro;
  private final SerializableFunction<T, String> key;
  private transient SchemaRegistryClient client;
  private transient AvroWireFormat<A> format;

  public AvroRecordSerializer(
      String topic,
      Class<A> avroType,
      RegistrySpec registry,
      SerializableFunction<T, A> toAvro,
      SerializableFunction<T, String> key) {
    this.topic = topic;
    this.avroType = avroType;
    this.registry = registry;
    this.toAvro = toAvro;
    this.key = key;
  }

  @Override
  public void open(
      SerializationSchema.InitializationContext context, KafkaSinkContext sinkContext) {
    client = registry.connect();
    format = new AvroWireFormat<>(avroType, client);
  }

  @Override
  public ProducerRecord<byte[], byte[]> serialize(
      T element, KafkaSinkContext context, Long timestamp) {
    if (format == null) {
      open(null, context);
    }
    String k = key.apply(element);
    byte[] keyBytes = k == null ? null : k.getBytes(StandardCharsets.UTF_8);
    return new ProducerRecord<>(
        topic, null, keyBytes, format.serialize(topic, toAvro.apply(element)));
  }
}
