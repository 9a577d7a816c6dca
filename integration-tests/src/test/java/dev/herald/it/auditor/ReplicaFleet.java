package dev.herald.it.auditor;

import dev.herald.schema.NodeRecord;
import dev.herald.schema.ReportBatch;
import dev.herald.schema.StateChange;
import dev.herald.schema.Topics;
import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.signing.Ed25519;
import dev.herald.schema.truth.ExpectedAlert;
import dev.herald.testsupport.DetectionScore;
import dev.herald.testsupport.Fleet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * A hand-built fleet of replicas that produces signed batches, heartbeats and registrations through
 * a real producer and injects one fault of every type, writing the {@link ExpectedAlert} ground
 * truth as the simulator does. Stands in for the producers module's simulator (the auditor must not
 * depend on it); a simulator-driven test plugs its ground truth into {@link DetectionScore} the
 * same way.
 *
 * <p>Groups: {@code pay} (n1, n2, n3: the per-version faults) and {@code ops} (n4, n5, n6: FLOOD by
 * n4, NODE_SILENT of n6). Every per-version fault is at the last version of its entity, so it has
 * one root cause and one alert.
 */
final class ReplicaFleet {
  static final int PARTITIONS = Topics.DEFAULT_PARTITIONS;
  static final int VERSIONS = 4;
  static final String PAY = "pay";
  static final String OPS = "ops";
  static final List<String> PAY_NODES = List.of("n1", "n2", "n3");
  static final List<String> OPS_NODES = List.of("n4", "n5", "n6");

  private final Producer<String, byte[]> producer;
  private final Fleet fleet;
  private final List<ExpectedAlert> truth = new ArrayList<>();
  private final Map<String, List<String>> entitiesByGroup = new LinkedHashMap<>();
  private byte[] lastHonestBatch;
  private String lastHonestBatchNode;
  private int lastHonestBatchPartition;

  ReplicaFleet(Producer<String, byte[]> producer, SchemaRegistryClient schemas) {
    this.producer = producer;
    this.fleet = new Fleet(schemas, "fleet-");
    entitiesByGroup.put(
        PAY,
        List.of(
            "h0", "h1", "h2", "h3", "e-div", "e-nq", "e-eq", "e-fork", "e-cw", "e-dup", "e-lag"));
    entitiesByGroup.put(OPS, List.of("o0", "o1", "o2", "o3", "o4", "o5"));
  }

  /** Nodes that keep sending heartbeats (n6 falls silent after its first). */
  static List<String> heartbeating() {
    return List.of("n1", "n2", "n3", "n4", "n5", "nx");
  }

  List<ExpectedAlert> groundTruth() {
    return List.copyOf(truth);
  }

  private Ed25519.KeyPair key(String name) {
    return fleet.key(name);
  }

  private void expect(String type, String group, String entity, Long version, List<String> blamed) {
    truth.add(
        new ExpectedAlert(
            type + "-" + (truth.size() + 1),
            type,
            group,
            entity,
            version,
            blamed,
            System.currentTimeMillis()));
  }

  // ---- registry -------------------------------------------------------------------------------

  /** Registers the fleet, with an identity conflict, a confusable pair and an honest rotation. */
  void registerAll() throws Exception {
    for (String n : PAY_NODES) {
      register(n, n, key(n).publicKey(), null, List.of(PAY));
    }
    for (String n : OPS_NODES) {
      register(n, n, key(n).publicKey(), null, List.of(OPS));
    }
    register("nx", "nx", key("nx").publicKey(), null, List.of("other"));
    // IDENTITY_CONFLICT: n7 re-registered with another key, no rotation declared
    register("n7", "n7", key("n7a").publicKey(), null, List.of());
    register("n7", "n7", key("n7b").publicKey(), null, List.of());
    expect("IDENTITY_CONFLICT", "", null, null, List.of("n7"));
    // an honest rotation, signed by the key it retires, raises nothing
    register("n8", "n8", key("n8a").publicKey(), null, List.of());
    register("n8", "n8", key("n8b").publicKey(), key("n8a"), List.of());
    // CONFUSABLE_IDENTITY: Latin "paypal" and "p\u0430ypal" with a Cyrillic a
    register("paypal", "PayPal", key("paypal").publicKey(), null, List.of());
    register("p\u0430ypal", "Pay Pal", key("paypal2").publicKey(), null, List.of());
    expect("CONFUSABLE_IDENTITY", "", null, null, List.of("paypal", "p\u0430ypal"));
    producer.flush();
  }

