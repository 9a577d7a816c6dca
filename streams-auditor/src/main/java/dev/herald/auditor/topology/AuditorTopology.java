package dev.herald.auditor.topology;

import dev.herald.auditor.detect.Finding;
import dev.herald.auditor.health.RegistryRetry;
import dev.herald.auditor.identity.NodeHistory;
import dev.herald.auditor.ledger.AuditLog;
import dev.herald.auditor.policy.AuditPolicy;
import dev.herald.auditor.store.BufferedRangeStore;
import dev.herald.auditor.store.DecodedValueCache;
import dev.herald.auditor.store.JsonSerde;
import dev.herald.auditor.store.StoreSerdes;
import dev.herald.auditor.store.WriteBackStore;
import dev.herald.schema.AlertAck;
import dev.herald.schema.ConsistencyVerdict;
import dev.herald.schema.ConsistencyWindow;
import dev.herald.schema.DeadLetter;
import dev.herald.schema.Heartbeat;
import dev.herald.schema.NodeRecord;
import dev.herald.schema.ReportBatch;
import dev.herald.schema.Topics;
import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.serde.HeraldSerde;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * Wires the detectors into Kafka Streams topologies; contains no detection logic.
 *
 * <p>The reconciliation topology: {@code herald.state-changes.v1} → {@link ReportBatchProcessor}
 * (stores entities, deadlines, node ledgers, evidence) and {@code herald.heartbeats.v1} → {@link
 * HeartbeatProcessor} (liveness); both read the global registry from {@code herald.nodes.v1}. Dead
 * letters go to {@code herald.dlq.v1}; findings are repartitioned by node (or identity) to {@link
 * AlertLifecycleProcessor}, whose alerts {@link AuditLog} signs, logs and publishes to {@code
 * herald.alerts.v1}. Reports are never repartitioned: a batch holds only entities of its own
 * partition.
 *
 * <p>The identity topology reads {@code herald.nodes.v1} as a stream (a topic cannot be a global
 * store and a stream source of one topology, hence a second application).
 *
 * <pre>{@code
 * Topology topology = AuditorTopology.reconciliation(policy, registryClient, meters, 6);
 * }</pre>
 */
public final class AuditorTopology {
  /** Decoded entity states kept per task (those written recently: their versions are open). */
  static final int ENTITY_CACHE = 1024;

  /**
   * Entity versions' claims kept per task (the versions written recently: their replicas report).
   */
  static final int CLAIMS_CACHE = 4096;

  /** Decoded node ledgers kept per task (one per node). */
  static final int LEDGER_CACHE = 1024;

  /**
   * Lifecycle entries kept per task: an entity's last-write entry (and, for a new one, its index
   * entry) for each entity written recently, and the per-node open-entity counts.
   */
  static final int LIFECYCLE_CACHE = 4096;

  /**
   * The stores behind a write-back cache, whose capacity a Streams property may set ({@code
   * herald.writeback.<store>.entries}, {@link WriteBackStore#CAPACITY_CONFIG_PREFIX}).
   */
  public static final Set<String> WRITE_BACK_STORES =
      Set.of(
          AuditorStores.ENTITIES,
          AuditorStores.CLAIMS,
          AuditorStores.NODE_LEDGERS,
          AuditorStores.ENTITY_LIFECYCLE);

  private AuditorTopology() {}

  /**
   * Checks the write-back cache settings among the Streams properties {@code p}: each names a
   * write-back store and a positive number of entries.
   *
   * @throws IllegalArgumentException naming the setting and what is allowed
   */
  public static void checkWriteBackSettings(Map<?, ?> p) {
    String prefix = WriteBackStore.CAPACITY_CONFIG_PREFIX;
    String suffix = WriteBackStore.CAPACITY_CONFIG_SUFFIX;
    for (Object k : p.keySet()) {
      String key = String.valueOf(k);
      if (!key.startsWith(prefix)) {
        continue;
      }
      String store =
          key.endsWith(suffix)
              ? key.substring(prefix.length(), key.length() - suffix.length())
              : "";
      if (!WRITE_BACK_STORES.contains(store)) {
        throw new IllegalArgumentException(
            "unknown setting "
                + key
                + ": write-back caches are set as "
                + prefix
                + "<store>"
                + suffix
                + ", <store> one of "
                + new TreeSet<>(WRITE_BACK_STORES));
      }
      WriteBackStore.capacity(p, store, 1);
    }
  }

