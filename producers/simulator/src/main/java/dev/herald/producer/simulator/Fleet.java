package dev.herald.producer.simulator;

import dev.herald.producer.CanonicalValues;
import dev.herald.producer.HeraldReporter;
import dev.herald.producer.Operation;
import dev.herald.producer.ReportReceipt;
import dev.herald.producer.SentBatch;
import dev.herald.schema.HeartbeatStatus;
import dev.herald.schema.NodeRecord;
import dev.herald.schema.NodeStatus;
import dev.herald.schema.StateChange;
import dev.herald.schema.canonical.Hashing;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.signing.Ed25519;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The simulated replicas and what the fault injectors do with them: their account books, their
 * reporters (and the extra reporters of forgers and rogues), the raw producer for records no
 * reporter would write, and the node registry. The {@link Simulator} owns one and drives it; each
 * {@link FaultInjector} borrows it to inject one fault.
 */
final class Fleet implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Fleet.class);
  static final String[] REGIONS = {"eu-west", "us-east", "ap-south"};

  final Scenario scenario;
  final Simulator.Builder config;
  final Clock clock;
  final Random faultRandom;
  final Producer<byte[], byte[]> raw;
  private final AvroWireFormat<NodeRecord> nodeFormat;
  private final List<SimulatedNode> nodes = new ArrayList<>();
  private final Map<String, List<SimulatedNode>> byGroup = new LinkedHashMap<>();
  private final List<AccountBook> books = new ArrayList<>();
  private final Map<String, HeraldReporter> reporters = new LinkedHashMap<>();
  private final Map<String, HeraldReporter> extraReporters = new HashMap<>();
  private final Map<String, SentBatch> lastBatch = new ConcurrentHashMap<>();
  private final Map<String, StateChange> lastReport = new HashMap<>();
  private final Set<String> silent = ConcurrentHashMap.newKeySet();
  private final AtomicLong reportsSent = new AtomicLong();
  private final AtomicLong reportsFailed = new AtomicLong();

  Fleet(Simulator.Builder b) {
    this.config = b;
    this.scenario = b.scenario;
    this.clock = b.clock;
    this.faultRandom = new Random(scenario.seed() * 31 + 7);
    this.raw = b.producerFactory.apply("herald-simulator-raw");
    this.nodeFormat = new AvroWireFormat<>(NodeRecord.class, b.registry);
    for (int g = 1; g <= scenario.groups(); g++) {
      String group = "g" + g;
      books.add(
          new AccountBook(
              group, scenario.entities(), scenario.seed() * 1_000_003L + g, b.entityKeyPrefix));
      List<SimulatedNode> members = new ArrayList<>();
      for (int r = 1; r <= scenario.replicas(); r++) {
        String nodeId = group + "-node-" + r;
        SimulatedNode node =
            new SimulatedNode(nodeId, group, REGIONS[(r - 1) % REGIONS.length], keysFor(nodeId));
        members.add(node);
        nodes.add(node);
        reporters.put(nodeId, reporter(nodeId, group, node.region(), node.keys(), true));
      }
      byGroup.put(group, members);
    }
  }

  List<SimulatedNode> nodes() {
    return nodes;
  }

  List<AccountBook> books() {
    return books;
  }

  List<SimulatedNode> members(String group) {
    return byGroup.get(group);
  }

  List<String> groups() {
    return List.copyOf(byGroup.keySet());
  }

  HeraldReporter reporter(String nodeId) {
    return reporters.get(nodeId);
  }

  /** A reporter that is not one of the honest replicas' (a forger's, a rogue's), made once. */
  HeraldReporter extraReporter(String name, Supplier<HeraldReporter> make) {
    return extraReporters.computeIfAbsent(name, k -> make.get());
  }

  /** The last batch the node's reporter sent, or null. */
  SentBatch lastBatch(String nodeId) {
    return lastBatch.get(nodeId);
  }

  /** The last report the node sent, or null. */
  StateChange lastReport(String nodeId) {
    return lastReport.get(nodeId);
  }

  long reportsSent() {
    return reportsSent.get();
  }

  long reportsFailed() {
    return reportsFailed.get();
  }

  // ---------------------------------------------------------------------------------------------
  // Reports

  /** A group and an account of it reserved for a per-version fault. */
  record Target(AccountBook book, AccountBook.Account account, List<SimulatedNode> members) {
    String group() {
      return book.group();
    }
  }

  /** Why a per-version fault waits: its group has no opened account yet. */
  static final FaultInjector.NotYet NO_ACCOUNT =
      new FaultInjector.NotYet("no open account in the chosen group yet");

  /** A random group's account taken out of the honest stream for a fault, or null if none yet. */
  Target target(long minVersion) {
    AccountBook book = books.get(faultRandom.nextInt(books.size()));
    AccountBook.Account a = book.takeForFault(faultRandom, minVersion);
    if (a == null) {
      return null;
    }
    List<SimulatedNode> members = new ArrayList<>(byGroup.get(book.group()));
    Collections.shuffle(members, faultRandom);
    return new Target(book, a, members);
  }

  StateChange report(
      String nodeId,
      String group,
      AccountBook.Update u,
      byte[] prevHash,
      byte[] stateHash,
      Operation op) {
    return StateChange.newBuilder()
        .setEventId(UUID.randomUUID().toString())
        .setGroup(group)
        .setEntityKey(u.entityKey())
        .setVersion(u.version())
        .setNodeId(nodeId)
        .setPrevStateHash(ByteBuffer.wrap(prevHash))
        .setStateHash(ByteBuffer.wrap(stateHash))
        .setOpId(op.id())
        .setOpDigest(ByteBuffer.wrap(op.digest()))
        .setEventTime(clock.instant())
        .setAttributes(new HashMap<>())
        .build();
  }

  /** Honest reports of every member for a fresh version, returning one for an outsider to copy. */
  StateChange honestVersion(Target t, long amount) {
    Operation op =
        Operation.of(t.book().nextOpId(), AccountBook.body("deposit", t.account().key(), amount));
    AccountBook.Update u = deposit(t.account(), amount);
    byte[] prev = CanonicalValues.prevStateHash(u.prevState());
    byte[] next = CanonicalValues.hash(u.newState());
    StateChange last = null;
    for (SimulatedNode n : t.members()) {
      last = report(n.nodeId(), t.group(), u, prev, next, op);
      send(n.nodeId(), last);
    }
    return last;
  }

  static AccountBook.Update deposit(AccountBook.Account a, long amount) {
    return new AccountBook.Update(
        a.key(), a.version() + 1, a.state(), a.state(a.balance() + amount));
  }

  static Map<String, Object> with(Map<String, Object> state, String key, Object value) {
    Map<String, Object> s = new LinkedHashMap<>(state);
    s.put(key, value);
    return s;
  }

  /** Sends a report through the node's own reporter. */
  void send(String nodeId, StateChange sc) {
    HeraldReporter r = reporters.get(nodeId);
    if (r != null) {
      lastReport.put(nodeId, sc);
    }
    sendVia(r, sc);
  }

  void sendVia(HeraldReporter reporter, StateChange sc) {
    CompletableFuture<ReportReceipt> f = reporter.report(sc);
    f.whenComplete(
        (receipt, error) -> {
          if (error == null) {
            reportsSent.incrementAndGet();
          } else if (reportsFailed.incrementAndGet() <= 5) {
            LOG.warn(
                "simulated report failed nodeId={} error={}", sc.getNodeId(), error.getMessage());
          }
        });
  }

  /** Now, at the millisecond precision of event times on the wire. */
  Instant millisNow() {
    return clock.instant().truncatedTo(ChronoUnit.MILLIS);
  }

  // ---------------------------------------------------------------------------------------------
  // Nodes, keys, heartbeats

  Ed25519.KeyPair keysFor(String name) {
    return Ed25519.fromSeed(
        Hashing.sha256(
            ("herald-simulator/" + scenario.seed() + "/" + name).getBytes(StandardCharsets.UTF_8)));
  }

  HeraldReporter reporter(
      String nodeId, String group, String region, Ed25519.KeyPair keys, boolean listen) {
    HeraldReporter.Builder b =
        HeraldReporter.builder()
            .nodeId(nodeId)
            .group(group)
            .region(region)
            .keyPair(keys)
            .bootstrapServers(config.bootstrapServers)
            .kafkaProperties(config.kafka)
            .schemaRegistry(config.registry)
            .topic(config.topic)
            .heartbeatTopic(config.heartbeatTopic)
            .linger(config.linger)
            .heartbeatInterval(Duration.ZERO);
    if (listen) {
      b.batchListener(batch -> lastBatch.put(nodeId, batch));
    }
    return config.reporterFactory.apply(b);
  }

  void writeNode(String nodeId, byte[] publicKey, String region, List<String> groups) {
    NodeRecord record =
        NodeRecord.newBuilder()
            .setNodeId(nodeId)
            .setDisplayName(nodeId)
            .setPublicKey(ByteBuffer.wrap(publicKey))
            .setRegion(region)
            .setGroups(new ArrayList<>(groups))
            .setStatus(NodeStatus.ACTIVE)
            .setRegisteredAt(clock.instant())
            .setRotatesFrom(null)
            .build();
    raw.send(
        new ProducerRecord<>(
            config.nodesTopic,
            nodeId.getBytes(StandardCharsets.UTF_8),
            nodeFormat.serialize(config.nodesTopic, record)));
  }

  /** Heartbeats of every node that is not silent (the heartbeat thread). */
  void heartbeatAll() {
    for (SimulatedNode n : nodes) {
      synchronized (silent) {
        if (!silent.contains(n.nodeId())) {
          heartbeat(n.nodeId(), HeartbeatStatus.UP);
        }
      }
    }
  }

  /**
   * Silences a node's heartbeats from now on; {@code then} runs under the heartbeat lock, so no
   * heartbeat of the node is stamped after it.
   */
  void silence(String nodeId, Runnable then) {
    synchronized (silent) {
      silent.add(nodeId);
      then.run();
    }
  }

  /** Ends a node's silence with a heartbeat now. */
  void resume(String nodeId) {
    silent.remove(nodeId);
    heartbeat(nodeId, HeartbeatStatus.UP);
  }

  void heartbeat(String nodeId, HeartbeatStatus status) {
    try {
      reporters.get(nodeId).heartbeat(status);
    } catch (RuntimeException e) {
      LOG.warn("simulated heartbeat failed nodeId={} error={}", nodeId, e.toString());
    }
  }

  void flush() {
    for (HeraldReporter r : reporters.values()) {
      r.flush();
    }
    for (HeraldReporter r : extraReporters.values()) {
      r.flush();
    }
    raw.flush();
  }

  /** STOPPING heartbeats, then every reporter and the raw producer closed. */
  @Override
  public void close() {
    for (SimulatedNode n : nodes) {
      heartbeat(n.nodeId(), HeartbeatStatus.STOPPING);
    }
    for (HeraldReporter r : extraReporters.values()) {
      r.close();
    }
    for (HeraldReporter r : reporters.values()) {
      r.close();
    }
    raw.close(Duration.ofSeconds(10));
  }
}
