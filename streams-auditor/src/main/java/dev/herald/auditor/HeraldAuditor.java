package dev.herald.auditor;

import dev.herald.auditor.api.EntityStateLookup;
import dev.herald.auditor.api.KafkaStreamsEntityLookup;
import dev.herald.auditor.health.AuditorHealth;
import dev.herald.auditor.health.RegistryRetry;
import dev.herald.auditor.health.StreamThreadFailures;
import dev.herald.auditor.ledger.AuditLog;
import dev.herald.auditor.ledger.AuditorIdentity;
import dev.herald.auditor.output.GuardedClientSupplier;
import dev.herald.auditor.output.OutputDeadLetters;
import dev.herald.auditor.output.OutputLimits;
import dev.herald.auditor.store.AuditorRocksDb;
import dev.herald.auditor.topology.AuditorStores;
import dev.herald.auditor.topology.AuditorTopology;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.ConsistencyVerdict;
import dev.herald.schema.DeadLetter;
import dev.herald.schema.LogLeaf;
import dev.herald.schema.Topics;
import dev.herald.schema.TreeHead;
import dev.herald.schema.registry.RememberingSchemaRegistryClient;
import dev.herald.schema.registry.RestSchemaRegistryClient;
import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.signing.Ed25519Provider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.UsePartitionTimeOnInvalidTimestamp;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running auditor: two Kafka Streams applications with {@code processing.guarantee =
 * exactly_once_v2} — reconciliation ({@code applicationId}) and identity ({@code
 * applicationId-identity}). Start several instances with the same application id to share the
 * partitions.
 *
 * <p>What keeps it auditing:
 *
 * <ul>
 *   <li>The schema registry it is given is wrapped in a {@link RememberingSchemaRegistryClient}
 *       that keeps what it learned in {@code <stateDir>/herald-schemas.json}: after a restart,
 *       honest traffic is read (and alerts and dead letters written) without the registry; input
 *       with a schema id never seen waits for it ({@link RegistryRetry}), it is never skipped.
 *   <li>Every output goes through a size guard ({@link GuardedClientSupplier}): an output its topic
 *       would refuse is dead-lettered as {@code OUTPUT_TOO_LARGE} instead of failing the
 *       exactly-once transaction in a loop ({@link OutputDeadLetters}).
 *   <li>A failed stream thread is replaced after a growing back-off ({@link StreamThreadFailures}).
 *   <li>{@link #health()} says UP, DEGRADED or DOWN with the reasons.
 * </ul>
 *
 * <p>{@link #start} returns once both applications are started, or after {@value #START_WAIT_MS} ms
 * when starting waits longer (the global registry store waits for the schema registry to decode a
 * registration it has never seen): starting then goes on in the background and {@link #health()}
 * tells why.
 *
 * <pre>{@code
 * try (HeraldAuditor auditor = HeraldAuditor.start(config)) {
 *   auditor.awaitRunning(Duration.ofSeconds(60));
 *   AuditorQueries queries = auditor.queries();
 * }
 * }</pre>
 */
public final class HeraldAuditor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HeraldAuditor.class);

  /** Default {@code commit.interval.ms} (override in {@link AuditorConfig#clientProperties()}). */
  static final int COMMIT_INTERVAL_MS = 1_000;

  /** How long {@link #start} waits for both applications to start before returning. */
  static final long START_WAIT_MS = 10_000;

  /** Input whose committed offset does not move this long while records wait is stuck. */
  static final Duration STUCK_AFTER = Duration.ofSeconds(60);

  /** The file in the state directory where learned schema ids are kept. */
  public static final String SCHEMAS_FILE = "herald-schemas.json";

  private final AuditorConfig config;
  private final RememberingSchemaRegistryClient registry;
  private final KafkaStreams reconciliation;
  private final KafkaStreams identity;
  private final EndOffsetWatcher frontier;
  private final EndOffsetWatcher registrations;
  private final StreamThreadFailures reconciliationFailures;
  private final StreamThreadFailures identityFailures;
  private final Thread starter;
  private final ScheduledExecutorService registryProbe;
  private volatile String startFailure;
  private AuditorStreamsMetrics streamsMetrics;

  private HeraldAuditor(
      AuditorConfig config,
      RememberingSchemaRegistryClient registry,
      KafkaStreams reconciliation,
      KafkaStreams identity,
      EndOffsetWatcher frontier,
      EndOffsetWatcher registrations,
      StreamThreadFailures reconciliationFailures,
      StreamThreadFailures identityFailures) {
    this.frontier = frontier;
    this.registrations = registrations;
    this.config = config;
    this.registry = registry;
    this.reconciliation = reconciliation;
    this.identity = identity;
    this.reconciliationFailures = reconciliationFailures;
    this.identityFailures = identityFailures;
    this.starter = new Thread(this::startStreams, "herald-auditor-start");
    starter.setDaemon(true);
    // A registry marked unreachable is asked again every few seconds: with every schema
    // remembered nothing else would call it, and health would never see it come back.
    this.registryProbe =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "herald-registry-probe");
              t.setDaemon(true);
              return t;
            });
    registryProbe.scheduleWithFixedDelay(registry::probe, 5, 5, TimeUnit.SECONDS);
  }

  /** Builds both topologies and starts them. */
  public static HeraldAuditor start(AuditorConfig config) {
    LOG.info(
        "Ed25519 implementation: {} (herald.ed25519.provider to choose; Corretto: {})",
        Ed25519Provider.selected().label(),
        Ed25519Provider.CORRETTO.available() ? "available" : Ed25519Provider.correttoProblem());
    int partitions =
        config.stateChangePartitions() > 0
            ? config.stateChangePartitions()
            : lookUpPartitions(config, Topics.STATE_CHANGES);
    int heartbeatPartitions = lookUpPartitions(config, Topics.HEARTBEATS);
    // operators' acknowledgements are an input too: fail now, with the fix, if the topic is missing
    lookUpPartitions(config, Topics.ALERT_ACKS);
    Path stateDir = stateDir(config);
    RememberingSchemaRegistryClient registry = remembering(config, stateDir);
    EndOffsetWatcher frontier =
        new EndOffsetWatcher(
            config.bootstrapServers(),
            config.clientProperties(),
            config.applicationId(),
            List.of(Topics.HEARTBEATS, Topics.STATE_CHANGES),
            Duration.ofMillis(500));
    EndOffsetWatcher registrations =
        new EndOffsetWatcher(
            config.bootstrapServers(),
            config.clientProperties(),
            config.applicationId() + "-identity",
            List.of(Topics.NODES),
            Duration.ofSeconds(2));
    Topology main =
        AuditorTopology.reconciliation(
            config.policies(),
            registry,
            config.meters(),
            partitions,
            heartbeatPartitions,
            frontier);
    Topology ids = AuditorTopology.identity(config.policies(), registry, config.meters());
    Properties reconciliationProps = streamsProperties(config, config.applicationId(), stateDir);
    OutputLimits limits = outputLimits(config, reconciliationProps);
    OutputDeadLetters deadLetters = new OutputDeadLetters(registry, limits, config.meters());
    reconciliationProps.put(OutputDeadLetters.CONFIG, deadLetters);
    Properties identityProps =
        streamsProperties(config, config.applicationId() + "-identity", stateDir);
    identityProps.put(OutputDeadLetters.CONFIG, deadLetters);
    AuditorIdentity me = config.auditorIdentity();
    if (me == null) {
      me = AuditorIdentity.ephemeral();
      LOG.warn(
          "no auditor key configured: alerts are signed with a fresh key no registry knows"
              + " auditorId={} keyId={}; run 'herald nodes register --role auditor' and start the"
              + " auditor with --auditor-key",
          me.auditorId(),
          me.key().keyId());
    }
    reconciliationProps.put(AuditLog.CONFIG, me);
    identityProps.put(AuditLog.CONFIG, me);
    GuardedClientSupplier clients = new GuardedClientSupplier(limits);
    KafkaStreams reconciliation = new KafkaStreams(main, reconciliationProps, clients);
    KafkaStreams identity = new KafkaStreams(ids, identityProps, clients);
    StreamThreadFailures reconciliationFailures = new StreamThreadFailures(config.applicationId());
    StreamThreadFailures identityFailures =
        new StreamThreadFailures(config.applicationId() + "-identity");
    reconciliation.setUncaughtExceptionHandler(reconciliationFailures);
    identity.setUncaughtExceptionHandler(identityFailures);
    LOG.info(
        "starting auditor applicationId={} bootstrap={} stateChangePartitions={}",
        config.applicationId(),
        config.bootstrapServers(),
        partitions);
    HeraldAuditor auditor =
        new HeraldAuditor(
            config,
            registry,
            reconciliation,
            identity,
            frontier,
            registrations,
            reconciliationFailures,
            identityFailures);
    auditor.streamsMetrics =
        AuditorStreamsMetrics.bind(
            config.meters(), Map.of("reconciliation", reconciliation, "identity", identity));
    auditor.starter.start();
    try {
      auditor.starter.join(START_WAIT_MS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (auditor.startFailure != null) {
      auditor.close();
      throw new IllegalStateException("the auditor did not start: " + auditor.startFailure);
    }
    if (auditor.starter.isAlive()) {
      LOG.warn(
          "the auditor is still starting after {} ms (the global registry store waits for"
              + " registrations to decode; is the schema registry down?); starting goes on in the"
              + " background, see /health",
          START_WAIT_MS);
    }
    return auditor;
  }

  private void startStreams() {
    learnOutputSchemas();
    try {
      identity.start();
      reconciliation.start();
    } catch (RuntimeException e) {
      startFailure =
          e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
      LOG.error("the auditor did not start: {}", startFailure);
      LOG.debug("start failure", e);
    }
  }

  /**
   * Registers the schemas of the auditor's outputs now, while the registry may be up, so that the
   * remembering client knows their ids and alerts, dead letters, verdicts and the audit log can be
   * written in a later run that starts while the registry is down. Best effort: the outputs
   * register them anyway.
   */
  private void learnOutputSchemas() {
    for (Map.Entry<String, Schema> output :
        Map.of(
                Topics.ALERTS, AuditAlert.getClassSchema(),
                Topics.DLQ, DeadLetter.getClassSchema(),
                Topics.VERDICTS, ConsistencyVerdict.getClassSchema(),
                Topics.AUDIT_LOG, LogLeaf.getClassSchema(),
                Topics.TREE_HEADS, TreeHead.getClassSchema())
            .entrySet()) {
      try {
        registry.register(AvroWireFormat.valueSubject(output.getKey()), output.getValue());
      } catch (RuntimeException e) {
        LOG.debug("cannot register the {} schema now: {}", output.getKey(), e.toString());
      }
    }
  }

  private static Path stateDir(AuditorConfig config) {
    try {
      return config.stateDir() != null
          ? config.stateDir()
          : Files.createTempDirectory("herald-auditor-state");
    } catch (IOException e) {
      throw new IllegalStateException("cannot create a state directory: " + e.getMessage(), e);
    }
  }

  /**
   * The registry client the topologies use: it remembers what the registry told it, in the state
   * directory when the registry is a REST one (an in-memory registry's ids last one process).
   */
  private static RememberingSchemaRegistryClient remembering(AuditorConfig config, Path stateDir) {
    SchemaRegistryClient given = config.schemaRegistry();
    if (given instanceof RememberingSchemaRegistryClient r) {
      return r;
    }
    if (given instanceof RestSchemaRegistryClient rest) {
      return new RememberingSchemaRegistryClient(
          given, stateDir.resolve(SCHEMAS_FILE), rest.baseUrl());
    }
    return new RememberingSchemaRegistryClient(given, null, given.getClass().getName());
  }

  /**
   * What each output topic accepts: the DLQ's and the alerts topic's {@code max.message.bytes} as
   * the broker describes them (their {@link Topics} values when it cannot), Kafka Streams' internal
   * topics {@link Topics#INTERNAL_MAX_MESSAGE_BYTES} (set below), all capped by the producer's
   * {@code max.request.size}.
   */
  private static OutputLimits outputLimits(AuditorConfig config, Properties streams) {
    Object requestSize =
        streams.get(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG));
    int producerMax =
        requestSize == null ? 1 << 20 : Integer.parseInt(requestSize.toString().trim());
    Map<String, Integer> byTopic = new HashMap<>();
    byTopic.put(Topics.DLQ, Topics.DLQ_MAX_MESSAGE_BYTES);
    byTopic.put(Topics.ALERTS, Topics.ALERTS_MAX_MESSAGE_BYTES);
    Properties p = new Properties();
    p.putAll(config.clientProperties());
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
    try (Admin admin = Admin.create(p)) {
      admin
          .describeConfigs(
              List.of(
                  new ConfigResource(ConfigResource.Type.TOPIC, Topics.DLQ),
                  new ConfigResource(ConfigResource.Type.TOPIC, Topics.ALERTS)))
          .all()
          .get(10, TimeUnit.SECONDS)
          .forEach(
              (resource, topicConfig) -> {
                ConfigEntry max = topicConfig.get("max.message.bytes");
                if (max != null && max.value() != null) {
                  byTopic.put(resource.name(), Integer.parseInt(max.value()));
                }
              });
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      LOG.warn(
          "cannot read max.message.bytes of {} and {} ({}); assuming {} and {} bytes",
          Topics.DLQ,
          Topics.ALERTS,
          e.toString(),
          Topics.DLQ_MAX_MESSAGE_BYTES,
          Topics.ALERTS_MAX_MESSAGE_BYTES);
    }
    byTopic.replaceAll((topic, max) -> Math.min(max, producerMax));
    return new OutputLimits(byTopic, Math.min(Topics.INTERNAL_MAX_MESSAGE_BYTES, producerMax));
  }

  /** The Kafka Streams properties the auditor runs with. */
  static Properties streamsProperties(AuditorConfig config, String applicationId, Path stateDir) {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
    p.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
    // A record of an internal topic this version cannot read (a finding of another version) is
    // dead-lettered with its bytes, not dropped; an output too large for its topic likewise.
    p.put(
        StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
        OutputDeadLetters.Deserialization.class);
    p.put(
        StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG,
        OutputDeadLetters.Production.class);
    p.put(
        StreamsConfig.DEFAULT_TIMESTAMP_EXTRACTOR_CLASS_CONFIG,
        UsePartitionTimeOnInvalidTimestamp.class);
    // An exactly-once commit is a transaction round trip; findings, dead letters and alerts of
    // fresh input ask for an early commit (PromptCommits), so the interval only bounds how long
    // honest traffic and catch-up work wait to be committed.
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, COMMIT_INTERVAL_MS);
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    p.put(
        StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG),
        Topics.INTERNAL_MAX_MESSAGE_BYTES);
    // Changelog and repartition topics take every record the producer may send.
    p.put(
        StreamsConfig.topicPrefix(TopicConfig.MAX_MESSAGE_BYTES_CONFIG),
        Integer.toString(Topics.INTERNAL_MAX_MESSAGE_BYTES));
    // With transactions v2 the first send after a commit often meets CONCURRENT_TRANSACTIONS
    // while the commit completes; retry it quickly instead of after the default 100 ms.
    p.put(StreamsConfig.producerPrefix(ProducerConfig.RETRY_BACKOFF_MS_CONFIG), 10);
    // A stream thread keeps processing what it has buffered before it polls again (for up to half
    // of max.poll.interval.ms), so a task whose buffer ran dry waits for the others: with 1,000
    // buffered report batches per partition (up to 256 reports each) that was tens of seconds on
    // a busy machine, in which that task read no heartbeat. Small buffers bound that wait.
    p.put(StreamsConfig.BUFFERED_RECORDS_PER_PARTITION_CONFIG, 64);
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_POLL_RECORDS_CONFIG), 256);
    p.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, -1L);
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toAbsolutePath().toString());
    // one bounded block cache and memtable budget for every store of the process (AuditorRocksDb)
    p.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, AuditorRocksDb.class);
    p.putAll(config.clientProperties());
    AuditorTopology.checkWriteBackSettings(p);
    return p;
  }

  private static int lookUpPartitions(AuditorConfig config, String topic) {
    Properties p = new Properties();
    p.putAll(config.clientProperties());
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
    try (Admin admin = Admin.create(p)) {
      TopicDescription d =
          admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
      return d.partitions().size();
    } catch (Exception e) {
      throw new IllegalStateException(
          "cannot describe topic "
              + topic
              + " at "
              + config.bootstrapServers()
              + " ("
              + e.getMessage()
              + "); create the topics first (herald topics)",
          e);
    }
  }

  /** Waits until both applications are RUNNING. */
  public boolean awaitRunning(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (reconciliation.state() == KafkaStreams.State.RUNNING
          && identity.state() == KafkaStreams.State.RUNNING) {
        return true;
      }
      try {
        TimeUnit.MILLISECONDS.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return false;
  }

  /** The states of the two applications, e.g. {@code RUNNING/RUNNING}. */
  public String state() {
    return reconciliation.state() + "/" + identity.state();
  }

  /** Read API over this instance's stores (and routing metadata for the others). */
  public AuditorQueries queries() {
    return new AuditorQueries(reconciliation);
  }

  /**
   * Entity lookups for the REST API: read locally when this instance owns the key, else route to
   * the owner. {@code self} must equal this instance's {@code application.server}.
   */
  public EntityStateLookup entityLookup(HostInfo self) {
    AuditorQueries queries = queries();
    return new KafkaStreamsEntityLookup(
        reconciliation, AuditorStores.ENTITIES, self, queries::entityById);
  }

  public AuditorConfig config() {
    return config;
  }

  /**
   * Whether the auditor is auditing:
   *
   * <ul>
   *   <li>DOWN while it did not start, an application is not running (ERROR, shut down), its stream
   *       threads failed {@value StreamThreadFailures#DOWN_AFTER} or more times in 5 minutes, or
   *       committed input has not advanced for {@code 60 s} although records wait;
   *   <li>DEGRADED while an application is starting or rebalancing, a stream thread failed and was
   *       replaced in the last 5 minutes, the schema registry is unreachable (input waits when it
   *       carries a schema id never seen; stuck input is then reported here rather than as DOWN,
   *       since restarting does not help), an input topic is on {@code CreateTime}, or input
   *       progress cannot be read;
   *   <li>UP otherwise.
   * </ul>
   */
  public AuditorHealth health() {
    AuditorHealth.Builder h = AuditorHealth.builder();
    if (startFailure != null) {
      h.down("the auditor did not start: " + startFailure);
    }
    boolean running = true;
    for (Map.Entry<String, KafkaStreams> app :
        Map.of(
                config.applicationId(),
                reconciliation,
                config.applicationId() + "-identity",
                identity)
            .entrySet()) {
      KafkaStreams.State state = app.getValue().state();
      switch (state) {
        case RUNNING -> {}
        case CREATED, REBALANCING -> {
          running = false;
          h.degraded(app.getKey() + " is " + state + " (starting, restoring or rebalancing)");
        }
        default -> {
          running = false;
          h.down(app.getKey() + " is " + state + "; restart the auditor (see its log)");
        }
      }
    }
    for (StreamThreadFailures failures : List.of(reconciliationFailures, identityFailures)) {
      failures.downReasons().forEach(h::down);
      failures.degradedReasons().forEach(h::degraded);
    }
    RememberingSchemaRegistryClient.Status registryStatus = registry.status();
    boolean registryDown = !registryStatus.reachable();
    if (registryDown) {
      h.degraded(
          "schema registry unreachable since "
              + registryStatus.since()
              + " ("
              + registryStatus.lastError()
              + "); records with a schema id never seen wait, none is skipped");
    }
    long now = System.currentTimeMillis();
    List<String> stuck = new ArrayList<>(frontier.stuck(now, STUCK_AFTER));
    stuck.addAll(registrations.stuck(now, STUCK_AFTER));
    for (String partition : stuck) {
      String reason = "input not advancing: " + partition;
      if (registryDown) {
        h.degraded(reason + " (waiting for the schema registry)");
      } else if (running) {
        h.down(reason);
      }
    }
    Map<String, String> createTime = new TreeMap<>(frontier.notOnBrokerTime());
    createTime.putAll(registrations.notOnBrokerTime());
    createTime.forEach(
        (topic, type) ->
            h.degraded(
                "warning: input topic "
                    + topic
                    + " has "
                    + Topics.TIMESTAMP_TYPE
                    + "="
                    + type
                    + ", so its writers choose the time the auditor judges by; fix: kafka-configs.sh"
                    + " --alter --entity-type topics --entity-name "
                    + topic
                    + " --add-config "
                    + Topics.TIMESTAMP_TYPE
                    + "="
                    + Topics.LOG_APPEND_TIME));
    for (EndOffsetWatcher w : List.of(frontier, registrations)) {
      String unreadable = w.unreadable();
      if (unreadable != null) {
        h.degraded(
            "cannot read input offsets (needs Describe on the input topics and the group): "
                + unreadable);
      }
    }
    return h.build();
  }

  /** Stops both applications, committing their work. */
  @Override
  public void close() {
    LOG.info("stopping auditor applicationId={}", config.applicationId());
    // Unblock whatever waits: thread replacements and records waiting for the registry.
    reconciliationFailures.close();
    identityFailures.close();
    registry.close();
    // Leave the consumer groups (Kafka Streams stays in them by default): otherwise the next start
    // of this instance, or another instance taking over its partitions, waits for the group to
    // time this member out (session.timeout.ms, 45 s) before any task runs again — seen as a
    // 43 s start of the demo's second run.
    CloseOptions leave =
        CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
            .withTimeout(Duration.ofSeconds(30));
    reconciliation.close(leave);
    identity.close(leave);
    try {
      starter.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    frontier.close();
    registrations.close();
    registryProbe.shutdownNow();
    if (streamsMetrics != null) {
      streamsMetrics.close();
    }
  }
}
