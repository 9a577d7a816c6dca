package dev.herald.infra.nodes;

import dev.herald.schema.NodeRecord;
import dev.herald.schema.Topics;
import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.serde.MalformedRecordException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node identity registry on the compacted topic {@code herald.nodes.v1}: reads the latest
 * {@link NodeRecord} of every node and writes new ones (register, revoke, rotate).
 *
 * <pre>{@code
 * try (NodeDirectory nodes = new NodeDirectory(clientProps, registry)) {
 *   nodes.write(record);
 *   Map<String, NodeRecord> all = nodes.readAll();
 * }
 * }</pre>
 */
public final class NodeDirectory implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NodeDirectory.class);
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final Properties clientProps;
  private final String topic;
  private final AvroWireFormat<NodeRecord> format;
  private KafkaProducer<byte[], byte[]> producer;

  public NodeDirectory(Properties clientProps, SchemaRegistryClient registry) {
    this(clientProps, registry, Topics.NODES);
  }

  public NodeDirectory(Properties clientProps, SchemaRegistryClient registry, String topic) {
    this.clientProps = clientProps;
    this.topic = topic;
    this.format = new AvroWireFormat<>(NodeRecord.class, registry);
  }

  /** Writes {@code record} (key = its nodeId) and waits for the acknowledgement. */
  public void write(NodeRecord record) {
    if (producer == null) {
      Properties p = new Properties();
      p.putAll(clientProps);
      p.put(ProducerConfig.ACKS_CONFIG, "all");
      p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
      p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) TIMEOUT.toMillis());
      producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }
    byte[] key = record.getNodeId().toString().getBytes(StandardCharsets.UTF_8);
    try {
      producer
          .send(new ProducerRecord<>(topic, key, format.serialize(topic, record)))
          .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while registering " + record.getNodeId(), e);
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      throw new IllegalStateException(
          "cannot write to " + topic + ": " + cause.getMessage(), cause);
    }
  }

  /** The latest record of every node id, in the order they were first registered. */
  public Map<String, NodeRecord> readAll() {
    Properties p = new Properties();
    p.putAll(clientProps);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.remove(ConsumerConfig.GROUP_ID_CONFIG);
    Map<String, NodeRecord> latest = new LinkedHashMap<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      consumer
          .partitionsFor(topic, TIMEOUT)
          .forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions, TIMEOUT);
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("cannot read " + topic + " to its end within " + TIMEOUT);
        }
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          if (r.value() == null) {
            latest.remove(new String(r.key(), StandardCharsets.UTF_8));
            continue;
          }
          try {
            NodeRecord n = format.deserialize(topic, r.value());
            latest.put(n.getNodeId().toString(), n);
          } catch (MalformedRecordException e) {
            LOG.warn(
                "skipping unreadable registry record partition={} offset={} reason={}",
                r.partition(),
                r.offset(),
                e.getMessage());
          }
        }
      }
    }
    return latest;
  }

  /** The latest record of {@code nodeId}, if it is registered. */
  public Optional<NodeRecord> find(String nodeId) {
    return Optional.ofNullable(readAll().get(nodeId));
  }

  @Override
  public void close() {
    if (producer != null) {
      producer.close(Duration.ofSeconds(10));
    }
  }
}
