package dev.herald.testsupport;

import dev.herald.schema.Heartbeat;
import dev.herald.schema.HeartbeatStatus;
import dev.herald.schema.NodeRecord;
import dev.herald.schema.NodeStatus;
import dev.herald.schema.ReportBatch;
import dev.herald.schema.StateChange;
import dev.herald.schema.Topics;
import dev.herald.schema.canonical.Hashing;
import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.signing.BatchSignatures;
import dev.herald.schema.signing.Ed25519;
import dev.herald.schema.signing.RotationSignatures;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.utils.Utils;

/**
 * The signed fleet the tests share: replicas with Ed25519 keys, their {@link StateChange} reports,
 * signed {@link ReportBatch}es with per-partition batch sequences, signed heartbeats, node
 * registrations, and each as the raw {@link ProducerRecord} Herald's topics hold (key: the node id;
 * value: Avro in the registry's wire format). A test's own scenario (which faults, which ground
 * truth) sits on top of it; the fleet itself sends nothing and holds no producer.
 *
 * <p>Keys are derived from a seed ({@code sha256(seedPrefix + node)}) unless {@link #useKey} says
 * otherwise. An honest report of version {@code v} moves {@link #stateHash} of {@code v - 1} (empty
 * at version 1) to that of {@code v} with the op {@link #opOf}. Thread-safe.
 *
 * <pre>{@code
 * Fleet fleet = new Fleet(registry, "seed:");
 * producer.send(fleet.registration(fleet.node("n1", List.of("pay")))).get();
 * StateChange r = Fleet.honest("n1", "pay", "acct-1", 1);
 * producer.send(fleet.batchRecord("n1", Fleet.partitionOf("pay", "acct-1"), List.of(r))).get();
 * producer.send(fleet.heartbeatRecord("n1", List.of("pay"), System.currentTimeMillis())).get();
 * }</pre>
 */
public final class Fleet {
  /** Partitions of Herald's input topics, and of the auditor's partitioning of entities. */
  public static final int PARTITIONS = Topics.DEFAULT_PARTITIONS;

  /** The region every registration and heartbeat of a fleet claims unless told otherwise. */
  public static final String REGION = "eu-1";

  private final Function<String, Ed25519.KeyPair> derive;
  private final Map<String, Ed25519.KeyPair> keys = new ConcurrentHashMap<>();
  private final Map<String, Long> batchSeqs = new ConcurrentHashMap<>();
  private final Map<String, Long> heartbeatSeqs = new ConcurrentHashMap<>();
  private final AvroWireFormat<ReportBatch> batches;
  private final AvroWireFormat<Heartbeat> heartbeats;
  private final AvroWireFormat<NodeRecord> nodes;

  /** A fleet whose node {@code n} signs with the key seeded by {@code seedPrefix + n}. */
  public Fleet(SchemaRegistryClient schemas, String seedPrefix) {
    this(schemas, n -> seededKey(seedPrefix + n));
  }

  /** A fleet whose node {@code n} signs with {@code keyOf.apply(n)} until {@link #useKey}. */
  public Fleet(SchemaRegistryClient schemas, Function<String, Ed25519.KeyPair> keyOf) {
    this.derive = keyOf;
    this.batches = new AvroWireFormat<>(ReportBatch.class, schemas);
    this.heartbeats = new AvroWireFormat<>(Heartbeat.class, schemas);
    this.nodes = new AvroWireFormat<>(NodeRecord.class, schemas);
  }

  // ---- keys -----------------------------------------------------------------------------------

  /** The key whose seed is the SHA-256 of {@code text}. */
  public static Ed25519.KeyPair seededKey(String text) {
    return Ed25519.fromSeed(hash(text));
  }

  /** The key whose 32-byte seed is {@code b} repeated. */
  public static Ed25519.KeyPair filledKey(int b) {
    byte[] seed = new byte[32];
    Arrays.fill(seed, (byte) b);
    return Ed25519.fromSeed(seed);
  }

  /** The key {@code node} signs with now. */
  public Ed25519.KeyPair key(String node) {
    return keys.computeIfAbsent(node, derive);
  }

  /** From now on {@code node} signs with {@code newKey}; returns the key it used before. */
  public Ed25519.KeyPair useKey(String node, Ed25519.KeyPair newKey) {
    Ed25519.KeyPair before = key(node);
    keys.put(node, newKey);
    return before;
  }

  // ---- reports --------------------------------------------------------------------------------

