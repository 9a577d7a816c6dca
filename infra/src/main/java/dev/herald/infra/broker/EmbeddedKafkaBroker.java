package dev.herald.infra.broker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Apache Kafka broker in KRaft mode (combined broker and controller), started in
 * this JVM from the Apache Kafka jars. The zero-setup default of {@code herald broker} and {@code
 * herald demo}, and the broker of Herald's integration tests.
 *
 * <p>The log directory is formatted only when it is new, so a restart on the same directory keeps
 * every topic and record.
 *
 * <pre>{@code
 * try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().dataDir(dir).build().start()) {
 *   String bootstrap = broker.bootstrapServers(); // e.g. localhost:9092
 * }
 * }</pre>
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
  private static final int NODE_ID = 1;

  private final Path dataDir;
  private final String host;
  private final int requestedPort;
  private final int requestedControllerPort;
  private final Map<String, String> overrides;
  private KafkaRaftServer server;
  private int port;
  private int controllerPort;

  private EmbeddedKafkaBroker(Builder b) {
    this.dataDir = b.dataDir;
    this.host = b.host;
    this.requestedPort = b.port;
    this.requestedControllerPort = b.controllerPort;
    this.overrides = Map.copyOf(b.overrides);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Options of the broker. */
  public static final class Builder {
    private Path dataDir;
    private String host = "localhost";
    private int port = 0;
    private int controllerPort = 0;
    private final Map<String, String> overrides = new HashMap<>();

    /** Directory for the log (required); formatted on first use. */
    public Builder dataDir(Path dataDir) {
      this.dataDir = dataDir;
      return this;
    }

    /** Host name clients connect to (default {@code localhost}). */
    public Builder host(String host) {
      this.host = host;
      return this;
    }

    /** Client port; 0 (default) picks a free one. */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** Controller port; 0 (default) picks a free one. */
    public Builder controllerPort(int controllerPort) {
      this.controllerPort = controllerPort;
      return this;
    }

    /** Any broker config, e.g. {@code num.partitions}; applied last. */
    public Builder config(String key, String value) {
      overrides.put(key, value);
      return this;
    }

    public EmbeddedKafkaBroker build() {
      if (dataDir == null) {
        throw new IllegalArgumentException("dataDir is required");
      }
      return new EmbeddedKafkaBroker(this);
    }
  }

  /**
   * Formats the log directory if it is new and starts the broker.
   *
   * @throws BrokerStartException with a message naming the cause (port in use, directory not
   *     writable) and what to do
   */
  public synchronized EmbeddedKafkaBroker start() {
    if (server != null) {
      return this;
    }
    Path logDir = dataDir.toAbsolutePath().resolve("kafka");
    try {
      Files.createDirectories(logDir);
    } catch (IOException e) {
      throw new BrokerStartException(
          "cannot create the data directory " + logDir + ": " + e.getMessage(),
          "choose a writable directory with --data-dir",
          e);
    }
    if (!Files.isWritable(logDir)) {
      throw new BrokerStartException(
          "the data directory " + logDir + " is not writable",
          "choose a writable directory with --data-dir",
          null);
    }
    port = requestedPort == 0 ? freePort() : requirePortFree(requestedPort, "--port");
    controllerPort =
        requestedControllerPort == 0
            ? freePort()
            : requirePortFree(requestedControllerPort, "--controller-port");

    Properties props = new Properties();
    props.put("process.roles", "broker,controller");
    props.put("node.id", Integer.toString(NODE_ID));
    props.put("controller.quorum.voters", NODE_ID + "@" + host + ":" + controllerPort);
    props.put(
        "listeners",
        "PLAINTEXT://" + host + ":" + port + ",CONTROLLER://" + host + ":" + controllerPort);
    props.put("advertised.listeners", "PLAINTEXT://" + host + ":" + port);
    props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    props.put("controller.listener.names", "CONTROLLER");
    props.put("inter.broker.listener.name", "PLAINTEXT");
    props.put("log.dirs", logDir.toString());
    props.put("offsets.topic.replication.factor", "1");
    props.put("offsets.topic.num.partitions", "6");
    props.put("transaction.state.log.replication.factor", "1");
    props.put("transaction.state.log.min.isr", "1");
    props.put("transaction.state.log.num.partitions", "6");
    props.put("share.coordinator.state.topic.replication.factor", "1");
    props.put("share.coordinator.state.topic.min.isr", "1");
    props.put("group.initial.rebalance.delay.ms", "0");
    props.put("num.partitions", "6");
    props.put("auto.create.topics.enable", "false");
    props.put("log.segment.bytes", Integer.toString(64 * 1024 * 1024));
    props.putAll(overrides);

    try {
      KafkaConfig config = KafkaConfig.fromProps(props, false);
      if (!Files.exists(logDir.resolve("meta.properties"))) {
        String clusterId = Uuid.randomUuid().toString();
        new Formatter()
            .setPrintStream(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()))
            .setClusterId(clusterId)
            .setNodeId(NODE_ID)
            .setDirectories(List.of(logDir.toString()))
            .setMetadataLogDirectory(logDir.toString())
            .setControllerListenerName("CONTROLLER")
            .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
            .run();
        LOG.info("Formatted a new KRaft log directory dir={} clusterId={}", logDir, clusterId);
      }
      server = new KafkaRaftServer(config, Time.SYSTEM);
      server.startup();
    } catch (Exception e) {
      server = null;
      throw new BrokerStartException(
          "the Kafka broker did not start: " + rootMessage(e),
          "check that "
              + logDir
              + " belongs to a Herald broker, or start afresh with another --data-dir",
          e);
    }
    LOG.info("Kafka broker started bootstrap={} dataDir={}", bootstrapServers(), logDir);
    return this;
  }

  /** {@code host:port} for {@code bootstrap.servers}. */
  public String bootstrapServers() {
    return host + ":" + port;
  }

  public Path dataDir() {
    return dataDir;
  }

  /** Stops the broker and waits until it has stopped. */
  @Override
  public synchronized void close() {
    if (server != null) {
      server.shutdown();
      server.awaitShutdown();
      server = null;
      LOG.info("Kafka broker stopped dataDir={}", dataDir);
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free local port", e);
    }
  }

  private int requirePortFree(int candidate, String option) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(host, candidate));
      return candidate;
    } catch (IOException e) {
      throw new BrokerStartException(
          "port " + candidate + " on " + host + " is already in use",
          "stop whatever listens there (another broker?) or choose another port with " + option,
          e);
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }
}
