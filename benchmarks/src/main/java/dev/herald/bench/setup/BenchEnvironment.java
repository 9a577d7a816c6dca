package dev.herald.bench.setup;

import dev.herald.infra.broker.EmbeddedKafkaBroker;
import dev.herald.infra.registry.EmbeddedSchemaRegistry;
import dev.herald.infra.topics.TopicAdmin;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.Topics;
import dev.herald.schema.registry.RestSchemaRegistryClient;
import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.testsupport.TopicDrainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node KRaft broker in this JVM, Herald's topics and the embedded schema registry —
 * all on ephemeral ports and in a temporary directory that is deleted on {@link #close()}.
 *
 * <pre>{@code
 * try (BenchEnvironment env = BenchEnvironment.start(workDir)) {
 *   String bootstrap = env.bootstrapServers();
 * }
 * }</pre>
 */
public final class BenchEnvironment implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BenchEnvironment.class);

  private final Path dir;
  private final EmbeddedKafkaBroker broker;
  private final EmbeddedSchemaRegistry registryServer;
  private final SchemaRegistryClient registry;
  private boolean stopped;

  private BenchEnvironment(
      Path dir,
      EmbeddedKafkaBroker broker,
      EmbeddedSchemaRegistry registryServer,
      SchemaRegistryClient registry) {
    this.dir = dir;
    this.broker = broker;
    this.registryServer = registryServer;
    this.registry = registry;
  }

  /** Starts a broker under {@code parent}, creates every Herald topic and starts the registry. */
  public static BenchEnvironment start(Path parent) throws IOException {
    Files.createDirectories(parent);
    return startIn(Files.createTempDirectory(parent, "herald-bench"));
  }

  /**
   * Starts a broker under {@code parent} on a copy of {@code brokerSnapshot}, a broker data
   * directory saved by {@link #saveBrokerTo}: its topics, records (with their offsets and
   * timestamps), registered schemas and node keys are those of the saved broker. The snapshot
   * itself is never written to, so it can be restored again.
   */
  public static BenchEnvironment startFrom(Path parent, Path brokerSnapshot) throws IOException {
    if (!Files.isDirectory(brokerSnapshot)) {
      throw new IOException("no saved broker directory at " + brokerSnapshot);
    }
    Files.createDirectories(parent);
    Path dir = Files.createTempDirectory(parent, "herald-bench");
    copyTree(brokerSnapshot, dir.resolve("broker"));
    return startIn(dir);
  }

  private static BenchEnvironment startIn(Path dir) {
    EmbeddedKafkaBroker broker =
        EmbeddedKafkaBroker.builder().dataDir(dir.resolve("broker")).build().start();
    EmbeddedSchemaRegistry server = null;
    try {
      Properties admin = new Properties();
      admin.put("bootstrap.servers", broker.bootstrapServers());
      try (TopicAdmin topics = new TopicAdmin(admin)) {
        topics.createAll((short) 1);
      }
      server =
          EmbeddedSchemaRegistry.builder()
              .bootstrapServers(broker.bootstrapServers())
              .host("127.0.0.1")
              .port(0)
              .replicationFactor((short) 1)
              .start();
      SchemaRegistryClient client = new RestSchemaRegistryClient(server.url(), Map.of());
      LOG.info(
          "bench environment up bootstrap={} registry={}", broker.bootstrapServers(), server.url());
      return new BenchEnvironment(dir, broker, server, client);
    } catch (RuntimeException e) {
      if (server != null) {
        server.close();
      }
      broker.close();
      throw e;
    }
  }

  /**
   * Stops the registry and the broker (a clean shutdown, so the copy needs no log recovery) and
   * copies the broker's data directory to {@code target}, which must not exist. The environment is
   * stopped afterwards: only {@link #close()} is left to call.
   */
  public void saveBrokerTo(Path target) throws IOException {
    stop();
    copyTree(dir.resolve("broker"), target);
  }

  /** Copies the tree under {@code from} to {@code to}, which must not exist yet. */
  private static void copyTree(Path from, Path to) throws IOException {
    if (Files.exists(to)) {
      throw new IOException("will not copy over an existing directory: " + to);
    }
    try (Stream<Path> paths = Files.walk(from)) {
      for (Path p : (Iterable<Path>) paths::iterator) {
        Path t = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
  }

  public String bootstrapServers() {
    return broker.bootstrapServers();
  }

  /** The registry's base URL, for components that take a URL (Flink). */
  public String registryUrl() {
    return registryServer.url();
  }

  public SchemaRegistryClient registry() {
    return registry;
  }

  /**
   * The alerts {@link Topics#ALERTS} gained since {@code mark} ({@code TopicDrainer.mark}),
   * decoded, every status: what one auditor run raised.
   */
  public List<AuditAlert> alertsSince(Map<TopicPartition, Long> mark) {
    AvroWireFormat<AuditAlert> format = new AvroWireFormat<>(AuditAlert.class, registry());
    List<AuditAlert> alerts = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : TopicDrainer.readSince(bootstrapServers(), mark)) {
      if (r.value() != null) {
        alerts.add(format.deserialize(r.topic(), r.value()));
      }
    }
    return alerts;
  }

  /** A scratch directory inside the environment's temp directory. */
  public Path scratch(String name) throws IOException {
    return Files.createDirectories(dir.resolve(name));
  }

  /**
   * Switches {@code topic} to the producers' record times ({@code CreateTime}). Herald's input
   * topics run on broker time ({@code LogAppendTime}), and the Flink jobs clamp a heartbeat's
   * signed time to its record time ± the clock skew (5 s): a benchmark that writes many minutes of
   * event time in a few seconds must keep each heartbeat's own time as its record time, or every
   * heartbeat is clamped into the seconds the backlog took to write and the jobs refuse most of
   * them as too many for their window ({@code RATE_LIMITED}) — a measure of the refusal path, not
   * of the jobs' work.
   */
  public void useProducerRecordTimes(String topic) {
    try (Admin admin = Admin.create(clientProperties())) {
      admin
          .incrementalAlterConfigs(
              Map.of(
                  new ConfigResource(ConfigResource.Type.TOPIC, topic),
                  List.of(
                      new AlterConfigOp(
                          new ConfigEntry(Topics.TIMESTAMP_TYPE, "CreateTime"),
                          AlterConfigOp.OpType.SET))))
          .all()
          .get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while setting " + topic + " to CreateTime", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot set " + topic + " to CreateTime: " + e, e);
    }
  }

  /** {@code bootstrap.servers} only. */
  public Properties clientProperties() {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrapServers());
    return p;
  }

  private void stop() {
    if (!stopped) {
      stopped = true;
      registryServer.close();
      broker.close();
    }
  }

  @Override
  public void close() {
    stop();
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      LOG.warn("cannot delete bench directory dir={} error={}", dir, e.toString());
    }
  }
}
