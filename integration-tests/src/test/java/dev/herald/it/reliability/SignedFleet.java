package dev.herald.it.reliability;

import dev.herald.schema.Heartbeat;
import dev.herald.schema.ReportBatch;
import dev.herald.schema.StateChange;
import dev.herald.schema.Topics;
import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.signing.Ed25519;
import dev.herald.schema.truth.ExpectedAlert;
import dev.herald.testsupport.Fleet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Three honest replicas of one group that sign their batches and heartbeats and send them through a
 * real producer, with a few injected faults and their ground truth. The reliability tests mix this
 * traffic with faults of the infrastructure (bad records, a killed auditor, a killed broker) and
 * check that the auditor's alerts still equal {@link #groundTruth()}.
 *
 * <p>Faults, one root cause each: in every round {@code v >= 2} a {@code DIVERGENCE} of n3 on
 * entity {@code x<v>} (which then receives no more versions, so its divergence stays one alert),
 * and in the last round a {@code CONFLICTING_WRITE} of n2 on {@code e-cw} and a {@code
 * FORGED_REPORT} in n2's name. Alerts are thus spread over the whole run, so a fault injected
 * mid-run falls between them.
 */
public final class SignedFleet {
  static final String GROUP = "fz";
  static final List<String> NODES = List.of("n1", "n2", "n3");
  static final int PARTITIONS = Topics.DEFAULT_PARTITIONS;

  private final Producer<String, byte[]> producer;
  private final Producer<String, byte[]> registrar;
  private ProducerRecord<String, byte[]> firstBatch;
  private final Fleet fleet;
  private final List<ExpectedAlert> truth = new ArrayList<>();
  private final List<String> entities;
  private final int versions;
  private final Set<String> revoked = ConcurrentHashMap.newKeySet();
  private long counted;
  private boolean unknownExpected;

  SignedFleet(
      Producer<String, byte[]> producer,
      SchemaRegistryClient schemas,
      int entityCount,
      int versions) {
    this(producer, producer, schemas, entityCount, versions);
  }

  /**
   * A fleet whose reports and heartbeats go through {@code producer} and whose registrations go
   * through {@code registrar} (on a secured cluster: the reporter and the operator principal).
   */
  public SignedFleet(
      Producer<String, byte[]> producer,
      Producer<String, byte[]> registrar,
      SchemaRegistryClient schemas,
      int entityCount,
      int versions) {
    this.producer = producer;
    this.registrar = registrar;
    this.fleet = new Fleet(schemas, "seed:");
    this.versions = versions;
    List<String> e = new ArrayList<>(List.of("e-cw"));
    for (int v = 2; v <= versions; v++) {
      e.add("x" + v);
    }
    for (int i = 0; i < entityCount; i++) {
      e.add("h" + i);
    }
    this.entities = List.copyOf(e);
  }

  Ed25519.KeyPair key(String node) {
    return fleet.key(node);
  }

  /**
   * From now on {@code node} signs its batches and heartbeats with {@code newKey} (after {@code
   * herald nodes rotate}); returns the key it used before.
   */
  public Ed25519.KeyPair useKey(String node, Ed25519.KeyPair newKey) {
    return fleet.useKey(node, newKey);
  }

  /**
   * {@code node} was revoked: it keeps reporting (as a revoked node would), but its reports must
   * raise UNKNOWN_NODE and count nowhere, so n3's divergences are no longer expected.
   */
  public synchronized void revoked(String node) {
    revoked.add(node);
  }

  /**
   * Reports of this fleet that the auditor must count exactly once (signed with the node's current
   * key, by an active node): the auditor's {@code herald_reports{outcome=accepted}} must equal it.
   */
  public synchronized long countedReports() {
    return counted;
  }

  /**
   * A batch of {@code node} with {@code reports} (all of one partition) signed with {@code signer}
   * and claiming {@code signer}'s key id, sent now.
   */
  public synchronized void sendSignedWith(
      String node, List<StateChange> reports, Ed25519.KeyPair signer) throws Exception {
    int p = partitionOf(reports.get(0).getEntityKey());
    ReportBatch b =
        Fleet.batch(node, signer.keyId(), p, fleet.nextSeq(node, p), Instant.now(), reports);
    producer
        .send(fleet.record(Fleet.sign(b, signer), System.currentTimeMillis()))
        .get(60, TimeUnit.SECONDS);
  }

  /** An honest report of {@code node}: version {@code v} of {@code entity}. */
  public StateChange report(String node, String entity, long v) {
    return honest(node, entity, v);
  }

  /** Expects one more alert (for a fault the test injects itself). */
  public synchronized void expectAlert(String type, List<String> blamed) {
    expect(type, null, null, blamed);
  }

  /** Expects one more node-level alert (group empty), e.g. for a registry change. */
  public synchronized void expectNodeAlert(String type, String node) {
    truth.add(
        new ExpectedAlert(
            "fz-" + truth.size(), type, "", null, null, List.of(node), System.currentTimeMillis()));
  }

  /** The key {@code node} signs with now. */
  public Ed25519.KeyPair keyOf(String node) {
    return key(node);
  }

  public int versions() {
    return versions;
  }

  public synchronized List<ExpectedAlert> groundTruth() {
    return List.copyOf(truth);
  }

  /** Registers the three nodes in {@link #GROUP}. */
  public void registerAll() throws Exception {
    for (String n : NODES) {
      registrar.send(fleet.registration(fleet.node(n, List.of(GROUP)))).get();
    }
  }

  static int partitionOf(String entity) {
    return Fleet.partitionOf(GROUP, entity);
  }

  private static StateChange change(
      String node, String entity, long v, byte[] prev, byte[] state, String op) {
    return Fleet.change(node, GROUP, entity, v, prev, state, op);
  }

