package dev.herald.auditor.alerting;

import dev.herald.auditor.detect.AlertIds;
import dev.herald.schema.AlertAck;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.Topics;
import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes operators' acknowledgements to {@code herald.alert-acks.v1}, keyed like the alert's
 * findings (so the auditor task that holds the alert reads it): what {@code herald alerts ack} and
 * {@code POST /api/alerts/{id}/ack} do. The auditor then publishes the alert ACKNOWLEDGED.
 *
 * <pre>{@code
 * try (AlertAcks acks = new AlertAcks(kafkaProps, registry)) {
 *   acks.acknowledge(alert, "known maintenance window", "alice");
 * }
 * }</pre>
 */
public final class AlertAcks implements AutoCloseable {
  private final Properties producerProps;
  private final AvroWireFormat<AlertAck> format;
  private KafkaProducer<String, byte[]> producer;

  /**
   * @param kafka Kafka client properties (bootstrap servers, security)
   * @param registry schema registry of the deployment
   */
  public AlertAcks(Properties kafka, SchemaRegistryClient registry) {
    Properties p = new Properties();
    p.putAll(kafka);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000);
    this.producerProps = p;
    this.format = new AvroWireFormat<>(AlertAck.class, registry);
  }

  /** The acknowledgement of {@code alert}. */
  public static AlertAck of(AuditAlert alert, String reason, String by, Instant at) {
    return AlertAck.newBuilder()
        .setAlertId(alert.getAlertId())
        .setType(alert.getType().name())
        .setGroup(alert.getGroup())
        .setEntityKey(alert.getEntityKey())
        .setVersion(alert.getVersion())
        .setNodes(new ArrayList<>(alert.getNodes()))
        .setReason(reason)
        .setAcknowledgedBy(by == null ? "" : by)
        .setAt(at)
        .build();
  }

  /** The key an acknowledgement of {@code alert} is written with (the alert's routing key). */
  public static String routingKey(AuditAlert alert) {
    return AlertIds.routingKey(
        alert.getType(),
        alert.getGroup(),
        alert.getEntityKey(),
        alert.getVersion(),
        alert.getNodes().stream().map(Object::toString).sorted().toList());
  }

  /**
   * Writes the acknowledgement of {@code alert} and waits until the broker has it.
   *
   * @throws IllegalArgumentException when the reason is blank
   * @throws IllegalStateException when the broker did not take it within the timeout
   */
  public void acknowledge(AuditAlert alert, String reason, String by) {
    if (reason == null || reason.isBlank()) {
      throw new IllegalArgumentException("an acknowledgement needs a reason");
    }
    AlertAck ack = of(alert, reason.strip(), by, Instant.now());
    try {
      producer()
          .send(
              new ProducerRecord<>(
                  Topics.ALERT_ACKS, routingKey(alert), format.serialize(Topics.ALERT_ACKS, ack)))
          .get(Duration.ofSeconds(30).toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(
          "cannot write the acknowledgement to "
              + Topics.ALERT_ACKS
              + " ("
              + (e.getCause() == null ? e : e.getCause())
              + "); does the topic exist (herald topics create) and may this principal write it?",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while acknowledging", e);
    }
  }

  /** The producer, created on the first acknowledgement (most APIs never write one). */
  private synchronized KafkaProducer<String, byte[]> producer() {
    if (producer == null) {
      producer =
          new KafkaProducer<>(producerProps, new StringSerializer(), new ByteArraySerializer());
    }
    return producer;
  }

  @Override
  public synchronized void close() {
    if (producer != null) {
      producer.close(Duration.ofSeconds(5));
    }
  }
}
