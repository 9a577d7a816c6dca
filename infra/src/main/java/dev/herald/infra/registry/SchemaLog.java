package dev.herald.infra.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.avro.Schema;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry's store: a compacted, single-partition Kafka topic read from the start by a reader
 * thread that applies every record to a {@link RegistryState}, and written with an idempotent
 * {@code acks=all} producer.
 *
 * <p>Records (JSON): key {@code {"keytype":"SCHEMA","subject":…,"version":…,"claim":…}} with value
 * {@code {"subject":…,"version":…,"id":…,"schema":…,"claim":…}}; key {@code
 * {"keytype":"CONFIG","subject":…}} (no subject for the global level) with value {@code
 * {"compatibilityLevel":…}}, or a tombstone. Schema keys carry the writer's unique claim id, so
 * compaction never drops a claim and replay after compaction sees the same accepted claims in the
 * same order; config keys are per subject, so compaction keeps the last level of each.
 */
final class SchemaLog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SchemaLog.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String topic;
  private final TopicPartition partition;
  private final RegistryState state;
  private final Admin admin;
  private final KafkaProducer<byte[], byte[]> producer;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Duration timeout;
  private final Object positionLock = new Object();
  private final Thread reader;
  private volatile boolean running = true;
  private long position;

  SchemaLog(
      String bootstrapServers,
      Map<String, Object> clientProps,
      String topic,
      short replicationFactor,
      Duration timeout,
      RegistryState state) {
    this.topic = topic;
    this.partition = new TopicPartition(topic, 0);
    this.state = state;
    this.timeout = timeout;
    Map<String, Object> common = new HashMap<>(clientProps);
    common.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    this.admin = Admin.create(common);
    try {
      createTopicIfMissing(replicationFactor);
      Properties producerProps = new Properties();
      producerProps.putAll(common);
      producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
      producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
      producerProps.put(ProducerConfig.LINGER_MS_CONFIG, 0);
      producerProps.put(ProducerConfig.CLIENT_ID_CONFIG, "herald-registry-writer");
      this.producer =
          new KafkaProducer<>(producerProps, new ByteArraySerializer(), new ByteArraySerializer());
      Properties consumerProps = new Properties();
      consumerProps.putAll(common);
      consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
      consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
      consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
      consumerProps.put(ConsumerConfig.CLIENT_ID_CONFIG, "herald-registry-reader");
      this.consumer =
          new KafkaConsumer<>(
              consumerProps, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    } catch (RuntimeException e) {
      admin.close(Duration.ZERO);
      throw e;
    }
    consumer.assign(List.of(partition));
    consumer.seekToBeginning(List.of(partition));
    this.reader = new Thread(this::readLoop, "herald-registry-reader");
    reader.setDaemon(true);
    reader.start();
    sync();
    LOG.info("schema log loaded topic={} records={}", topic, position);
  }

  private void createTopicIfMissing(short replicationFactor) {
    try {
      if (admin
          .listTopics()
          .names()
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
          .contains(topic)) {
        return;
      }
      admin
          .createTopics(
              List.of(
                  new NewTopic(topic, 1, replicationFactor)
                      .configs(
                          Map.of(
                              "cleanup.policy",
                              "compact",
                              "min.insync.replicas",
                              Integer.toString(Math.min(2, replicationFactor))))))
          .all()
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      LOG.info("created schema topic topic={} replicationFactor={}", topic, replicationFactor);
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw new IllegalStateException(
            "cannot create the schema topic " + topic + ": " + e.getCause().getMessage(),
            e.getCause());
      }
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "no Kafka broker answered within " + timeout.toMillis() + " ms", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating " + topic, e);
    }
  }

  private void readLoop() {
    while (running) {
      try {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          apply(record);
        }
        long next = consumer.position(partition);
        synchronized (positionLock) {
          position = next;
          positionLock.notifyAll();
        }
      } catch (WakeupException e) {
        // close() woke us up
      } catch (RuntimeException e) {
        LOG.warn("schema log read failed topic={} error={}", topic, e.toString());
        LOG.debug("schema log read failure", e);
      }
    }
    consumer.close(Duration.ofSeconds(1));
  }

  private void apply(ConsumerRecord<byte[], byte[]> record) {
    try {
      JsonNode key = JSON.readTree(record.key());
      String keytype = key.path("keytype").asText("");
      if (keytype.equals("CONFIG")) {
        String subject = key.hasNonNull("subject") ? key.get("subject").asText() : null;
        String level =
            record.value() == null
                ? null
                : JSON.readTree(record.value()).path("compatibilityLevel").asText(null);
        state.applyConfig(subject, level);
      } else if (keytype.equals("SCHEMA") && record.value() != null) {
        JsonNode value = JSON.readTree(record.value());
        String text = value.path("schema").asText();
        Schema schema = new Schema.Parser().parse(text);
        RegistryState.Claim claim =
            new RegistryState.Claim(
                value.path("claim").asText(),
                value.path("subject").asText(),
                value.path("version").asInt(),
                value.path("id").asInt(),
                text);
        boolean accepted = state.applyClaim(claim, schema);
        LOG.debug(
            "schema claim subject={} version={} id={} accepted={}",
            claim.subject(),
            claim.version(),
            claim.id(),
            accepted);
      } else {
        LOG.debug("ignoring schema log record offset={} keytype={}", record.offset(), keytype);
      }
    } catch (IOException | RuntimeException e) {
      // A record this version cannot read is skipped, never fatal: the log is shared.
      LOG.warn(
          "skipping unreadable schema log record topic={} offset={} error={}",
          topic,
          record.offset(),
          e.toString());
    }
  }

  /** Appends a schema claim and waits until the reader has applied it. */
  void appendClaim(RegistryState.Claim claim) {
    ObjectNode key =
        JSON.createObjectNode()
            .put("keytype", "SCHEMA")
            .put("subject", claim.subject())
            .put("version", claim.version())
            .put("claim", claim.claimId());
    ObjectNode value =
        JSON.createObjectNode()
            .put("subject", claim.subject())
            .put("version", claim.version())
            .put("id", claim.id())
            .put("schema", claim.schemaText())
            .put("claim", claim.claimId());
    append(key, value);
  }

  /** Appends a level change ({@code level} null removes a subject's level) and waits for it. */
  void appendConfig(String subject, String level) {
    ObjectNode key = JSON.createObjectNode().put("keytype", "CONFIG");
    if (subject != null) {
      key.put("subject", subject);
    }
    append(key, level == null ? null : JSON.createObjectNode().put("compatibilityLevel", level));
  }

  private void append(JsonNode key, JsonNode value) {
    byte[] keyBytes = key.toString().getBytes(StandardCharsets.UTF_8);
    byte[] valueBytes = value == null ? null : value.toString().getBytes(StandardCharsets.UTF_8);
    long offset;
    try {
      offset =
          producer
              .send(new ProducerRecord<>(topic, 0, keyBytes, valueBytes))
              .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
              .offset();
    } catch (ExecutionException | TimeoutException e) {
      throw new StoreException("cannot write to the schema topic " + topic, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("interrupted while writing to " + topic, e);
    }
    awaitPosition(offset + 1);
  }

  /** Waits until every record written before this call has been applied. */
  void sync() {
    long end;
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      while (true) {
        try {
          end =
              admin
                  .listOffsets(Map.of(partition, OffsetSpec.latest()))
                  .partitionResult(partition)
                  .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
                  .offset();
          break;
        } catch (ExecutionException e) {
          // a topic created a moment ago may not be in the broker's metadata yet: ask again
          if (!(e.getCause() instanceof UnknownTopicOrPartitionException)
              || System.nanoTime() > deadline) {
            throw e;
          }
          Thread.sleep(100);
        }
      }
    } catch (ExecutionException | TimeoutException e) {
      throw new StoreException("cannot read the end of the schema topic " + topic, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("interrupted while reading " + topic, e);
    }
    awaitPosition(end);
  }

  private void awaitPosition(long target) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (positionLock) {
      while (position < target) {
        long left = deadline - System.nanoTime();
        if (left <= 0 || !running) {
          throw new StoreException(
              "the schema topic "
                  + topic
                  + " was not read up to offset "
                  + target
                  + " within "
                  + timeout.toMillis()
                  + " ms",
              null);
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(positionLock, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new StoreException("interrupted while reading " + topic, e);
        }
      }
    }
  }

  @Override
  public void close() {
    running = false;
    consumer.wakeup();
    try {
      reader.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    producer.close(Duration.ofSeconds(5));
    admin.close(Duration.ofSeconds(5));
  }

  /** The store could not be read or written in time. */
  static final class StoreException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    StoreException(String message, Throwable cause) {
      super(message + (cause == null ? "" : ": " + cause.getMessage()), cause);
    }
  }
}
