package dev.herald.infra.demo;

import dev.herald.auditor.AuditorConfig;
import dev.herald.auditor.HeraldAuditor;
import dev.herald.auditor.api.ApiAccess;
import dev.herald.auditor.api.ApiTokens;
import dev.herald.auditor.api.AuditorApi;
import dev.herald.auditor.identity.NodeHistory;
import dev.herald.auditor.ledger.AuditorIdentity;
import dev.herald.auditor.store.AuditorRocksDb;
import dev.herald.flink.FlinkJobConfig;
import dev.herald.flink.HeraldFlinkMain;
import dev.herald.infra.broker.EmbeddedKafkaBroker;
import dev.herald.infra.nodes.NodeDirectory;
import dev.herald.infra.registry.EmbeddedSchemaRegistry;
import dev.herald.infra.topics.TopicAdmin;
import dev.herald.producer.simulator.Scenario;
import dev.herald.producer.simulator.Simulator;
import dev.herald.schema.NodeRecord;
import dev.herald.schema.NodeStatus;
import dev.herald.schema.Topics;
import dev.herald.schema.canonical.Hashing;
import dev.herald.schema.registry.RestSchemaRegistryClient;
import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.signing.Ed25519;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole of Herald in one process: a real KRaft broker, the schema registry, the topics, the
 * simulated replicas registered as nodes, the Kafka Streams auditor with its dashboard and API, the
 * Flink jobs in a MiniCluster, and the simulator injecting faults. What {@code herald demo} runs,
 * and what the demo integration test drives headless.
 *
 * <pre>{@code
 * try (Demo demo = Demo.start(Demo.Options.defaults(Path.of(".herald/demo")), System.out)) {
 *   System.out.println(demo.dashboardUrl());
 *   demo.awaitSimulator();
 * }
 * }</pre>
 */
