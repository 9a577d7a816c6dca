package dev.herald.it.adversarial;

import dev.herald.schema.Heartbeat;
import dev.herald.schema.HeartbeatStatus;
import dev.herald.schema.NodeRecord;
import dev.herald.schema.ReportBatch;
import dev.herald.schema.StateChange;
import dev.herald.schema.Topics;
import dev.herald.schema.canonical.Hashing;
import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.signing.Ed25519;
import dev.herald.testsupport.Fleet;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.utils.Utils;

/**
 * Registered replicas that sign what they send, and the primitives an attacker composes: reports,
 * signed batches, heartbeats and registrations as records and as bytes, sent to any partition with
 * any timestamp. Honest replicas send through the idempotent producer; whatever an attacker sends
 * (raw bytes, a Byzantine node's batches, copies of honest ones) goes through {@link #raw}.
 *
 * <p>Honest state: version {@code v} of entity {@code e} in group {@code g} has state hash {@code
 * sha256(g/e@v)} and operation {@code op:g/e#v}, so every honest replica reports the same claim.
 */
final class AttackFleet {
  static final int PARTITIONS = Topics.DEFAULT_PARTITIONS;

  private final Producer<String, byte[]> honest;
  private final Producer<String, byte[]> raw;
  private final Fleet fleet;
  private final Map<String, Integer> keyGeneration = new ConcurrentHashMap<>();
  private final Map<String, Long> batchSeqs = new ConcurrentHashMap<>();
  private final Map<String, Long> heartbeatSeqs = new ConcurrentHashMap<>();
  private final Map<String, List<String>> groupsOf = new ConcurrentHashMap<>();
  private final Map<String, byte[]> lastBatch = new ConcurrentHashMap<>();
  private final Map<String, Integer> divergences = new ConcurrentHashMap<>();

  /** Where a record landed. */
  record Sent(String topic, int partition, long offset, long timestamp, String key, byte[] value) {}

  /** A key rotation: the key before, the key after, and when it was registered. */
  record Rotation(Ed25519.KeyPair oldKey, Ed25519.KeyPair newKey, long registeredAtMs) {}

  AttackFleet(
      Producer<String, byte[]> honest, Producer<String, byte[]> raw, SchemaRegistryClient schemas) {
    this.honest = honest;
    this.raw = raw;
    this.fleet = new Fleet(schemas, n -> seeded(n + "#0"));
  }

  // ---- identities ------------------------------------------------------------------------------

  Ed25519.KeyPair key(String node) {
    return fleet.key(node);
  }

  private static Ed25519.KeyPair seeded(String seed) {
    return Fleet.seededKey("adversarial:" + seed);
  }

  /** A key nobody registered (an attacker's). */
  static Ed25519.KeyPair attackerKey(String name) {
    return seeded("attacker:" + name);
  }

  /** Registers {@code nodes} as ACTIVE members of {@code groups}. */
  void register(List<String> groups, String... nodes) throws Exception {
    for (String n : nodes) {
      groupsOf.put(n, List.copyOf(groups));
      registration(n, key(n).publicKey(), null, System.currentTimeMillis());
    }
  }

  /** {@code herald nodes rotate}: registers a new key declaring the rotation; signs with it. */
  Rotation rotate(String node) throws Exception {
    int generation = keyGeneration.merge(node, 1, Integer::sum);
    Ed25519.KeyPair before = key(node);
    Ed25519.KeyPair after = seeded(node + "#" + generation);
    long at = System.currentTimeMillis();
    registration(node, after.publicKey(), before, at);
    fleet.useKey(node, after);
    return new Rotation(before, after, at);
  }

  /** The registration of {@code node} as {@link #register} wrote it (ACTIVE, its current key). */
  NodeRecord registrationOf(String node) {
    return Fleet.node(
        node,
        node,
        key(node).publicKey(),
        Fleet.REGION,
        groupsOf.getOrDefault(node, List.of()),
        Instant.now(),
        null);
  }

  /**
   * Writes any registry record under any key, as an operator (or whoever holds the operator
   * credential) can: {@code value} null is a tombstone.
   */
  Sent writeRegistry(String key, NodeRecord value) throws Exception {
    RecordMetadata m =
        honest
            .send(
                new ProducerRecord<>(
                    Topics.NODES, key, value == null ? null : fleet.registration(value).value()))
            .get(30, TimeUnit.SECONDS);
    return new Sent(m.topic(), m.partition(), m.offset(), m.timestamp(), key, null);
  }

  /**
   * A registration; a rotation ({@code rotatesFrom} set) is signed by that key, as the CLI does.
   */
  private void registration(String node, byte[] publicKey, Ed25519.KeyPair rotatesFrom, long at)
      throws Exception {
    NodeRecord r =
        Fleet.node(
            node,
            node,
            publicKey,
            Fleet.REGION,
            groupsOf.getOrDefault(node, List.of()),
            Instant.ofEpochMilli(at),
            rotatesFrom);
    honest.send(fleet.registration(r)).get(30, TimeUnit.SECONDS);
  }

