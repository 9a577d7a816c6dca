package dev.herald.it.adversarial;

import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.serde.MalformedRecordException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Every committed record of one of the auditor's output topics, from the beginning, decoded. A
 * record that cannot be decoded yet (the registry is down) is kept and decoded on a later read.
 */
final class TopicTail<T extends SpecificRecord> implements AutoCloseable {
  private final String topic;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final AvroWireFormat<T> format;
  private final List<T> decoded = new ArrayList<>();
  private final List<byte[]> pending = new ArrayList<>();

  TopicTail(Properties clientProps, String topic, AvroWireFormat<T> format) {
    this.topic = topic;
    this.format = format;
    Properties p = new Properties();
    p.putAll(clientProps);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(8 << 20));
    p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Integer.toString(64 << 20));
    consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    List<TopicPartition> parts =
        consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
            .map(i -> new TopicPartition(topic, i.partition()))
            .toList();
    consumer.assign(parts);
    consumer.seekToBeginning(parts);
  }

  /** Everything read so far (reads what arrived since the last call first). */
  synchronized List<T> all() {
    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
      if (r.value() != null) {
        pending.add(r.value());
      }
    }
    List<byte[]> still = new ArrayList<>();
    for (byte[] value : pending) {
      try {
        decoded.add(format.deserialize(topic, value));
      } catch (MalformedRecordException e) {
        if (e.reason() != MalformedRecordException.Reason.REGISTRY_UNAVAILABLE) {
          throw new AssertionError("the auditor wrote an undecodable record to " + topic, e);
        }
        still.add(value);
      }
    }
    pending.clear();
    pending.addAll(still);
    return List.copyOf(decoded);
  }

  @Override
  public synchronized void close() {
    consumer.close();
  }
}