  private static StateChange honest(String node, String entity, long v) {
    return Fleet.honest(node, GROUP, entity, v);
  }

  /**
   * Plays version {@code v} of every entity, one signed batch per node and partition; the faults
   * are in the last version.
   */
  public synchronized void playRound(long v) throws Exception {
    Map<String, Map<Integer, List<StateChange>>> outbox = new TreeMap<>();
    for (String entity : entities) {
      if (entity.startsWith("x") && Long.parseLong(entity.substring(1)) < v) {
        continue;
      }
      boolean diverges = entity.equals("x" + v);
      for (String node : NODES) {
        if (!revoked.contains(node)) {
          counted++;
        }
        StateChange sc = honest(node, entity, v);
        if (diverges && node.equals("n3")) {
          byte[] prev = Fleet.stateHash(GROUP, entity, v - 1);
          sc = change(node, entity, v, prev, Fleet.hash("diverged"), Fleet.opOf(GROUP, entity, v));
        }
        if (v == versions && entity.equals("e-cw") && node.equals("n2")) {
          byte[] prev = Fleet.stateHash(GROUP, entity, v - 1);
          sc = change(node, entity, v, prev, Fleet.hash("other-op-state"), "op:conflicting");
        }
        outbox
            .computeIfAbsent(node, n -> new TreeMap<>())
            .computeIfAbsent(partitionOf(entity), p -> new ArrayList<>())
            .add(sc);
      }
    }
    // One timestamp for the whole round, and the members' batches of a partition back to back:
    // a slow machine must not stretch a round beyond the report grace (stream time).
    long roundTime = System.currentTimeMillis();
    List<Future<RecordMetadata>> acks = new ArrayList<>();
    for (int p = 0; p < PARTITIONS; p++) {
      for (String node : NODES) {
        List<StateChange> reports = outbox.getOrDefault(node, Map.of()).get(p);
        if (reports != null) {
          acks.add(send(node, p, reports, key(node), roundTime));
        }
      }
    }
    if (v >= 2 && !revoked.contains("n3")) {
      expect("DIVERGENCE", "x" + v, v, List.of("n3"));
    }
    for (String node : revoked) {
      if (!unknownExpected) {
        unknownExpected = true;
        expect("UNKNOWN_NODE", null, null, List.of(node));
      }
    }
    if (v == versions) {
      expect("CONFLICTING_WRITE", "e-cw", v, List.of("n2"));
      int p = partitionOf("h0");
      acks.add(send("n2", p, List.of(honest("n2", "h0", 1)), key("attacker"), roundTime));
      expect("FORGED_REPORT", null, null, List.of("n2"));
    }
    for (Future<RecordMetadata> ack : acks) {
      ack.get(60, TimeUnit.SECONDS);
    }
  }

  private void expect(String type, String entity, Long version, List<String> blamed) {
    truth.add(
        new ExpectedAlert(
            "fz-" + truth.size(),
            type,
            GROUP,
            entity,
            version,
            blamed,
            System.currentTimeMillis()));
  }

  /** Advances stream time on every partition with an empty signed batch of n1. */
  public synchronized void tick() throws Exception {
    long now = System.currentTimeMillis();
    for (int p = 0; p < PARTITIONS; p++) {
      send("n1", p, List.of(), key("n1"), now).get(60, TimeUnit.SECONDS);
    }
  }

  /** Keeps the fleet alive on {@code clock}: heartbeats every 300 ms, a tick every 500 ms. */
  public void keepAlive(Background clock) {
    clock.every(Duration.ofMillis(300), this::heartbeats);
    clock.every(Duration.ofMillis(500), this::tick);
  }

  /** A heartbeat of every node. */
  public void heartbeats() throws Exception {
    for (String node : NODES) {
      producer.send(fleet.heartbeatRecord(node, List.of(GROUP), System.currentTimeMillis()));
    }
  }

  /** A valid, signed batch of {@code node} as bytes (for the fuzzer to mutate). */
  byte[] sampleBatch(String node, List<StateChange> reports, long seq) {
    ReportBatch b =
        Fleet.batch(node, key(node).keyId(), partitionOf("h0"), seq, Instant.now(), reports);
    return fleet.encode(Fleet.sign(b, key(node)));
  }

  StateChange sampleChange(String node, String entity, long v) {
    return honest(node, entity, v);
  }

  AvroWireFormat<ReportBatch> batchFormat() {
    return fleet.batchFormat();
  }

  AvroWireFormat<Heartbeat> heartbeatFormat() {
    return fleet.heartbeatFormat();
  }

  private Future<RecordMetadata> send(
      String node, int partition, List<StateChange> reports, Ed25519.KeyPair signer, long time) {
    ProducerRecord<String, byte[]> record =
        fleet.batchRecord(node, partition, reports, signer, time);
    if (firstBatch == null && !reports.isEmpty()) {
      firstBatch = record;
    }
    return producer.send(record);
  }

  /**
   * Sends the first batch of the run again, byte for byte, as an attacker who recorded it would: it
   * must be counted as a duplicate and raise nothing (ground truth {@code BENIGN_DUPLICATE}).
   */
  public synchronized void replayFirstBatch() throws Exception {
    producer
        .send(
            new ProducerRecord<>(
                firstBatch.topic(),
                firstBatch.partition(),
                System.currentTimeMillis(),
                firstBatch.key(),
                firstBatch.value()))
        .get(60, TimeUnit.SECONDS);
    truth.add(
        new ExpectedAlert(
            "fz-" + truth.size(),
            "BENIGN_DUPLICATE",
            GROUP,
            null,
            null,
            List.of(firstBatch.key()),
            System.currentTimeMillis()));
  }
}
