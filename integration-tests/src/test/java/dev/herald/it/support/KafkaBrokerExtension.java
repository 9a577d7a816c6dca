package dev.herald.it.support;

import static org.awaitility.Awaitility.await;

import dev.herald.infra.broker.EmbeddedKafkaBroker;
import dev.herald.infra.registry.EmbeddedSchemaRegistry;
import dev.herald.infra.topics.TopicAdmin;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Properties;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real single-node KRaft broker for a test class, with Herald's topics created.
 *
 * <pre>{@code
 * @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
 * ... KAFKA.bootstrapServers() ...
 * }</pre>
 *
 * <p>Tests whose records must not meet another test's (Herald's topic names are fixed) register a
 * {@link #perTest} broker on an instance field instead: a fresh broker for every test method.
 *
 * <p>With {@link #withSchemaRegistry}, Herald's embedded schema registry runs on the broker too,
 * started after it and closed before it ({@link #registry()}, {@link #registryUrl()}):
 *
 * <pre>{@code
 * @RegisterExtension
 * static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension().withSchemaRegistry(r -> r.port(0));
 * }</pre>
 */
public final class KafkaBrokerExtension
    implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
  private final boolean createTopics;
  private final boolean perTest;
  private Path dir;
  private EmbeddedKafkaBroker broker;
  private UnaryOperator<EmbeddedSchemaRegistry.Builder> registrySettings;
  private EmbeddedSchemaRegistry registry;

  public KafkaBrokerExtension() {
    this(true);
  }

  public KafkaBrokerExtension(boolean createTopics) {
    this(createTopics, false);
  }

  private KafkaBrokerExtension(boolean createTopics, boolean perTest) {
    this.createTopics = createTopics;
    this.perTest = perTest;
  }

  /**
   * A fresh broker for each test method (register it on an instance field); Herald's topics are
   * created when {@code createTopics}.
   */
  public static KafkaBrokerExtension perTest(boolean createTopics) {
    return new KafkaBrokerExtension(createTopics, true);
  }

  /**
   * Starts Herald's embedded schema registry on this broker after it, configured by {@code
   * settings} (its bootstrap servers are set already; e.g. {@code r -> r.port(0)}).
   */
  public KafkaBrokerExtension withSchemaRegistry(
      UnaryOperator<EmbeddedSchemaRegistry.Builder> settings) {
    this.registrySettings = settings;
    return this;
  }

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    if (perTest) {
      beforeAll(context);
    }
  }

  @Override
  public void afterEach(ExtensionContext context) throws IOException {
    if (perTest) {
      afterAll(context);
    }
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    dir = Files.createTempDirectory("herald-it-broker");
    broker = EmbeddedKafkaBroker.builder().dataDir(dir).build().start();
    if (createTopics) {
      try (TopicAdmin admin = new TopicAdmin(clientProperties())) {
        admin.createAll((short) 1);
      }
      awaitLeaders();
    }
    if (registrySettings != null) {
      registry =
          registrySettings
              .apply(EmbeddedSchemaRegistry.builder().bootstrapServers(bootstrapServers()))
              .start();
    }
  }

  /**
   * Waits until the broker names a leader for every partition of every topic. A created topic's
   * partitions become writable a moment after the create returns; an idempotent producer that wrote
   * to one in that moment got "invalid metadata", then an out-of-order sequence on its retry, and
   * its batch expired 30 s later (ReporterThroughputIT failed so once in CI).
   */
  private void awaitLeaders() {
    try (Admin admin = Admin.create(clientProperties())) {
      await()
          .atMost(Duration.ofSeconds(60))
          .ignoreExceptions()
          .until(
              () -> {
                Set<String> names = admin.listTopics().names().get();
                return admin.describeTopics(names).allTopicNames().get().values().stream()
                    .flatMap(t -> t.partitions().stream())
                    .allMatch(p -> p.leader() != null && !p.leader().isEmpty());
              });
    }
  }

  @Override
  public void afterAll(ExtensionContext context) throws IOException {
    if (registry != null) {
      registry.close();
      registry = null;
    }
    if (broker != null) {
      broker.close();
      broker = null;
    }
    if (dir != null) {
      try (Stream<Path> paths = Files.walk(dir)) {
        paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
      dir = null;
    }
  }

  public String bootstrapServers() {
    return broker.bootstrapServers();
  }

  /** The schema registry {@link #withSchemaRegistry} started. */
  public EmbeddedSchemaRegistry registry() {
    if (registry == null) {
      throw new IllegalStateException(
          "no schema registry on this broker: register it with withSchemaRegistry(...)");
    }
    return registry;
  }

  /** The URL of the schema registry {@link #withSchemaRegistry} started. */
  public String registryUrl() {
    return registry().url();
  }

  public EmbeddedKafkaBroker broker() {
    return broker;
  }

  /** {@code bootstrap.servers} only. */
  public Properties clientProperties() {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrapServers());
    return props;
  }
}