public final class Demo implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Demo.class);
  private static final Duration DEFAULT_ROUND = Duration.ofMinutes(2);

  /**
   * Flink's memory in the demo's MiniCluster: network buffers are direct memory, allocated when the
   * task manager starts (64 MiB by default for local execution; one job chain at parallelism 1
   * needs a few hundred KiB); managed memory (128 MiB by default, allocated on demand) is used only
   * by the RocksDB state backend and batch operators, neither of which the jobs use.
   */
  static final String FLINK_NETWORK_MEMORY = "16m";

  static final String FLINK_MANAGED_MEMORY = "16m";

  /** The demo auditor's node id in the registry (role auditor). */
  public static final String AUDITOR_ID = "demo-auditor";

  /** The demo auditor's private key, in the data directory (kept across runs, like its state). */
  public static final String AUDITOR_KEY_FILE = "auditor-key.pem";

  /** How often the demo auditor signs a tree head of each log that grew. */
  static final Duration TREE_HEAD_INTERVAL = Duration.ofSeconds(5);

  /** The Flink jobs start after the first alert, or after this long without one (--no-faults). */
  static final Duration FLINK_AFTER = Duration.ofSeconds(20);

  /**
   * What to run.
   *
   * @param dataDir broker data, auditor state, ground truth
   * @param httpPort dashboard and API port (0 = a free one)
   * @param kafkaPort broker port (0 = a free one)
   * @param registryPort schema registry port (0 = a free one)
   * @param scenario simulator scenario
   * @param duration how long the simulator runs; null = until closed
   * @param fresh wipe {@code dataDir} first
   * @param flink run the Flink jobs
   * @param httpHost address the dashboard and API bind (127.0.0.1: no token needed)
   * @param apiTokens the API's token file, or null (then only a loopback bind answers)
   */
  public record Options(
      Path dataDir,
      int httpPort,
      int kafkaPort,
      int registryPort,
      Scenario scenario,
      Duration duration,
      boolean fresh,
      boolean flink,
      String httpHost,
      Path apiTokens) {

    /** Options with the API on 127.0.0.1 and no tokens. */
    public Options(
        Path dataDir,
        int httpPort,
        int kafkaPort,
        int registryPort,
        Scenario scenario,
        Duration duration,
        boolean fresh,
        boolean flink) {
      this(
          dataDir,
          httpPort,
          kafkaPort,
          registryPort,
          scenario,
          duration,
          fresh,
          flink,
          "127.0.0.1",
          null);
    }

    /** Dashboard on 8080, Kafka on 9092, registry on 8081, the bundled mixed-fault scenario. */
    public static Options defaults(Path dataDir) {
      return new Options(dataDir, 8080, 9092, 8081, DemoScenario.mixedFaults(), null, false, true);
    }
  }

  /** One live summary: what the demo has done so far. */
  public record Summary(
      long events, double eventsPerSecond, long faults, Map<String, Long> alertsByType, long dlq) {
    /** The one-line form the CLI prints. */
    public String line() {
      long alerts = alertsByType.values().stream().mapToLong(Long::longValue).sum();
      StringBuilder types = new StringBuilder();
      alertsByType.forEach(
          (t, n) -> types.append(types.length() == 0 ? "" : " ").append(t).append('=').append(n));
      return String.format(
          "events %,d (%.0f/s) | faults injected %d | alerts %d%s | DLQ %d",
          events, eventsPerSecond, faults, alerts, alerts == 0 ? "" : " [" + types + "]", dlq);
    }
  }

  private final List<AutoCloseable> started = new ArrayList<>();
  private final Map<String, Long> alertsByType = new ConcurrentHashMap<>();
  private final AtomicReference<Simulator.Progress> progress = new AtomicReference<>();
  private final AtomicLong dlq = new AtomicLong();
  private final CountDownLatch firstAlert = new CountDownLatch(1);
  private EmbeddedKafkaBroker broker;
  private EmbeddedSchemaRegistry registryServer;
  private AuditorApi api;
  private HeraldAuditor auditor;
  private Simulator simulator;
  private Thread simulatorThread;
  private volatile Throwable simulatorFailure;
  private volatile boolean closing;

  private Demo() {}

  /** Starts every part, printing each step to {@code out}; the simulator runs in background. */
  public static Demo start(Options options, PrintStream out) {
    Demo demo = new Demo();
    try {
      demo.run(options, out);
      return demo;
    } catch (RuntimeException | Error e) {
      demo.close();
      throw e;
    }
  }

  /**
   * The simulated entities of this run: {@code acct-} on fresh data, {@code acct-rN-} for the N-th
   * run that resumes on the same data (the simulator's ledgers start again at version 1; reusing
   * the keys would make every replica equivocate against its own reports of the last run).
   */
  static String entityKeyPrefix(Path dataDir) {
    Path runs = dataDir.resolve("runs");
    try {
      int run = Files.exists(runs) ? Integer.parseInt(Files.readString(runs).trim()) + 1 : 1;
      Files.createDirectories(dataDir);
      Files.writeString(runs, Integer.toString(run));
      return run == 1 ? "acct-" : "acct-r" + run + "-";
    } catch (IOException | NumberFormatException e) {
      return "acct-r" + System.currentTimeMillis() + "-";
    }
  }

  private void run(Options o, PrintStream out) {
    Path dataDir = o.dataDir().toAbsolutePath();
    if (o.fresh()) {
      deleteRecursively(dataDir);
    }
    int steps = o.flink() ? 8 : 7;
    Step step = new Step(out, steps);

    step.begin("Kafka broker (KRaft, single node, real Apache Kafka)");
    broker =
        EmbeddedKafkaBroker.builder()
            .dataDir(dataDir.resolve("broker"))
            .port(o.kafkaPort())
            .build()
            .start();
    started.add(broker);
    step.done("bootstrap.servers=" + broker.bootstrapServers());

    step.begin("Herald topics");
    Properties kafka = new Properties();
    kafka.put("bootstrap.servers", broker.bootstrapServers());
    try (TopicAdmin admin = new TopicAdmin(kafka)) {
      long created =
          admin.createAll((short) 1).stream().filter(TopicAdmin.Created::created).count();
      step.done(created + " created, " + (Topics.all().size() - created) + " already there");
    }

    step.begin("Schema registry (Confluent-compatible, stored in _herald_schemas)");
    registryServer =
        EmbeddedSchemaRegistry.builder()
            .bootstrapServers(broker.bootstrapServers())
            .port(o.registryPort())
            .start();
    started.add(registryServer);
    SchemaRegistryClient registry = new RestSchemaRegistryClient(registryServer.url(), Map.of());
    step.done(registryServer.url());

    // The auditor signs its alerts with a key registered with role auditor, so that anyone can
    // check them with: herald verify ID --require-auditor-signature
    Path auditorKeyFile = dataDir.resolve(AUDITOR_KEY_FILE);
    Ed25519.KeyPair auditorKey = auditorKey(auditorKeyFile);
    registerAuditor(kafka, registry, auditorKey);

    // The auditor starts while the replicas are registered: both mostly wait on the broker (group
    // join, transactions), and the nodes' records precede every report either way.
    PrometheusMeterRegistry meters = AuditorApi.prometheusRegistry();
    int httpPort = o.httpPort() == 0 ? freePort() : o.httpPort();
    Properties streamsProps = new Properties();
    streamsProps.put("application.server", "localhost:" + httpPort);
    // Every RocksDB store of both auditor applications shares one bounded block cache, which also
    // accounts for the memtables (AuditorRocksDb, the auditor's default); Kafka Streams' default is
    // a 50 MiB cache and up to 3 x 16 MiB memtables per store, per partition. The demo's stores
    // take
    // a few MiB of writes a minute each: a smaller cache and memtables than a production auditor's.
    streamsProps.put(AuditorRocksDb.CACHE_MIB_CONFIG, "48");
    streamsProps.put(AuditorRocksDb.MEMTABLE_MIB_CONFIG, "16");
    streamsProps.put(AuditorRocksDb.WRITE_BUFFER_MIB_CONFIG, "2");
    auditor =
        HeraldAuditor.start(
            AuditorConfig.builder()
                .bootstrapServers(broker.bootstrapServers())
                .applicationId("herald-demo-auditor")
                .stateDir(dataDir.resolve("auditor-state"))
                .policy(ScenarioPolicy.assumedBy(o.scenario(), ScenarioPolicy.DEMO_IN_FLIGHT))
                .schemaRegistry(registry)
                .meters(meters)
                .clientProperties(streamsProps)
                .auditorIdentity(new AuditorIdentity(AUDITOR_ID, auditorKey, TREE_HEAD_INTERVAL))
                .build());
    started.add(auditor);
    step.begin("Simulated replicas registered as nodes");
    simulator =
        Simulator.builder()
            .bootstrapServers(broker.bootstrapServers())
            .schemaRegistry(registry)
            .scenario(o.scenario())
            .truthFile(dataDir.resolve("ground-truth.jsonl"))
            .entityKeyPrefix(entityKeyPrefix(dataDir))
            .progress(progress::set)
            .build();
    started.add(simulator);
    simulator.registerNodes();
    step.done(
        simulator.nodes().size()
            + " nodes in "
            + o.scenario().groups()
            + " groups, keys in herald.nodes.v1");

    step.begin("Auditor (Kafka Streams, exactly_once_v2)");
    if (!auditor.awaitRunning(Duration.ofSeconds(60))) {
      throw new IllegalStateException(
          "the auditor did not reach RUNNING within 60 s (state " + auditor.state() + ")");
    }
    step.done(
        "RUNNING, signing alerts as "
            + AUDITOR_ID
            + " (key id "
            + auditorKey.keyId()
            + ", private key in "
            + auditorKeyFile
            + ")");

    step.begin("Dashboard, REST API and server-sent events");
    api =
        AuditorApi.builder()
            .kafka(kafka)
            .registry(registry)
            .meterRegistry(meters)
            .host(o.httpHost())
            .access(
                ApiAccess.of(
                    o.httpHost(),
                    o.apiTokens() == null ? null : ApiTokens.load(o.apiTokens()),
                    Set.of()))
            .port(httpPort)
            .entityLookup(auditor.entityLookup(new HostInfo("localhost", httpPort)))
            .health(auditor::health)
            .silenceThreshold(o.scenario().silenceThreshold())
            .start();
    started.add(api);
    api.alerts()
        .onChange(
            change -> {
              if (change.isNew()) {
                alertsByType.merge(change.alert().getType().name(), 1L, Long::sum);
                firstAlert.countDown();
              }
            });
    step.done(dashboardUrl());

    step.begin("Simulator: honest replicas and injected faults");
    simulatorThread =
        new Thread(
            () -> {
              try {
                runRounds(o.scenario(), o.duration());
              } catch (RuntimeException e) {
                if (!closing) {
                  simulatorFailure = e;
                  LOG.error("the simulator stopped: {}", e.toString());
                }
              }
            },
            "herald-demo-simulator");
    simulatorThread.setDaemon(true);
    simulatorThread.start();
    step.done(
        String.format(
            "%.0f events/s, %d fault kinds, ground truth in %s",
            o.scenario().rate(),
            o.scenario().faults().size(),
            dataDir.resolve("ground-truth.jsonl")));

    // The Flink jobs last, once the first alert is out (or FLINK_AFTER has passed): they read their
    // topics from the start, and the first alerts need only the auditor, which would otherwise
    // share the two cores with the MiniCluster's start (16 s of CPU on a loaded 2-core machine).
    if (o.flink()) {
      try {
        firstAlert.await(FLINK_AFTER.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      step.begin("Flink jobs (availability, risk, consistency) in a local MiniCluster");
      JobClient job = startFlink(registryServer.url(), dataDir);
      started.add(
          () -> {
            try {
              job.cancel().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
              LOG.debug("flink cancel", e);
            }
          });
      step.done("jobId=" + job.getJobID());
    }
  }

  /** The auditor's key in {@code file}: written on the first run, read again on the next ones. */
  static Ed25519.KeyPair auditorKey(Path file) {
    try {
      if (Files.exists(file)) {
        return Ed25519.readPem(file);
      }
      Ed25519.KeyPair key = Ed25519.generate();
      Ed25519.writePem(file, key.privateKey());
      return key;
    } catch (IOException | IllegalArgumentException e) {
      throw new IllegalStateException(
          "cannot use the demo auditor's key "
              + file
              + ": "
              + e.getMessage()
              + "; delete it (or run the demo with --fresh) for a new one",
          e);
    }
  }

  /**
   * Registers {@code key} as {@link #AUDITOR_ID} with role auditor in {@code herald.nodes.v1}, as
   * {@code herald nodes register --role auditor} does; nothing if a former run did.
   */
  private static void registerAuditor(
      Properties kafka, SchemaRegistryClient registry, Ed25519.KeyPair key) {
    try (NodeDirectory nodes = new NodeDirectory(kafka, registry)) {
      NodeHistory.Entry last = nodes.read().history(AUDITOR_ID).map(NodeHistory::last).orElse(null);
      String keyHex = Hashing.hex(key.publicKey());
      if (last != null && last.registered() && last.status() == NodeStatus.ACTIVE) {
        if (last.publicKeyHex().equals(keyHex)) {
          return;
        }
        throw new IllegalStateException(
            AUDITOR_ID
                + " is registered with another key than the one in the data directory; run the"
                + " demo with --fresh");
      }
      nodes.write(
          NodeRecord.newBuilder()
              .setNodeId(AUDITOR_ID)
              .setDisplayName(AUDITOR_ID)
              .setPublicKey(ByteBuffer.wrap(key.publicKey()))
              .setRegion("")
              .setGroups(new ArrayList<>())
              .setStatus(NodeStatus.ACTIVE)
              .setRegisteredAt(Instant.now())
              .setRotatesFrom(null)
              .setRole("auditor")
              .build());
    }
  }

  /**
   * Rounds of the scenario's length (default 2 minutes), each with every fault the scenario plans,
   * until closed or until {@code total} has run (the last round is shorter if need be).
   */
  private void runRounds(Scenario scenario, Duration total) {
    Duration round = scenario.duration() != null ? scenario.duration() : DEFAULT_ROUND;
    Duration left = total;
    while (!closing && (left == null || (!left.isZero() && !left.isNegative()))) {
      Duration next = left == null || left.compareTo(round) > 0 ? round : left;
      simulator.run(next);
      left = left == null ? null : left.minus(next);
    }
  }

  private JobClient startFlink(String registryUrl, Path dataDir) {
    FlinkJobConfig config =
        FlinkJobConfig.builder(broker.bootstrapServers(), registryUrl)
            .window(Duration.ofSeconds(10))
            .silence(Duration.ofSeconds(5))
            .idleness(Duration.ofSeconds(10))
            .riskSlide(Duration.ofSeconds(30))
            .checkpointInterval(Duration.ofSeconds(5))
            .parallelism(1)
            .id("herald-demo")
            .build();
    Configuration memory = new Configuration();
    memory.setString("taskmanager.memory.network.min", FLINK_NETWORK_MEMORY);
    memory.setString("taskmanager.memory.network.max", FLINK_NETWORK_MEMORY);
    memory.setString("taskmanager.memory.managed.size", FLINK_MANAGED_MEMORY);
    StreamExecutionEnvironment env =
        HeraldFlinkMain.localEnvironment(1, memory, dataDir.resolve("flink-checkpoints"));
    try {
      return HeraldFlinkMain.start(env, "all", config);
    } catch (Exception e) {
      throw new IllegalStateException("the Flink jobs did not start: " + e.getMessage(), e);
    }
  }

  public String dashboardUrl() {
    String host = api.http().host();
    boolean local = ApiAccess.isWildcardHost(host) || host.equals("127.0.0.1");
    return "http://" + (local ? "localhost" : host) + ":" + api.http().port() + "/";
  }

  public String bootstrapServers() {
    return broker.bootstrapServers();
  }

  public String registryUrl() {
    return registryServer.url();
  }

  public Simulator simulator() {
    return simulator;
  }

  /** The exception that stopped the simulator, if it failed. */
  public Throwable simulatorFailure() {
    return simulatorFailure;
  }

  /** Waits until a bounded simulator run ends. */
  public void awaitSimulator() throws InterruptedException {
    simulatorThread.join();
  }

  /** What happened so far. */
  public Summary summary() {
    Simulator.Progress p = progress.get();
    double dlqCount =
        api.meters().find("herald.dlq.records").counters().stream()
            .mapToDouble(c -> c.count())
            .sum();
    return new Summary(
        p == null ? 0 : p.events(),
        p == null ? 0 : p.eventsPerSecond(),
        p == null ? 0 : p.faults(),
        new TreeMap<>(alertsByType),
        (long) dlqCount);
  }

  /** Stops everything, newest first. */
  @Override
  public void close() {
    closing = true;
    for (int i = started.size() - 1; i >= 0; i--) {
      try {
        started.get(i).close();
      } catch (Exception e) {
        LOG.warn("stopping a demo part failed: {}", e.toString());
      }
    }
    started.clear();
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException("no free local port: " + e.getMessage(), e);
    }
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot delete " + dir + " for --fresh: " + e.getMessage(), e);
    }
  }

  /** Prints numbered start-up steps with their duration. */
  private static final class Step {
    private final PrintStream out;
    private final int total;
    private int n;
    private long startedAt;

    Step(PrintStream out, int total) {
      this.out = out;
      this.total = total;
    }

    void begin(String what) {
      n++;
      startedAt = System.nanoTime();
      out.printf("[%d/%d] %s ... ", n, total, what);
      out.flush();
    }

    void done(String detail) {
      out.printf("ok (%.1f s) %s%n", (System.nanoTime() - startedAt) / 1e9, detail);
    }
  }
}
