package dev.herald.auditor.output;

import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaClientSupplier;

/**
 * The Kafka clients of the auditor's Streams applications: the standard ones, with every producer
 * wrapped in a {@link SizeGuardedProducer}.
 *
 * <pre>{@code
 * new KafkaStreams(topology, props, new GuardedClientSupplier(limits));
 * }</pre>
 */
public final class GuardedClientSupplier implements KafkaClientSupplier {
  private final OutputLimits limits;

  public GuardedClientSupplier(OutputLimits limits) {
    this.limits = limits;
  }

  @Override
  public Admin getAdmin(Map<String, Object> config) {
    return Admin.create(config);
  }

  @Override
  public Producer<byte[], byte[]> getProducer(Map<String, Object> config) {
    return new SizeGuardedProducer(
        new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer()), limits);
  }

  @Override
  public Consumer<byte[], byte[]> getConsumer(Map<String, Object> config) {
    return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  @Override
  public Consumer<byte[], byte[]> getRestoreConsumer(Map<String, Object> config) {
    return getConsumer(config);
  }

  @Override
  public Consumer<byte[], byte[]> getGlobalConsumer(Map<String, Object> config) {
    return getConsumer(config);
  }
}