  private void register(
      String id, String display, byte[] publicKey, Ed25519.KeyPair rotatesFrom, List<String> groups)
      throws Exception {
    NodeRecord r =
        Fleet.node(id, display, publicKey, Fleet.REGION, groups, Instant.now(), rotatesFrom);
    producer.send(fleet.registration(r)).get();
  }

  // ---- reports --------------------------------------------------------------------------------

  /** Sends one signed batch of {@code node} to {@code partition}. */
  byte[] send(String node, int partition, List<StateChange> reports, Ed25519.KeyPair signer)
      throws ExecutionException, InterruptedException {
    ProducerRecord<String, byte[]> record =
        fleet.batchRecord(node, partition, reports, signer, System.currentTimeMillis());
    producer.send(record).get();
    return record.value();
  }

  private void sendWithSeq(
      String node, int partition, List<StateChange> reports, Ed25519.KeyPair signer, long seq)
      throws ExecutionException, InterruptedException {
    ReportBatch b = Fleet.batch(node, key(node).keyId(), partition, seq, Instant.now(), reports);
    producer.send(fleet.record(Fleet.sign(b, signer), System.currentTimeMillis())).get();
  }

  /**
   * Plays round {@code v} (version v of every entity) with the faults that belong to it. Batches
   * are one per node and partition, as the reporter SDK groups them.
   */
  void playRound(long v) throws Exception {
    Map<String, Map<Integer, List<StateChange>>> outbox = new TreeMap<>();
    List<StateChange> equivocation = new ArrayList<>();
    for (Map.Entry<String, List<String>> g : entitiesByGroup.entrySet()) {
      String group = g.getKey();
      List<String> members = group.equals(PAY) ? PAY_NODES : OPS_NODES;
      for (String entity : g.getValue()) {
        for (String node : members) {
          StateChange sc = Fleet.honest(node, group, entity, v);
          if (v == VERSIONS) {
            sc = fault(group, entity, node, v, sc, equivocation);
          }
          if (sc != null) {
            outbox
                .computeIfAbsent(node, n -> new TreeMap<>())
                .computeIfAbsent(Fleet.partitionOf(group, entity), p -> new ArrayList<>())
                .add(sc);
          }
        }
      }
    }
    for (Map.Entry<String, Map<Integer, List<StateChange>>> byNode : outbox.entrySet()) {
      for (Map.Entry<Integer, List<StateChange>> byPartition : byNode.getValue().entrySet()) {
        byte[] bytes =
            send(
                byNode.getKey(),
                byPartition.getKey(),
                byPartition.getValue(),
                key(byNode.getKey()));
        lastHonestBatch = bytes;
        lastHonestBatchNode = byNode.getKey();
        lastHonestBatchPartition = byPartition.getKey();
      }
    }
    for (StateChange second : equivocation) {
      send("n1", Fleet.partitionOf(PAY, second.getEntityKey()), List.of(second), key("n1"));
    }
    if (v == 1) {
      outsiders();
    }
    if (v == 2) {
      flood();
      // BENIGN_DUPLICATE: the same batch delivered twice
      producer
          .send(
              new ProducerRecord<>(
                  Topics.STATE_CHANGES,
                  lastHonestBatchPartition,
                  System.currentTimeMillis(),
                  lastHonestBatchNode,
                  lastHonestBatch))
          .get();
    }
    if (v == 3) {
      // MALFORMED_RECORD: not a Herald record at all
      producer
          .send(
              new ProducerRecord<>(
                  Topics.STATE_CHANGES,
                  0,
                  System.currentTimeMillis(),
                  "junk",
                  new byte[] {42, 1, 2}))
          .get();
    }
  }

