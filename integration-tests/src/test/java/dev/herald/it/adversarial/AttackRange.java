package dev.herald.it.adversarial;

import static org.awaitility.Awaitility.await;

import dev.herald.auditor.HeraldAuditor;
import dev.herald.auditor.detect.EntityState;
import dev.herald.auditor.health.AuditorHealth;
import dev.herald.auditor.policy.AuditPolicy;
import dev.herald.auditor.policy.PolicyLoader;
import dev.herald.infra.registry.EmbeddedSchemaRegistry;
import dev.herald.infra.topics.TopicAdmin;
import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.it.support.RunningAuditor;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.DeadLetter;
import dev.herald.schema.Heartbeat;
import dev.herald.schema.HeartbeatStatus;
import dev.herald.schema.NodeRecord;
import dev.herald.schema.ReportBatch;
import dev.herald.schema.Topics;
import dev.herald.schema.canonical.Hashing;
import dev.herald.schema.registry.RestSchemaRegistryClient;
import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One attack's world: Herald's topics on a real broker (default broker limits), the embedded schema
 * registry, the real auditor ({@link HeraldAuditor}, exactly-once), a fleet of signing replicas
 * with background heartbeats, readers of the alert and dead-letter topics, and a watch on the
 * auditor's stream threads. Tests play honest traffic and the attack through {@link #fleet()} and
 * judge the outcome with {@link #verdict}.
 *
 * <pre>{@code
 * try (AttackRange range = AttackRange.on(kafka, "adv-x").start(stateDir)) {
 *   range.fleet().register(List.of("pay"), "n1", "n2", "n3");
 *   range.startAuditor();
 *   ...
 *   range.verdict("x").expect(Verdict.alert("DIVERGENCE").nodes("n3")).check();
 * }
 * }</pre>
 */
final class AttackRange implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AttackRange.class);

  /** Topics whose records a writer can stamp (the auditor's inputs). */
  static final Set<String> INPUT_TOPICS = Set.of(Topics.STATE_CHANGES, Topics.HEARTBEATS);

  private final KafkaBrokerExtension kafka;
  private final String applicationId;
  private final AuditPolicy policy;
  private final Path stateDir;
  private final Duration registryLatency;
  private final Properties auditorClient;
  private final dev.herald.auditor.ledger.AuditorIdentity auditorIdentity;
  private EmbeddedSchemaRegistry registry;
  private int registryPort;
  private final SchemaRegistryClient schemas;
  private final KafkaProducer<String, byte[]> honest;
  private final KafkaProducer<String, byte[]> raw;
  private final AttackFleet fleet;
  private final StreamThreadWatch watch;
  private final TopicTail<AuditAlert> alerts;
  private final TopicTail<DeadLetter> deadLetters;
  private final ScheduledExecutorService background = Executors.newScheduledThreadPool(1);
  private final Set<String> heartbeating = ConcurrentHashMap.newKeySet();
  private HeraldAuditor auditor;

  private AttackRange(Builder b, Path stateDir) throws Exception {
    this.kafka = b.kafka;
    this.applicationId = b.applicationId;
    this.policy = b.policy;
    this.stateDir = stateDir;
    this.registryLatency = b.registryLatency;
    this.auditorClient = b.auditorClient;
    this.auditorIdentity = b.auditorIdentity;
    createTopics(b.inputTimestampType);
    startRegistry();
    schemas = new RestSchemaRegistryClient(registry.url(), Map.of());
    // The test side knows every schema id before anything can go wrong with the registry.
    for (Map.Entry<String, Schema> e : schemasByTopic().entrySet()) {
      schemas.getById(schemas.register(AvroWireFormat.valueSubject(e.getKey()), e.getValue()));
    }
    honest = producer(true);
    raw = producer(false);
    fleet = new AttackFleet(honest, raw, schemas);
    watch = new StreamThreadWatch(applicationId);
    alerts =
        new TopicTail<>(
            kafka.clientProperties(),
            Topics.ALERTS,
            new AvroWireFormat<>(AuditAlert.class, schemas));
    deadLetters =
        new TopicTail<>(
            kafka.clientProperties(), Topics.DLQ, new AvroWireFormat<>(DeadLetter.class, schemas));
    background.scheduleAtFixedRate(this::beat, 0, 300, TimeUnit.MILLISECONDS);
  }

  /** A range on {@code kafka} (a broker without topics) for auditor application {@code id}. */
  static Builder on(KafkaBrokerExtension kafka, String applicationId) {
    return new Builder(kafka, applicationId);
  }

  private static Map<String, Schema> schemasByTopic() {
    return Map.of(
        Topics.STATE_CHANGES, ReportBatch.getClassSchema(),
        Topics.HEARTBEATS, Heartbeat.getClassSchema(),
        Topics.NODES, NodeRecord.getClassSchema(),
        Topics.ALERTS, AuditAlert.getClassSchema(),
        Topics.DLQ, DeadLetter.getClassSchema());
  }

  private void createTopics(String inputTimestampType) {
    List<Topics.Spec> specs = new ArrayList<>();
    for (Topics.Spec s : Topics.all()) {
      Map<String, String> configs = new HashMap<>(s.configs());
      if (inputTimestampType != null
          && (INPUT_TOPICS.contains(s.name()) || s.name().equals(Topics.NODES))) {
        configs.put("message.timestamp.type", inputTimestampType);
      }
      specs.add(new Topics.Spec(s.name(), s.key(), s.value(), s.partitions(), configs));
    }
    try (TopicAdmin admin = new TopicAdmin(kafka.clientProperties())) {
      admin.create(specs, (short) 1);
    }
  }

  private KafkaProducer<String, byte[]> producer(boolean idempotent) {
    Properties p = new Properties();
    p.putAll(kafka.clientProperties());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, idempotent);
    p.put(ProducerConfig.LINGER_MS_CONFIG, "2");
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000");
    // an attacker's records go up to the broker's limit (message.max.bytes, 1 MiB by default)
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(4 << 20));
    p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(64L << 20));
    return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
  }

  AttackFleet fleet() {
    return fleet;
  }

  String bootstrap() {
    return kafka.bootstrapServers();
  }

  HeraldAuditor auditor() {
    return auditor;
  }

  // ---- the auditor -----------------------------------------------------------------------------

  /** Starts the auditor and waits until both applications are RUNNING. */
  HeraldAuditor startAuditor() {
    startAuditorNoWait();
    RunningAuditor.awaitRunning(Duration.ofSeconds(90), auditor);
    return auditor;
  }

  /** Starts the auditor without waiting for it (it may wait for something, e.g. the registry). */
  HeraldAuditor startAuditorNoWait() {
    auditor =
        HeraldAuditor.start(
            RunningAuditor.config(
                    bootstrap(),
                    applicationId,
                    stateDir,
                    policy,
                    RemoteRegistry.over(
                        new RestSchemaRegistryClient(registryUrl(), Map.of()), registryLatency))
                .clientProperties(auditorClient)
                .auditorIdentity(auditorIdentity)
                .build());
    return auditor;
  }

  /**
   * The usual start of an attack: registers {@code nodes} as members of {@code group}, starts the
   * auditor and the nodes' heartbeats, and plays versions 1 to {@code rounds} of {@code entities};
   * returns once the auditor has closed the last of them.
   */
  void warmUp(String group, List<String> nodes, List<String> entities, long rounds)
      throws Exception {
    fleet.register(List.of(group), nodes.toArray(String[]::new));
    startAuditor();
    heartbeats(nodes.toArray(String[]::new));
    for (long v = 1; v <= rounds; v++) {
      fleet.round(group, nodes, entities, v);
    }
    if (rounds > 0) {
      awaitClosed(group, entities.get(0), rounds);
    }
  }

  /**
   * Stops the auditor (committing its work) and starts it again on the same state, without waiting
   * for it to run.
   */
  HeraldAuditor restartAuditor() {
    auditor.close();
    return startAuditorNoWait();
  }

  /**
   * {@code herald nodes rotate node}, once the auditor verifies against the new key (from then on
   * the fleet signs with it).
   */
  AttackFleet.Rotation rotate(String node) throws Exception {
    AttackFleet.Rotation rotation = fleet.rotate(node);
    String newKey = Hashing.hex(rotation.newKey().publicKey());
    await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .until(
            () ->
                auditor
                    .queries()
                    .registeredNode(node)
                    .map(r -> r.publicKeyHex().equals(newKey))
                    .orElse(false));
    return rotation;
  }

  /**
   * Waits until the auditor has closed version {@code v} of the entity: it has read everything sent
   * before (used to sequence an attack after honest traffic, never to judge).
   */
  void awaitClosed(String group, String entity, long v) {
    await()
        .atMost(Duration.ofSeconds(60))
        .ignoreExceptions()
        .until(
            () -> {
              Optional<EntityState> s = auditor.queries().entity(group, entity);
              return s.isPresent() && s.get().closedVersions().containsKey(v);
            });
  }

  /**
   * A sender's pacing, as the scenario plays it (an attacker that "waits 5 s", honest rounds at a
   * steady rate, an outage that lasts 10 s); never used to wait for the auditor.
   */
  static void pace(Duration d) throws InterruptedException {
    TimeUnit.MILLISECONDS.sleep(d.toMillis());
  }

  /**
   * Waits up to {@code atMost} for {@code condition} (e.g. that the auditor has handled an attack
   * before honest traffic goes on); returns whether it held. A condition that never holds is left
   * to the verdict to report.
   */
  static boolean awaitQuietly(Duration atMost, java.util.concurrent.Callable<Boolean> condition) {
    try {
      await().atMost(atMost).ignoreExceptions().until(condition);
      return true;
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      LOG.warn("condition not reached within {}", atMost);
      return false;
    }
  }

  /** Why the auditor is not alive and well, if it is not (empty when it is). */
  List<String> aliveProblems() {
    List<String> problems = new ArrayList<>();
    if (auditor != null && !auditor.state().equals("RUNNING/RUNNING")) {
      problems.add("auditor state is " + auditor.state() + ", not RUNNING/RUNNING");
    }
    List<String> replaced = watch.replacements();
    if (!replaced.isEmpty()) {
      problems.add(
          "stream threads replaced "
              + replaced.size()
              + " times; first: "
              + replaced.get(0)
              + (replaced.size() > 1 ? "; last: " + replaced.get(replaced.size() - 1) : ""));
    }
    if (auditor != null) {
      AuditorHealth h = auditor.health();
      // DEGRADED only because an input topic is CreateTime (as some attacks set up) is fine
      boolean onlyCreateTime =
          h.status() == AuditorHealth.Status.DEGRADED
              && h.reasons().stream().allMatch(r -> r.contains("CreateTime"));
      if (h.status() != AuditorHealth.Status.UP && !onlyCreateTime) {
        problems.add("health() is " + h.status() + ": " + h.reasons());
      }
    }
    return problems;
  }

  // ---- the schema registry ---------------------------------------------------------------------

  String registryUrl() {
    return "http://127.0.0.1:" + registryPort;
  }

  /** Starts the registry (again on the same port after {@link #stopRegistry}). */
  void startRegistry() {
    registry =
        EmbeddedSchemaRegistry.builder().bootstrapServers(bootstrap()).port(registryPort).start();
    registryPort = registry.port();
  }

  /** An outage: the registry stops answering (connections are refused). */
  void stopRegistry() {
    registry.close();
    registry = null;
  }

  // ---- heartbeats ------------------------------------------------------------------------------

  /** From now on {@code nodes} send a heartbeat every 300 ms. */
  void heartbeats(String... nodes) {
    heartbeating.addAll(List.of(nodes));
  }

  /** {@code node} stops sending heartbeats (it crashed, or was stopped). */
  void silence(String node) {
    heartbeating.remove(node);
  }

  private void beat() {
    for (String node : heartbeating) {
      try {
        fleet.heartbeat(node, HeartbeatStatus.UP);
      } catch (Exception e) {
        LOG.warn("heartbeat of {} failed: {}", node, e.toString());
      }
    }
  }

  // ---- what the auditor wrote ------------------------------------------------------------------

  List<AuditAlert> alerts() {
    return alerts.all();
  }

  List<DeadLetter> deadLetters() {
    return deadLetters.all();
  }

  /** The honest outcome of attack {@code name}, to be filled in and checked. */
  Verdict verdict(String name) {
    return new Verdict(this, name);
  }

  @Override
  public void close() throws Exception {
    background.shutdownNow();
    background.awaitTermination(10, TimeUnit.SECONDS);
    if (auditor != null) {
      auditor.close();
    }
    alerts.close();
    deadLetters.close();
    honest.close();
    raw.close();
    if (registry != null) {
      registry.close();
    }
    watch.close();
  }

  /** Settings of a range. */
  static final class Builder {
    private final KafkaBrokerExtension kafka;
    private final String applicationId;
    private AuditPolicy policy = AuditPolicy.DEFAULT;
    private String policyYaml = "";
    private String inputTimestampType;
    private Duration registryLatency = Duration.ZERO;
    private final Properties auditorClient = new Properties();
    private dev.herald.auditor.ledger.AuditorIdentity auditorIdentity;

    private Builder(KafkaBrokerExtension kafka, String applicationId) {
      this.kafka = kafka;
      this.applicationId = applicationId;
    }

    /** The auditor's id and signing key; default: a fresh unregistered key. */
    Builder auditorIdentity(dev.herald.auditor.ledger.AuditorIdentity identity) {
      auditorIdentity = identity;
      return this;
    }

    /** The auditor's policy (YAML, as in docs/policy.md); default: the built-in policy. */
    Builder policy(String yaml) {
      policyYaml = yaml;
      policy = PolicyLoader.parse(yaml);
      return this;
    }

    /**
     * How long a rotated-out key is honoured, where the policy has that setting ({@code
     * time.keyRotationGrace}, issue #13); before it, the old key's grace was the report grace (2 s
     * by default) and the setting is left out.
     */
    Builder keyRotationGrace(Duration grace) {
      String time = "time:\n  keyRotationGrace: " + grace.toMillis() + "ms\n";
      try {
        PolicyLoader.parse(time);
      } catch (dev.herald.auditor.policy.PolicyException e) {
        LOG.info("this auditor has no time.keyRotationGrace; its old key's grace is the report's");
        return this;
      }
      return policy(policyYaml + "\n" + time);
    }

    /**
     * Input topics with {@code message.timestamp.type=CreateTime}, as {@code herald topics create}
     * made them before issue #13 (and as an operator may still configure them): writers choose
     * their records' timestamps.
     */
    Builder inputTopicsCreateTime() {
      inputTimestampType = "CreateTime";
      return this;
    }

    /**
     * The auditor reaches the registry over a network with this round-trip time (each schema lookup
     * by id that the auditor's own caches do not answer pays it), as a registry on another host
     * would; default: none (same JVM).
     */
    Builder registryLatency(Duration latency) {
      registryLatency = latency;
      return this;
    }

    /** A Kafka client setting of the auditor (its {@code clientProperties}). */
    Builder auditorClient(String key, String value) {
      auditorClient.put(key, value);
      return this;
    }

    AttackRange start(Path stateDir) throws Exception {
      return new AttackRange(this, stateDir);
    }
  }
}
