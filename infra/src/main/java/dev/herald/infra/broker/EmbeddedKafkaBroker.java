package dev.herald.infra.broker;

import dev.herald.infra.security.BrokerSecurity;
import dev.herald.infra.security.HeraldPrincipal;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
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
import org.apache.kafka.clients.admin.Admin;
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
 *
 * <p>In secure mode ({@link Builder#secure(boolean)}) the only client listener is SASL_SSL
 * (SCRAM-SHA-512 over TLS), the controller listener takes only mutual TLS with the broker's own
 * certificate, the {@code StandardAuthorizer} enforces Herald's ACLs ({@code
 * dev.herald.infra.security.HeraldAcls}), and {@code <data-dir>/security/} holds the generated
 * certificates, passwords and one client properties file per principal:
 *
 * <pre>{@code
 * try (EmbeddedKafkaBroker broker =
 *     EmbeddedKafkaBroker.builder().dataDir(dir).secure(true).build().start()) {
 *   Properties reporter = broker.clientProperties(HeraldPrincipal.REPORTER);
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
  private final boolean secure;
  private final String auditorApplicationId;
  private BrokerSecurity security;
  private KafkaRaftServer server;
  private int port;
  private int controllerPort;

  private EmbeddedKafkaBroker(Builder b) {
    this.dataDir = b.dataDir;
    this.host = b.host;
    this.requestedPort = b.port;
    this.requestedControllerPort = b.controllerPort;
    this.overrides = Map.copyOf(b.overrides);
    this.secure = b.secure;
    this.auditorApplicationId = b.auditorApplicationId;
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
    private boolean secure;
    private String auditorApplicationId = "herald-auditor";

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

    /**
     * TLS, SASL/SCRAM and ACLs (default off). A data directory formatted without security cannot be
     * started secure: it has no SCRAM users.
     */
    public Builder secure(boolean secure) {
      this.secure = secure;
      return this;
    }

    /**
     * Application id of the auditor the ACLs grant its internal topics to (default {@code
     * herald-auditor}); only used in secure mode, at first start.
     */
    public Builder auditorApplicationId(String applicationId) {
      this.auditorApplicationId = applicationId;
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
    // two ephemeral ports looked up one after the other can be the same one (the first is closed
    // again before the second is asked for): seen as "Each listener must have a different port"
    port =
        requestedPort == 0
            ? freePortOtherThan(requestedControllerPort)
            : requirePortFree(requestedPort, "--port");
    controllerPort =
        requestedControllerPort == 0
            ? freePortOtherThan(port)
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
    boolean newLog = !Files.exists(logDir.resolve("meta.properties"));
    if (secure) {
      Path securityDir = dataDir.toAbsolutePath().resolve("security");
      if (!newLog && !BrokerSecurity.exists(securityDir)) {
        throw new BrokerStartException(
            "the data directory " + dataDir + " was created without --secure and has no users",
            "start it without --secure, or start a secure broker with a new --data-dir",
            null);
      }
      try {
        security = BrokerSecurity.prepare(securityDir, host);
      } catch (RuntimeException e) {
        throw new BrokerStartException(
            "cannot prepare TLS and SASL material: " + e.getMessage(),
            "check that " + securityDir + " is writable",
            e);
      }
      props.putAll(security.brokerConfig(host, port, controllerPort));
    }
    props.putAll(overrides);

    try {
      KafkaConfig config = KafkaConfig.fromProps(props, false);
      if (newLog) {
        String clusterId = Uuid.randomUuid().toString();
        Formatter formatter = new Formatter();
        if (security != null) {
          formatter.setScramArguments(security.scramFormatArguments());
        }
        formatter
            .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
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
    if (security != null) {
      try (Admin admin = Admin.create(clientProperties(HeraldPrincipal.ADMIN))) {
        if (security.createAclsOnce(admin, auditorApplicationId)) {
          LOG.info("Created Herald ACLs auditorApplicationId={}", auditorApplicationId);
        }
      } catch (RuntimeException e) {
        close();
        throw new BrokerStartException(
            "the secure broker started but its ACLs could not be created: " + rootMessage(e),
            "start afresh with another --data-dir",
            e);
      }
    }
    LOG.info(
        "Kafka broker started bootstrap={} secure={} dataDir={}",
        bootstrapServers(),
        secure,
        logDir);
    return this;
  }

  /** Whether clients must use TLS and SASL/SCRAM ({@link Builder#secure(boolean)}). */
  public boolean isSecure() {
    return secure;
  }

  /**
   * Client properties to reach this broker: {@code bootstrap.servers} and, in secure mode, the
   * admin (super user) credentials.
   */
  public Properties clientProperties() {
    return clientProperties(HeraldPrincipal.ADMIN);
  }

  /**
   * Client properties of a principal: {@code bootstrap.servers} and its TLS and SASL settings. A
   * broker that is not secure has no principals: only {@code bootstrap.servers}.
   */
  public Properties clientProperties(HeraldPrincipal principal) {
    Properties props = security == null ? new Properties() : security.clientProperties(principal);
    props.put("bootstrap.servers", bootstrapServers());
    return props;
  }

  /** The security material of a secure broker (after {@link #start()}). */
  public BrokerSecurity security() {
    if (security == null) {
      throw new IllegalStateException("the broker is not secure or not started");
    }
    return security;
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

  /** A free local port that is not {@code taken} (0: any). */
  static int freePortOtherThan(int taken) {
    for (int attempt = 0; attempt < 20; attempt++) {
      int p = freePort();
      if (p != taken) {
        return p;
      }
    }
    throw new UncheckedIOException(
        new IOException("no free local port other than " + taken + " in 20 attempts"));
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