  private StateChange fault(
      String group, String entity, String node, long v, StateChange honest, List<StateChange> eq) {
    byte[] prev = Fleet.stateHash(group, entity, v - 1);
    switch (entity) {
      case "e-div":
        if (node.equals("n3")) {
          expect("DIVERGENCE", group, entity, v, List.of("n3"));
          return Fleet.change(
              node, group, entity, v, prev, Fleet.hash("diverged"), Fleet.opOf(group, entity, v));
        }
        return honest;
      case "e-nq":
        if (node.equals("n1")) {
          expect("NO_QUORUM", group, entity, v, List.of());
        }
        return Fleet.change(
            node,
            group,
            entity,
            v,
            prev,
            Fleet.hash("split-" + node),
            Fleet.opOf(group, entity, v));
      case "e-eq":
        if (node.equals("n1")) {
          expect("EQUIVOCATION", group, entity, v, List.of("n1"));
          eq.add(
              Fleet.change(
                  node,
                  group,
                  entity,
                  v,
                  prev,
                  Fleet.hash("second-claim"),
                  Fleet.opOf(group, entity, v)));
        }
        return honest;
      case "e-fork":
        if (node.equals("n2")) {
          expect("FORK", group, entity, v, List.of("n2"));
          return Fleet.change(
              node,
              group,
              entity,
              v,
              Fleet.hash("rewritten-history"),
              Fleet.stateHash(group, entity, v),
              Fleet.opOf(group, entity, v));
        }
        return honest;
      case "e-cw":
        if (node.equals("n3")) {
          expect("CONFLICTING_WRITE", group, entity, v, List.of("n3"));
          return Fleet.change(
              node, group, entity, v, prev, Fleet.hash("other-op-state"), "op:double-spend");
        }
        return honest;
      case "e-dup":
        if (node.equals("n1")) {
          expect("DUPLICATE_APPLY", group, entity, v, List.of("n1"));
          return Fleet.change(
              node,
              group,
              entity,
              v,
              prev,
              Fleet.hash("applied-twice"),
              Fleet.opOf(group, entity, v - 1));
        }
        return honest;
      case "e-lag":
        if (node.equals("n3")) {
          expect("REPLICA_LAG", group, null, null, List.of("n3"));
          return null;
        }
        return honest;
      default:
        return honest;
    }
  }

  /**
   * A batch in {@code node}'s name (group PAY, entity {@code entity}) signed with a key that is not
   * the node's: what anyone with the reporter credential can write. Raises no expectation.
   */
  void forgeAs(String node, String entity) throws Exception {
    send(
        node,
        Fleet.partitionOf(PAY, entity),
        List.of(
            Fleet.change(
                node, PAY, entity, 1, new byte[0], Fleet.hash("forged-" + entity), "op:" + entity)),
        key("attacker-" + entity));
  }

  /** FORGED_REPORT, UNKNOWN_NODE and NOT_A_MEMBER. */
  private void outsiders() throws Exception {
    int p = Fleet.partitionOf(PAY, "h0");
    // a batch in n2's name signed with a key that is not n2's
    sendWithSeq(
        "n2",
        p,
        List.of(Fleet.change("n2", PAY, "h0", 1, new byte[0], Fleet.hash("forged"), "op:forged")),
        key("attacker"),
        1_000_000);
    expect("FORGED_REPORT", PAY, null, null, List.of("n2"));
    send("n9", p, List.of(Fleet.honest("n9", PAY, "h0", 1)), key("n9"));
    expect("UNKNOWN_NODE", "", null, null, List.of("n9"));
    send("nx", p, List.of(Fleet.honest("nx", PAY, "h0", 1)), key("nx"));
    expect("NOT_A_MEMBER", PAY, null, null, List.of("nx"));
  }

  /** FLOOD: n4 sends 600 reports of junk entities of one partition at once. */
  private void flood() throws Exception {
    int p = Fleet.partitionOf(OPS, "o0");
    List<StateChange> junk = new ArrayList<>();
    for (int i = 0; junk.size() < 600; i++) {
      if (Fleet.partitionOf(OPS, "junk-" + i) == p) {
        junk.add(Fleet.honest("n4", OPS, "junk-" + i, 1));
      }
    }
    for (int i = 0; i < junk.size(); i += 200) {
      send("n4", p, junk.subList(i, i + 200), key("n4"));
    }
    expect("FLOOD", OPS, null, null, List.of("n4"));
  }

  /** Advances stream time on every partition with an empty batch of n1. */
  void tick() throws Exception {
    for (int p = 0; p < PARTITIONS; p++) {
      send("n1", p, List.of(), key("n1"));
    }
  }

  /** One heartbeat of {@code node} (thread-safe: heartbeats have their own state). */
  void heartbeat(String node) throws Exception {
    producer.send(fleet.heartbeatRecord(node, List.of(), System.currentTimeMillis())).get();
  }

  /** n6 sends one heartbeat and then falls silent. */
  void lastHeartbeatOfTheSilentNode() throws Exception {
    heartbeat("n6");
    expect("NODE_SILENT", "", null, null, List.of("n6"));
  }
}