  /**
   * The main topology.
   *
   * @param policy audit policy
   * @param schemas schema registry client for the wire format
   * @param meters where counters go
   * @param stateChangePartitions partitions of {@code herald.state-changes.v1} (to check that a
   *     batch's entities belong to its partition); 0 disables that check
   */
  public static Topology reconciliation(
      AuditPolicy policy,
      SchemaRegistryClient schemas,
      MeterRegistry meters,
      int stateChangePartitions) {
    return reconciliation(policy, schemas, meters, stateChangePartitions, InputFrontier.NONE);
  }

  /**
   * The main topology, judging silence against {@code frontier} (how far the application has read
   * the heartbeat topic; see {@link InputFrontier}).
   */
  public static Topology reconciliation(
      AuditPolicy policy,
      SchemaRegistryClient schemas,
      MeterRegistry meters,
      int stateChangePartitions,
      InputFrontier frontier) {
    return reconciliation(policy, schemas, meters, stateChangePartitions, 0, frontier);
  }

  /**
   * The main topology, also checking that each heartbeat is on its node's partition of {@code
   * herald.heartbeats.v1} ({@code heartbeatPartitions} partitions; 0 disables that check).
   */
  public static Topology reconciliation(
      AuditPolicy policy,
      SchemaRegistryClient schemas,
      MeterRegistry meters,
      int stateChangePartitions,
      int heartbeatPartitions,
      InputFrontier frontier) {
    return reconciliation(
        () -> policy, schemas, meters, stateChangePartitions, heartbeatPartitions, frontier);
  }