  /** SHA-256 of {@code s} in UTF-8. */
  public static byte[] hash(String s) {
    return Hashing.sha256(s.getBytes(StandardCharsets.UTF_8));
  }

  /** The partition of {@code group}/{@code entity}, as the reporter SDK and the auditor pick it. */
  public static int partitionOf(String group, String entity) {
    byte[] k = (group + "/" + entity).getBytes(StandardCharsets.UTF_8);
    return Utils.toPositive(Utils.murmur2(k)) % PARTITIONS;
  }

  /** The honest state of {@code entity} at version {@code v}. */
  public static byte[] stateHash(String group, String entity, long v) {
    return hash(group + "/" + entity + "@" + v);
  }

  /** The honest op that makes version {@code v} of {@code entity}. */
  public static String opOf(String group, String entity, long v) {
    return "op:" + group + "/" + entity + "#" + v;
  }

  /**
   * A report of {@code node} that {@code entity} of {@code group} moved from {@code prev} to {@code
   * state} at version {@code v} by {@code op}, now. Its event id is unique per node, entity,
   * version, state and op.
   */
  public static StateChange change(
      String node, String group, String entity, long v, byte[] prev, byte[] state, String op) {
    return StateChange.newBuilder()
        .setEventId(
            node + "|" + group + "|" + entity + "|" + v + "|" + Hashing.hex(state) + "|" + op)
        .setGroup(group)
        .setEntityKey(entity)
        .setVersion(v)
        .setNodeId(node)
        .setPrevStateHash(ByteBuffer.wrap(prev))
        .setStateHash(ByteBuffer.wrap(state))
        .setOpId(op)
        .setOpDigest(ByteBuffer.wrap(hash(op)))
        .setEventTime(Instant.now())
        .setAttributes(Map.of())
        .build();
  }

  /** Like {@link #change}, from the state named {@code prevState} (none: null) to {@code state}. */
  public static StateChange change(
      String node, String group, String entity, long v, String prevState, String state, String op) {
    return change(
        node, group, entity, v, prevState == null ? new byte[0] : hash(prevState), hash(state), op);
  }

  /** The honest report of {@code node}: version {@code v} of {@code entity}. */
  public static StateChange honest(String node, String group, String entity, long v) {
    byte[] prev = v == 1 ? new byte[0] : stateHash(group, entity, v - 1);
    return change(
        node, group, entity, v, prev, stateHash(group, entity, v), opOf(group, entity, v));
  }

  /** The next batch sequence number of {@code node} on {@code partition} (1, 2, ...). */
  public long nextSeq(String node, int partition) {
    return batchSeqs.merge(node + "/" + partition, 1L, Long::sum);
  }

  /** An unsigned batch claiming {@code keyId}; sign it with {@link #sign}. */
  public static ReportBatch batch(
      String node,
      String keyId,
      int partition,
      long seq,
      Instant createdAt,
      List<StateChange> reports) {
    return ReportBatch.newBuilder()
        .setNodeId(node)
        .setKeyId(keyId)
        .setPartition(partition)
        .setBatchSeq(seq)
        .setCreatedAt(createdAt)
        .setReports(reports)
        .setSignature(ByteBuffer.allocate(0))
        .build();
  }

  /** Signs {@code batch} with {@code signer} (whatever key id it claims); returns it. */
  public static ReportBatch sign(ReportBatch batch, Ed25519.KeyPair signer) {
    return BatchSignatures.sign(batch, signer.privateKey());
  }

  /**
   * A batch of {@code node} with its next sequence number on {@code partition}, claiming the node's
   * key id and signed by {@code signer} (the node's key, or a forger's).
   */
  public ReportBatch signedBatch(
      String node, int partition, List<StateChange> reports, Ed25519.KeyPair signer) {
    return sign(
        batch(node, key(node).keyId(), partition, nextSeq(node, partition), Instant.now(), reports),
        signer);
  }

  /** {@code batch} in the wire format of {@code herald.state-changes.v1}. */
  public byte[] encode(ReportBatch batch) {
    return batches.serialize(Topics.STATE_CHANGES, batch);
  }

  /** {@code batch} as the record for its partition of {@code herald.state-changes.v1}. */
  public ProducerRecord<String, byte[]> record(ReportBatch batch, long timestamp) {
    return new ProducerRecord<>(
        Topics.STATE_CHANGES,
        batch.getPartition(),
        timestamp,
        batch.getNodeId().toString(),
        encode(batch));
  }