  // ---- reports ---------------------------------------------------------------------------------

  static int partitionOf(String group, String entity) {
    return Fleet.partitionOf(group, entity);
  }

  /** The partition Kafka's default partitioner gives a record keyed {@code nodeId}. */
  static int heartbeatPartitionOf(String nodeId) {
    return Utils.toPositive(Utils.murmur2(nodeId.getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
  }

  /** {@code count} entity keys {@code prefix-i} of {@code group} that live on {@code partition}. */
  static List<String> entitiesOn(String group, int partition, String prefix, int count) {
    List<String> out = new ArrayList<>();
    for (int i = 0; out.size() < count; i++) {
      if (partitionOf(group, prefix + "-" + i) == partition) {
        out.add(prefix + "-" + i);
      }
    }
    return out;
  }

  static byte[] hash(String s) {
    return Fleet.hash(s);
  }

  static byte[] honestState(String group, String entity, long v) {
    return Fleet.stateHash(group, entity, v);
  }

  static String honestOp(String group, String entity, long v) {
    return Fleet.opOf(group, entity, v);
  }

  /** Version {@code v} of {@code entity} as every honest replica reports it. */
  static StateChange honest(String node, String group, String entity, long v) {
    byte[] prev = v == 1 ? new byte[0] : honestState(group, entity, v - 1);
    return report(
        node,
        group,
        entity,
        v,
        prev,
        honestState(group, entity, v),
        honestOp(group, entity, v),
        hash(honestOp(group, entity, v)));
  }

  static StateChange report(
      String node,
      String group,
      String entity,
      long v,
      byte[] prev,
      byte[] state,
      String opId,
      byte[] opDigest) {
    return StateChange.newBuilder()
        .setEventId(
            node
                + "|"
                + group
                + "|"
                + entity
                + "|"
                + v
                + "|"
                + Hashing.hex(state)
                + "|"
                + Hashing.hex(opDigest).substring(0, 8))
        .setGroup(group)
        .setEntityKey(entity)
        .setVersion(v)
        .setNodeId(node)
        .setPrevStateHash(ByteBuffer.wrap(prev))
        .setStateHash(ByteBuffer.wrap(state))
        .setOpId(opId)
        .setOpDigest(ByteBuffer.wrap(opDigest))
        .setEventTime(Instant.now())
        .setAttributes(Map.of())
        .build();
  }

  /** The honest report of {@code node} with another state hash (a divergence). */
  static StateChange diverged(String node, String group, String entity, long v, String salt) {
    return StateChange.newBuilder(honest(node, group, entity, v))
        .setStateHash(ByteBuffer.wrap(hash("diverged:" + salt)))
        .setEventId(node + "|" + group + "|" + entity + "|" + v + "|diverged:" + salt)
        .build();
  }

  // ---- batches ---------------------------------------------------------------------------------

  /** The next batch sequence of {@code node} on {@code partition} (starts like the SDK's). */
  long nextSeq(String node, int partition) {
    return batchSeqs.merge(
        node + "/" + partition, System.currentTimeMillis() * 1000 + 1, (a, b) -> a + 1);
  }

  /** A batch of {@code node} signed with its current key. */
  ReportBatch batch(String node, int partition, List<StateChange> reports) {
    return batch(node, partition, reports, key(node), nextSeq(node, partition), Instant.now());
  }

  /** A batch of {@code node} signed with {@code signer}, claiming {@code signer}'s key id. */
  static ReportBatch batch(
      String node,
      int partition,
      List<StateChange> reports,
      Ed25519.KeyPair signer,
      long seq,
      Instant createdAt) {
    return Fleet.sign(
        Fleet.batch(node, signer.keyId(), partition, seq, createdAt, List.copyOf(reports)), signer);
  }

  byte[] encode(ReportBatch b) {
    return fleet.encode(b);
  }

  ReportBatch decode(byte[] bytes) {
    return fleet.batchFormat().deserialize(Topics.STATE_CHANGES, bytes);
  }

  /** Sends an honest batch to the partition it claims, stamped now. */
  Sent send(ReportBatch b) throws Exception {
    return sent(honestAsync(b));
  }

  private Future<RecordMetadata> honestAsync(ReportBatch b) {
    byte[] bytes = encode(b);
    lastBatch.put(b.getNodeId(), bytes);
    return honest.send(
        new ProducerRecord<>(
            Topics.STATE_CHANGES,
            b.getPartition(),
            System.currentTimeMillis(),
            b.getNodeId(),
            bytes));
  }

  /** The wire bytes of the last honest batch {@code node} sent (what an eavesdropper records). */
  byte[] lastBatch(String node) {
    return lastBatch.get(node);
  }

  /** Sends any bytes anywhere with any timestamp, as an attacker holding a reporter credential. */
  Sent sendRaw(String topic, Integer partition, Long timestamp, String key, byte[] value)
      throws Exception {
    ProducerRecord<String, byte[]> r =
        new ProducerRecord<>(topic, partition, timestamp, key, value);
    RecordMetadata m = raw.send(r).get(60, TimeUnit.SECONDS);
    return new Sent(topic, m.partition(), m.offset(), m.timestamp(), key, value);
  }

  /** Sends without waiting (for floods); {@link Producer#flush} or the futures wait. */
  Future<RecordMetadata> sendRawAsync(
      String topic, Integer partition, Long timestamp, String key, byte[] value) {
    return raw.send(new ProducerRecord<>(topic, partition, timestamp, key, value));
  }

  void flushRaw() {
    raw.flush();
  }

  private static Sent sent(Future<RecordMetadata> f) throws Exception {
    RecordMetadata m = f.get(60, TimeUnit.SECONDS);
    return new Sent(m.topic(), m.partition(), m.offset(), m.timestamp(), null, null);
  }

  /**
   * Plays version {@code v} of {@code entities} by {@code nodes}: one signed batch per node and
   * partition, sent together and acknowledged before returning. {@code edit} may replace a node's
   * report (a fault) or drop it (null: the node does not report).
   */
  void round(
      String group,
      List<String> nodes,
      List<String> entities,
      long v,
      BiFunction<String, StateChange, StateChange> edit)
      throws Exception {
    Map<String, Map<Integer, List<StateChange>>> outbox = new TreeMap<>();
    for (String entity : entities) {
      for (String node : nodes) {
        StateChange sc = edit.apply(node, honest(node, group, entity, v));
        if (sc != null) {
          outbox
              .computeIfAbsent(node, n -> new TreeMap<>())
              .computeIfAbsent(partitionOf(group, entity), p -> new ArrayList<>())
              .add(sc);
        }
      }
    }
    List<Future<RecordMetadata>> acks = new ArrayList<>();
    for (Map.Entry<String, Map<Integer, List<StateChange>>> byNode : outbox.entrySet()) {
      for (Map.Entry<Integer, List<StateChange>> byPartition : byNode.getValue().entrySet()) {
        acks.add(honestAsync(batch(byNode.getKey(), byPartition.getKey(), byPartition.getValue())));
      }
    }
    for (Future<RecordMetadata> ack : acks) {
      ack.get(60, TimeUnit.SECONDS);
    }
  }

  /**
   * An honest fault: {@code diverger} alone reports another state for version 1 of a fresh entity
   * of {@code partition} that {@code nodes} report; returns the entity.
   */
  String divergence(String group, List<String> nodes, String diverger, int partition)
      throws Exception {
    int k = divergences.merge(group + "/" + partition, 1, Integer::sum) - 1;
    String entity = entitiesOn(group, partition, "div", k + 1).get(k);
    round(
        group,
        nodes,
        List.of(entity),
        1,
        (n, sc) -> n.equals(diverger) ? diverged(n, group, entity, 1, n) : sc);
    return entity;
  }

  /** {@link #round} with every node honest. */
  void round(String group, List<String> nodes, List<String> entities, long v) throws Exception {
    round(group, nodes, entities, v, (n, sc) -> sc);
  }

  // ---- heartbeats ------------------------------------------------------------------------------

  long nextHeartbeatSeq(String node) {
    return heartbeatSeqs.merge(node, System.currentTimeMillis() * 1000 + 1, (a, b) -> a + 1);
  }

  /** A heartbeat of {@code node} signed with its current key. */
  Heartbeat heartbeat(String node, long seq, Instant eventTime, HeartbeatStatus status) {
    return fleet.heartbeat(
        node, groupsOf.getOrDefault(node, List.of()), Fleet.REGION, seq, eventTime, status);
  }

  byte[] encode(Heartbeat hb) {
    return fleet.heartbeatFormat().serialize(Topics.HEARTBEATS, hb);
  }

  /** An honest heartbeat of {@code node}, sent to its partition; returns where it landed. */
  Sent heartbeat(String node, HeartbeatStatus status) throws Exception {
    byte[] bytes;
    Future<RecordMetadata> sending;
    // the sequence is taken and the record handed to the producer as one step, as a node's one
    // reporter does: the range's background beat and a test's own heartbeat of the same node run
    // on two threads, and a later sequence handed over first made the earlier one a REPLAY — of an
    // honest node (HeartbeatAttackIT failed so once in CI)
    synchronized (heartbeatSeqs) {
      bytes = encode(heartbeat(node, nextHeartbeatSeq(node), Instant.now(), status));
      sending =
          honest.send(
              new ProducerRecord<>(
                  Topics.HEARTBEATS,
                  heartbeatPartitionOf(node),
                  System.currentTimeMillis(),
                  node,
                  bytes));
    }
    RecordMetadata m = sending.get(60, TimeUnit.SECONDS);
    return new Sent(m.topic(), m.partition(), m.offset(), m.timestamp(), node, bytes);
  }
}