  /**
   * The main topology with a reloadable policy: its processors read {@code policies} as records and
   * checks come, so a reloaded policy applies without a restart.
   */
  public static Topology reconciliation(
      Supplier<AuditPolicy> policies,
      SchemaRegistryClient schemas,
      MeterRegistry meters,
      int stateChangePartitions,
      int heartbeatPartitions,
      InputFrontier frontier) {
    AuditorMetrics metrics = new AuditorMetrics(meters);
    AvroWireFormat<ReportBatch> batches = new AvroWireFormat<>(ReportBatch.class, schemas);
    AvroWireFormat<Heartbeat> heartbeats = new AvroWireFormat<>(Heartbeat.class, schemas);
    AvroWireFormat<NodeRecord> nodes = new AvroWireFormat<>(NodeRecord.class, schemas);
    StreamsBuilder builder = new StreamsBuilder();
    RegistryChanges registryChanges = new RegistryChanges();
    builder.addGlobalStore(
        Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(AuditorStores.REGISTRY),
                Serdes.String(),
                new DecodedValueCache<>(new JsonSerde<>(NodeHistory.class), 4096))
            .withLoggingDisabled(),
        Topics.NODES,
        Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("registry-source"),
        () -> new RegistryUpdater(nodes, registryChanges));
    // entities and node ledgers change with nearly every batch: decoded, and written back once
    // per commit (WriteBackStore)
    builder.addStateStore(
        WriteBackStore.builder(
            Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(AuditorStores.ENTITIES),
                Serdes.String(),
                StoreSerdes.entityStates()),
            ENTITY_CACHE));
    // most versions' grace deadlines are added and removed within one commit: kept in a buffer
    // until the commit, so those are never written (BufferedRangeStore)
    builder.addStateStore(
        BufferedRangeStore.builder(
            Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(AuditorStores.DEADLINES),
                Serdes.Bytes(),
                Serdes.ByteArray())));
    // the replicas' claims of a version arrive within moments: one value per version, written
    // back once per commit (ClaimStore)
    builder.addStateStore(
        WriteBackStore.builder(
            Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(AuditorStores.CLAIMS),
                Serdes.Bytes(),
                Serdes.ByteArray()),
            CLAIMS_CACHE));
    // every batch that touches an entity rewrites its last-write entry: written back once per
    // commit too (the bytes and keys are those of the store without the cache)
    builder.addStateStore(lifecycleStore());
    builder.addStateStore(
        WriteBackStore.builder(
            Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(AuditorStores.NODE_LEDGERS),
                Serdes.String(),
                StoreSerdes.nodeLedgers()),
            LEDGER_CACHE));
    // Evidence bytes are a convenience (the coordinates are always in the alert): not logged.
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(AuditorStores.EVIDENCE),
                Serdes.String(),
                Serdes.ByteArray())
            .withLoggingDisabled());
    addPersistentStore(builder, AuditorStores.LIVENESS, Serdes.String(), StoreSerdes.liveness());
    addPersistentStore(
        builder, AuditorStores.ALERT_BOOK, Serdes.String(), StoreSerdes.alertRecords());

    KStream<String, Emission> fromReports =
        builder.stream(
                Topics.STATE_CHANGES,
                Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("report-batches"))
            .process(PromptCommits.Input::new, Named.as("report-batches-read"))
            .process(
                () ->
                    new ReportBatchProcessor(
                        policies,
                        // a registry outage waits (and at worst re-reads), never dead-letters
                        v ->
                            RegistryRetry.STREAM_THREADS.decode(
                                () -> batches.deserialize(Topics.STATE_CHANGES, v)),
                        stateChangePartitions,
                        metrics,
                        frontier,
                        registryChanges),
                Named.as("reconcile"),
                AuditorStores.ENTITIES,
                AuditorStores.DEADLINES,
                AuditorStores.NODE_LEDGERS,
                AuditorStores.EVIDENCE,
                AuditorStores.CLAIMS,
                AuditorStores.ENTITY_LIFECYCLE);
    KStream<String, Emission> fromHeartbeats =
        builder.stream(
                Topics.HEARTBEATS,
                Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("heartbeats"))
            .process(PromptCommits.Input::new, Named.as("heartbeats-read"))
            .process(
                () ->
                    new HeartbeatProcessor(
                        policies,
                        v ->
                            RegistryRetry.STREAM_THREADS.decode(
                                () -> heartbeats.deserialize(Topics.HEARTBEATS, v)),
                        heartbeatPartitions,
                        metrics,
                        frontier),
                Named.as("liveness"),
                AuditorStores.LIVENESS);

    KStream<String, Emission> fromAcks =
        builder.stream(
                Topics.ALERT_ACKS,
                Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("acknowledgements"))
            .process(
                () -> new AckReader(new AvroWireFormat<>(AlertAck.class, schemas)),
                Named.as("acknowledgements-read"));

    // the consistency job's figures: a burning window is a CONSISTENCY_BURN occurrence
    KStream<String, Emission> fromSlo =
        builder.stream(
                Topics.CONSISTENCY,
                Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("consistency-figures"))
            .process(
                () ->
                    new ConsistencyBurnReader(
                        new AvroWireFormat<>(
                            ConsistencyWindow.class, schemas, ConsistencyBurnReader.MAX_BYTES),
                        metrics),
                Named.as("consistency-figures-read"));

    HeraldSerde<DeadLetter> deadLetters = HeraldSerde.of(DeadLetter.class, schemas);
    Serde<Finding> findings = StoreSerdes.findings();
    HeraldSerde<ConsistencyVerdict> verdicts = HeraldSerde.of(ConsistencyVerdict.class, schemas);
    fromReports
        .merge(fromHeartbeats, Named.as("detected"))
        .merge(fromAcks, Named.as("detected-and-acknowledged"))
        .merge(fromSlo, Named.as("detected-acknowledged-and-burning"))
        .process(
            () -> new PromptCommits.PassThrough<String, Emission>(PromptCommits::waitedFor),
            Named.as("prompt-commit"))
        .split(Named.as("detected-"))
        .branch(
            (k, v) -> v instanceof Emission.Dead,
            Branched.withConsumer(
                s ->
                    s.mapValues(v -> ((Emission.Dead) v).letter(), Named.as("dead-letters"))
                        .to(Topics.DLQ, Produced.with(Serdes.String(), deadLetters)),
                "dlq"))
        .branch(
            (k, v) -> v instanceof Emission.Verdict,
            Branched.withConsumer(
                s ->
                    s.mapValues(v -> ((Emission.Verdict) v).verdict(), Named.as("verdicts"))
                        .to(Topics.VERDICTS, Produced.with(Serdes.String(), verdicts)),
                "verdicts"))
        .defaultBranch(
            Branched.withConsumer(
                s ->
                    // signed, appended to the auditor's Merkle log, published (AuditLog)
                    AuditLog.publish(
                        builder,
                        s.mapValues(v -> ((Emission.Found) v).finding(), Named.as("findings"))
                            .repartition(
                                Repartitioned.with(Serdes.String(), findings).withName("findings"))
                            .process(
                                () -> new AlertLifecycleProcessor(policies, metrics),
                                Named.as("lifecycle"),
                                AuditorStores.ALERT_BOOK),
                        schemas,
                        "lifecycle"),
                "found"));
    return builder.build();
  }

  /** The identity topology (IDENTITY_CONFLICT, CONFUSABLE_IDENTITY). */
  public static Topology identity(
      AuditPolicy policy, SchemaRegistryClient schemas, MeterRegistry meters) {
    return identity(() -> policy, schemas, meters);
  }

  /** The identity topology with a reloadable policy. */
  public static Topology identity(
      Supplier<AuditPolicy> policies, SchemaRegistryClient schemas, MeterRegistry meters) {
    AuditorMetrics metrics = new AuditorMetrics(meters);
    AvroWireFormat<NodeRecord> nodes = new AvroWireFormat<>(NodeRecord.class, schemas);
    StreamsBuilder builder = new StreamsBuilder();
    addPersistentStore(builder, AuditorStores.IDENTITIES, Serdes.String(), Serdes.String());
    addPersistentStore(
        builder, AuditorStores.ALERT_BOOK, Serdes.String(), StoreSerdes.alertRecords());
    HeraldSerde<DeadLetter> deadLetters = HeraldSerde.of(DeadLetter.class, schemas);
    // acknowledgements of identity alerts: the identity lifecycle runs in one task (the registry
    // topic has one partition), so they are brought to one partition too; the dead letters of
    // malformed acknowledgements are the reconciliation application's to write
    KStream<String, Finding> acks =
        builder.stream(
                Topics.ALERT_ACKS,
                Consumed.with(Serdes.String(), Serdes.ByteArray())
                    .withName("identity-acknowledgements"))
            .process(
                () -> new AckReader(new AvroWireFormat<>(AlertAck.class, schemas)),
                Named.as("identity-acknowledgements-read"))
            .filter((k, v) -> v instanceof Emission.Found, Named.as("identity-acks-valid"))
            .mapValues(v -> ((Emission.Found) v).finding(), Named.as("identity-acks"))
            .repartition(
                Repartitioned.with(Serdes.String(), StoreSerdes.findings())
                    .withName("identity-acks")
                    .withNumberOfPartitions(1));
    builder.stream(
            Topics.NODES,
            Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("registrations"))
        .process(
            () -> new IdentityProcessor(nodes, metrics),
            Named.as("identity"),
            AuditorStores.IDENTITIES)
        .split(Named.as("identity-"))
        .branch(
            (k, v) -> v instanceof Emission.Dead,
            Branched.withConsumer(
                s ->
                    s.mapValues(v -> ((Emission.Dead) v).letter())
                        .to(Topics.DLQ, Produced.with(Serdes.String(), deadLetters)),
                "dlq"))
        .defaultBranch(
            Branched.withConsumer(
                s ->
                    AuditLog.publish(
                        builder,
                        s.mapValues(v -> ((Emission.Found) v).finding())
                            .merge(acks, Named.as("identity-findings-and-acks"))
                            .process(
                                () -> new AlertLifecycleProcessor(policies, metrics),
                                Named.as("identity-lifecycle"),
                                AuditorStores.ALERT_BOOK),
                        schemas,
                        "identity-lifecycle"),
                "found"));
    return builder.build();
  }

  /** A persistent (RocksDB), changelogged key-value store of the topology. */
  /**
   * The entity lifecycle index ({@link AuditorStores#ENTITY_LIFECYCLE}) behind a write-back cache
   * of {@link #LIFECYCLE_CACHE} entries.
   */
  static StoreBuilder<KeyValueStore<Bytes, byte[]>> lifecycleStore() {
    return WriteBackStore.builder(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(AuditorStores.ENTITY_LIFECYCLE),
            Serdes.Bytes(),
            Serdes.ByteArray()),
        LIFECYCLE_CACHE);
  }

  private static <K, V> void addPersistentStore(
      StreamsBuilder builder, String name, Serde<K> keys, Serde<V> values) {
    builder.addStateStore(
        Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), keys, values));
  }
}