  /** The record of {@code node}'s next batch of {@code reports}, signed with its key, now. */
  public ProducerRecord<String, byte[]> batchRecord(
      String node, int partition, List<StateChange> reports) {
    return batchRecord(node, partition, reports, key(node), System.currentTimeMillis());
  }

  /** The record of {@code node}'s next batch, signed by {@code signer}, stamped {@code time}. */
  public ProducerRecord<String, byte[]> batchRecord(
      String node, int partition, List<StateChange> reports, Ed25519.KeyPair signer, long time) {
    return record(signedBatch(node, partition, reports, signer), time);
  }

  // ---- heartbeats -----------------------------------------------------------------------------

  /** A heartbeat of {@code node} (status UP), signed with its key. */
  public Heartbeat heartbeat(
      String node, List<String> groups, String region, long sequence, Instant at) {
    return heartbeat(node, groups, region, sequence, at, HeartbeatStatus.UP);
  }

  /** A heartbeat of {@code node} with {@code status}, signed with its key. */
  public Heartbeat heartbeat(
      String node,
      List<String> groups,
      String region,
      long sequence,
      Instant at,
      HeartbeatStatus status) {
    return signedHeartbeat(node, key(node), groups, region, sequence, at, status);
  }

  /** A heartbeat of {@code node} with {@code status}, signed with {@code key}. */
  public static Heartbeat signedHeartbeat(
      String node,
      Ed25519.KeyPair key,
      List<String> groups,
      String region,
      long sequence,
      Instant at,
      HeartbeatStatus status) {
    Heartbeat hb =
        Heartbeat.newBuilder()
            .setNodeId(node)
            .setGroups(groups)
            .setRegion(region)
            .setSequence(sequence)
            .setEventTime(at)
            .setStatus(status)
            .setKeyId(key.keyId())
            .setSignature(ByteBuffer.allocate(0))
            .build();
    return BatchSignatures.sign(hb, key.privateKey());
  }

  /** The record of {@code node}'s next heartbeat (sequence 1, 2, ...) at {@code time}. */
  public ProducerRecord<String, byte[]> heartbeatRecord(
      String node, List<String> groups, long time) {
    Heartbeat hb =
        heartbeat(
            node,
            groups,
            REGION,
            heartbeatSeqs.merge(node, 1L, Long::sum),
            Instant.ofEpochMilli(time));
    return new ProducerRecord<>(
        Topics.HEARTBEATS, null, time, node, heartbeats.serialize(Topics.HEARTBEATS, hb));
  }

  // ---- registrations --------------------------------------------------------------------------

  /**
   * A registration of {@code id} with {@code publicKey}; when {@code rotatesFrom} is given, a
   * rotation signed by the key it retires.
   */
  public static NodeRecord node(
      String id,
      String displayName,
      byte[] publicKey,
      String region,
      List<String> groups,
      Instant registeredAt,
      Ed25519.KeyPair rotatesFrom) {
    NodeRecord r =
        NodeRecord.newBuilder()
            .setNodeId(id)
            .setDisplayName(displayName)
            .setPublicKey(ByteBuffer.wrap(publicKey))
            .setRegion(region)
            .setGroups(groups)
            .setStatus(NodeStatus.ACTIVE)
            .setRegisteredAt(registeredAt)
            .setRotatesFrom(rotatesFrom == null ? null : ByteBuffer.wrap(rotatesFrom.publicKey()))
            .build();
    if (rotatesFrom != null) {
      RotationSignatures.sign(r, rotatesFrom.privateKey());
    }
    return r;
  }

  /** The registration of {@code id} in {@code groups} with the key it signs with now. */
  public NodeRecord node(String id, List<String> groups) {
    return node(id, id, key(id).publicKey(), REGION, groups, Instant.now(), null);
  }

  /** {@code node} as the record of {@code herald.nodes.v1}. */
  public ProducerRecord<String, byte[]> registration(NodeRecord node) {
    String id = node.getNodeId().toString();
    return new ProducerRecord<>(Topics.NODES, id, nodes.serialize(Topics.NODES, node));
  }

  // ---- formats --------------------------------------------------------------------------------

  public AvroWireFormat<ReportBatch> batchFormat() {
    return batches;
  }

  public AvroWireFormat<Heartbeat> heartbeatFormat() {
    return heartbeats;
  }

  public AvroWireFormat<NodeRecord> nodeFormat() {
    return nodes;
  }
}
