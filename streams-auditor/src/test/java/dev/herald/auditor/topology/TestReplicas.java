package dev.herald.auditor.topology;

import dev.herald.schema.Heartbeat;
import dev.herald.schema.HeartbeatStatus;
import dev.herald.schema.NodeRecord;
import dev.herald.schema.NodeStatus;
import dev.herald.schema.ReportBatch;
import dev.herald.schema.StateChange;
import dev.herald.schema.Topics;
import dev.herald.schema.canonical.Hashing;
import dev.herald.schema.registry.InMemorySchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.signing.Ed25519;
import dev.herald.testsupport.Fleet;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Signed test batches, heartbeats and registrations of replicas with deterministic keys. */
final class TestReplicas {
  /**
   * Where the drivers' wall clock starts: far after every record time the tests write, as a live
   * auditor's wall clock is after the broker times it reads (record times ahead of the wall clock
   * are clamped to it plus the policy's skew).
   */
  static final Instant WALL_START = Instant.ofEpochMilli(1_000_000_000L);

  final InMemorySchemaRegistryClient schemas = new InMemorySchemaRegistryClient();
  private final Fleet fleet = new Fleet(schemas, "seed-");
  private final Map<String, Long> seqs = new HashMap<>();

  Ed25519.KeyPair key(String node) {
    return fleet.key(node);
  }

  byte[] registration(String node, String displayName, byte[] publicKey, List<String> groups) {
    return registration(node, displayName, publicKey, groups, NodeStatus.ACTIVE);
  }

  byte[] registration(
      String node, String displayName, byte[] publicKey, List<String> groups, NodeStatus status) {
    NodeRecord r =
        Fleet.node(node, displayName, publicKey, "eu", groups, Instant.ofEpochMilli(0), null);
    r.setStatus(status);
    return fleet.registration(r).value();
  }

  byte[] registration(String node, List<String> groups) {
    return registration(node, node, key(node).publicKey(), groups);
  }

  static String stateName(long v) {
    return "s" + v;
  }

  static byte[] hash(String s) {
    return s.isEmpty() ? new byte[0] : Hashing.sha256(bytes(s));
  }

  StateChange change(
      String node, String group, String entity, long v, String prev, String state, String op) {
    StateChange sc = Fleet.change(node, group, entity, v, hash(prev), hash(state), op);
    sc.setEventId(node + "/" + entity + "/" + v + "/" + state);
    sc.setEventTime(Instant.ofEpochMilli(1_000 * v));
    return sc;
  }

  StateChange honest(String node, String group, String entity, long v) {
    return change(node, group, entity, v, v == 1 ? "" : stateName(v - 1), stateName(v), "op" + v);
  }

  ReportBatch batch(String node, List<StateChange> reports) {
    long seq = seqs.merge(node, 1L, Long::sum);
    return Fleet.batch(node, key(node).keyId(), 0, seq, Instant.ofEpochMilli(0), reports);
  }

  byte[] signed(ReportBatch batch) {
    return signedWith(batch, key(batch.getNodeId()));
  }

  byte[] signedWith(ReportBatch batch, Ed25519.KeyPair key) {
    return fleet.encode(Fleet.sign(batch, key));
  }

  byte[] signedBatch(String node, StateChange... reports) {
    return signed(batch(node, List.of(reports)));
  }

  byte[] heartbeat(String node, long seq, long eventTime) {
    return heartbeat(node, seq, eventTime, HeartbeatStatus.UP);
  }

  /**
   * The same batch in another, equally valid Avro encoding: its arrays written in blocks that carry
   * their byte size (Avro's blocking encoder). Other wire bytes, the same signed content.
   */
  byte[] reencoded(ReportBatch batch) {
    try {
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      byte[] framed = fleet.encode(batch);
      out.write(framed, 0, AvroWireFormat.HEADER_SIZE);
      org.apache.avro.io.BinaryEncoder enc =
          org.apache.avro.io.EncoderFactory.get().blockingBinaryEncoder(out, null);
      new org.apache.avro.specific.SpecificDatumWriter<ReportBatch>(ReportBatch.getClassSchema())
          .write(batch, enc);
      enc.flush();
      return out.toByteArray();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  byte[] heartbeat(String node, long seq, long eventTime, HeartbeatStatus status) {
    Heartbeat hb =
        fleet.heartbeat(node, List.of("g"), "eu", seq, Instant.ofEpochMilli(eventTime), status);
    return fleet.heartbeatFormat().serialize(Topics.HEARTBEATS, hb);
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
