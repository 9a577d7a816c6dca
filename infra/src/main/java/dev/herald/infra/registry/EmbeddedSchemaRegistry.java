package dev.herald.infra.registry;

import dev.herald.schema.Topics;
import io.javalin.Javalin;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Confluent-compatible schema registry that keeps its state in a compacted Kafka topic ({@link
 * Topics#SCHEMAS}), the zero-setup default of Herald.
 *
 * <p>It serves the Confluent Schema Registry REST API (subjects, versions, schemas by id,
 * compatibility, config) over HTTP, so Herald's {@code RestSchemaRegistryClient}, Confluent's own
 * client and other tools can use it. Every registration and level change is a record in the topic;
 * on start the registry reads the topic from the beginning, so ids survive restarts and are the
 * same on every instance pointed at the same cluster. Ids are global and deduplicated on {@code
 * Schema.toString()}; the default compatibility is BACKWARD. Only Avro schemas are accepted, with
 * or without Confluent schema references (a schema with references is stored resolved, so it is
 * read back self-contained); deleting subjects is not supported.
 *
 * <pre>{@code
 * try (EmbeddedSchemaRegistry registry =
 *     EmbeddedSchemaRegistry.builder().bootstrapServers("localhost:9092").port(0).start()) {
 *   var client = new RestSchemaRegistryClient(registry.url(), Map.of());
 *   int id = client.register("herald.alerts.v1-value", AuditAlert.getClassSchema());
 * }
 * }</pre>
 */
public final class EmbeddedSchemaRegistry implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedSchemaRegistry.class);

  private final SchemaLog log;
  private final Javalin http;
  private final String url;

  private EmbeddedSchemaRegistry(Builder builder) {
    RegistryState state = new RegistryState();
    this.log =
        new SchemaLog(
            builder.bootstrapServers,
            builder.kafkaProperties,
            builder.topic,
            builder.replicationFactor,
            builder.timeout,
            state);
    try {
      this.http = new RegistryHttpApi(new SchemaStore(state, log)).create();
      http.start(builder.host, builder.port);
    } catch (RuntimeException e) {
      log.close();
      throw e;
    }
    String host = builder.host.contains(":") ? "[" + builder.host + "]" : builder.host;
    if (host.equals("0.0.0.0")) {
      host = "localhost";
    }
    this.url = "http://" + host + ":" + http.port();
    LOG.info("schema registry started url={} topic={}", url, builder.topic);
  }

  /** A builder; {@link Builder#bootstrapServers} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /** The base URL clients use, e.g. {@code http://127.0.0.1:43121}. */
  public String url() {
    return url;
  }

  /** The HTTP port it listens on. */
  public int port() {
    return http.port();
  }

  /** Stops serving and closes the Kafka clients. */
  @Override
  public void close() {
    http.stop();
    log.close();
    LOG.info("schema registry stopped url={}", url);
  }

  /** Settings of an {@link EmbeddedSchemaRegistry}. */
  public static final class Builder {
    private String bootstrapServers;
    private String host = "127.0.0.1";
    private int port = 0;
    private String topic = Topics.SCHEMAS;
    private short replicationFactor = 1;
    private Duration timeout = Duration.ofSeconds(30);
    private Map<String, Object> kafkaProperties = Map.of();

    private Builder() {}

    /** The Kafka cluster that holds the schema topic. */
    public Builder bootstrapServers(String bootstrapServers) {
      this.bootstrapServers = bootstrapServers;
      return this;
    }

    /** The address to listen on; default {@code 127.0.0.1}. */
    public Builder host(String host) {
      this.host = Objects.requireNonNull(host, "host");
      return this;
    }

    /** The port to listen on; 0 (the default) picks a free one. */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be between 0 and 65535, not " + port);
      }
      this.port = port;
      return this;
    }

    /** The schema topic; default {@value Topics#SCHEMAS}. */
    public Builder topic(String topic) {
      this.topic = Objects.requireNonNull(topic, "topic");
      return this;
    }

    /** Replication factor the topic is created with if missing; default 1. */
    public Builder replicationFactor(short replicationFactor) {
      this.replicationFactor = replicationFactor;
      return this;
    }

    /** How long to wait for Kafka on each read or write; default 30 s. */
    public Builder timeout(Duration timeout) {
      this.timeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /** Extra Kafka client settings (security, TLS, SASL) for the admin, producer and consumer. */
    public Builder kafkaProperties(Map<String, ?> kafkaProperties) {
      this.kafkaProperties = new HashMap<>(kafkaProperties);
      return this;
    }

    /** Creates the topic if needed, loads it, and starts serving. */
    public EmbeddedSchemaRegistry start() {
      if (bootstrapServers == null || bootstrapServers.isBlank()) {
        throw new IllegalArgumentException("bootstrapServers is required, e.g. localhost:9092");
      }
      return new EmbeddedSchemaRegistry(this);
    }
  }
}
