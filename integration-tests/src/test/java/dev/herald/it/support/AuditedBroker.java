package dev.herald.it.support;

import dev.herald.infra.registry.EmbeddedSchemaRegistry;
import dev.herald.it.reliability.AlertLog;
import dev.herald.it.reliability.Background;
import dev.herald.schema.registry.RestSchemaRegistryClient;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * What an audited test needs next to its broker, started together and closed in reverse: the
 * embedded schema registry on the broker, an idempotent producer, a reader of the alerts topic
 * ({@link AlertLog}) and a background clock for heartbeats and ticks. Auditors themselves start
 * with {@link RunningAuditor}.
 *
 * <pre>{@code
 * try (AuditedBroker stack = AuditedBroker.start(KAFKA.clientProperties())) {
 *   SignedFleet fleet = new SignedFleet(stack.producer(), stack.schemas(), 4, 3);
 *   try (HeraldAuditor auditor =
 *       RunningAuditor.start(
 *           RunningAuditor.config(bootstrap, "herald-it-x", dir, policy, stack.registryUrl()))) {
 *     fleet.keepAlive(stack.clock());
 *     ...
 * }
 * }</pre>
 */
public final class AuditedBroker implements AutoCloseable {
  private final EmbeddedSchemaRegistry registry;
  private final KafkaProducer<String, byte[]> producer;
  private final AlertLog alerts;
  private final Background clock;

  private AuditedBroker(Properties client) {
    String bootstrap = client.getProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
    this.registry = EmbeddedSchemaRegistry.builder().bootstrapServers(bootstrap).port(0).start();
    KafkaProducer<String, byte[]> p = null;
    AlertLog a = null;
    try {
      p = producer(bootstrap);
      a = new AlertLog(client, schemas());
    } catch (RuntimeException e) {
      if (p != null) {
        p.close();
      }
      registry.close();
      throw e;
    }
    this.producer = p;
    this.alerts = a;
    this.clock = new Background();
  }

  /** Starts the stack on the broker {@code client} points at (its bootstrap servers). */
  public static AuditedBroker start(Properties client) {
    return new AuditedBroker(client);
  }

  /** An idempotent producer that waits for every in-sync replica (acks=all). */
  public static KafkaProducer<String, byte[]> producer(String bootstrap) {
    Properties client = new Properties();
    client.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    return producer(client, Map.of());
  }

  /**
   * Likewise with the client settings {@code client} (a secured broker's credentials, say) and
   * {@code extra} producer settings on top (e.g. {@code linger.ms}).
   */
  public static KafkaProducer<String, byte[]> producer(
      Properties client, Map<String, Object> extra) {
    Properties p = new Properties();
    p.putAll(client);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.putAll(extra);
    return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
  }

  public EmbeddedSchemaRegistry registry() {
    return registry;
  }

  public String registryUrl() {
    return registry.url();
  }

  /** A new client of the registry. */
  public RestSchemaRegistryClient schemas() {
    return new RestSchemaRegistryClient(registry.url(), Map.of());
  }

  public KafkaProducer<String, byte[]> producer() {
    return producer;
  }

  public AlertLog alerts() {
    return alerts;
  }

  public Background clock() {
    return clock;
  }

  @Override
  public void close() throws Exception {
    try (registry;
        producer;
        alerts;
        clock) {
      // closed in reverse: the clock, the alert reader, the producer, the registry
    }
  }
}
