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
import dev.herald.schema.Topics;
import dev.herald.schema.canonical.Hashing;
import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.signing.Ed25519;
import dev.herald.schema.truth.ExpectedAlert;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fault-injecting replica simulator with ground truth: {@code groups × replicas} honest replicas
 * apply one deterministic stream of account operations (opens, deposits, withdrawals, transfers)
 * and report every version through real {@link HeraldReporter}s; the faults of a {@link Scenario}
 * are injected at deterministic points, and each is written as an {@link ExpectedAlert} line —
 * exactly as the auditor's alert should identify it — to the truth file, to {@code
 * herald.ground-truth.v1} and to {@link #groundTruth()}.
 *
 * <pre>{@code
 * Scenario scenario = Scenario.builder().seed(7).rate(500).allFaults().build();
 * try (Simulator sim = Simulator.builder()
 *     .bootstrapServers(broker.bootstrapServers())
 *     .schemaRegistry(registry)
 *     .scenario(scenario)
 *     .truthFile(Path.of("truth.jsonl"))
 *     .build()) {
 *   sim.registerNodes();                 // honest nodes into herald.nodes.v1
 *   Simulator.Summary s = sim.runEvents(20_000);
 *   List<ExpectedAlert> truth = sim.groundTruth();
 * }
 * }</pre>
 *
 * <p>Policy the ground truth assumes (set in the scenario): quorum = strict majority of the
 * replicas; report grace {@link Scenario#grace()} (default 2 s); silence threshold {@link
 * Scenario#silenceThreshold()} (default 5 s); rate budget {@link Scenario#rateBudget()} reports/s
 * and token bucket {@link Scenario#burst()} per node. Heartbeats are sent by the simulator every
 * {@code min(1 s, silenceThreshold / 3)} for every node that is not silent, until {@link #close()},
 * which sends STOPPING heartbeats.
 *
 * <p>Determinism: with the same scenario and seed, the operations, node keys, fault points, the
 * chosen entities, versions and nodes, and so the ground truth identities, are the same (times and
 * report event ids aside). Window faults are measured in events at the scenario's rate; the loop
 * paces itself to that rate, so a window lasts at least its nominal duration. The run is extended
 * past its nominal end until every planned fault is injected and every window closed.
 */
public final class Simulator implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Simulator.class);
  private static final String[] REGIONS = {"eu-west", "us-east", "ap-south"};
  private static final Duration PROGRESS_EVERY = Duration.ofSeconds(5);
  private static final long MAX_BACKLOG_NANOS = 20_000_000;

  private final Scenario scenario;
  private final Builder config;
  private final Clock clock;
  private final Producer<byte[], byte[]> raw;
  private final AvroWireFormat<NodeRecord> nodeFormat;
  private final List<SimulatedNode> nodes = new ArrayList<>();
  private final Map<String, List<SimulatedNode>> byGroup = new LinkedHashMap<>();
  private final Map<String, HeraldReporter> reporters = new LinkedHashMap<>();
  private final Map<String, HeraldReporter> extraReporters = new HashMap<>();
  private final Map<String, SentBatch> lastBatch = new ConcurrentHashMap<>();
  private final Map<String, StateChange> lastReport = new HashMap<>();
  private final Set<String> silent = ConcurrentHashMap.newKeySet();
  private final List<AccountBook> books = new ArrayList<>();
  private final GroundTruthSink truth;
  private final Random faultRandom;
  private final ScheduledExecutorService heartbeats;
  private final AtomicLong reportsSent = new AtomicLong();
  private final AtomicLong reportsFailed = new AtomicLong();
  private final Map<String, Integer> usedConfusables = new HashMap<>();
  private long eventIndex;
  private long faultSeq;
  private int divergenceSeq;
  private int malformedSeq;
  private boolean registered;
  private boolean closed;

  /** Set by {@link #close()} without the lock, so a run in progress ends at its next step. */
  private volatile boolean stopRequested;

  // the window fault in progress, if any
  private FaultType windowType;
  private String windowNode;
  private String windowGroup;
  private long windowEnd;
  private long floodCopiesPerEvent;
  private final List<Runnable> heldReports = new ArrayList<>();
  private final List<FaultWindow> windows = new CopyOnWriteArrayList<>();

  private Simulator(Builder b) {
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
    this.truth = new GroundTruthSink(raw, b.groundTruthTopic, b.truthFile);
    this.heartbeats =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "herald-simulator-heartbeats");
              t.setDaemon(true);
              return t;
            });
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** The scenario this simulator runs. */
  public Scenario scenario() {
    return scenario;
  }

  /** The honest replicas, group by group. */
  public List<SimulatedNode> nodes() {
    return List.copyOf(nodes);
  }

  /** The faults injected so far, in order. */
  public List<ExpectedAlert> groundTruth() {
    return truth.lines();
  }

  /**
   * The window faults injected so far (lag, silent, flood), in order, with the instants they began
   * and ended; the last one has no end while it lasts. A {@code silent} window is a crashed node:
   * the availability figures measured from the heartbeats must match it. Thread-safe.
   */
  public List<FaultWindow> faultWindows() {
    return List.copyOf(windows);
  }

  /**
   * Registers every honest replica in {@code herald.nodes.v1} (ACTIVE, member of its group) and
   * waits for the writes. Runs once; {@link #runEvents} calls it if nobody did.
   */
  public synchronized void registerNodes() {
    if (registered) {
      return;
    }
    for (SimulatedNode n : nodes) {
      writeNode(n.nodeId(), n.keys().publicKey(), n.region(), List.of(n.group()));
    }
    raw.flush();
    registered = true;
    warmUp();
    long hbMs = Math.max(50, Math.min(1000, scenario.silenceThreshold().toMillis() / 3));
    heartbeats.scheduleAtFixedRate(this::heartbeatAll, 0, hbMs, TimeUnit.MILLISECONDS);
  }

  /**
   * Makes every reporter ready before the first report: a first heartbeat, acknowledged, fetches
   * the cluster metadata and the idempotent producer id. Otherwise a reporter that starts slowly
   * (seconds on a loaded machine) delivers its first reports later than the others by more than the
   * auditor's grace, and the auditor rightly sees a lagging replica the ground truth does not have.
   */
  private void warmUp() {
    List<CompletableFuture<?>> acks = new ArrayList<>();
    for (SimulatedNode n : nodes) {
      HeraldReporter r = reporters.get(n.nodeId());
      acks.add(r.heartbeat(HeartbeatStatus.UP));
      r.warmUp();
    }
    try {
      CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      LOG.warn("simulate warm-up heartbeats not all acknowledged error={}", e.toString());
    }
  }

  /** Runs for {@code duration} at the scenario's rate (extended until planned faults are done). */
  public Summary run(Duration duration) {
    return runEvents(FaultPlan.toEvents(duration, scenario.rate()));
  }

  /** Runs the scenario's length: its {@code events}, or its {@code duration} at its rate. */
  public Summary run() {
    if (scenario.events() != null) {
      return runEvents(scenario.events());
    }
    Duration d = scenario.duration() != null ? scenario.duration() : Duration.ofSeconds(60);
    return run(d);
  }

  /**
   * Applies {@code events} operations at the scenario's rate, injecting the scenario's faults, then
   * flushes every reporter. May be called again to continue the same simulation.
   */
  public synchronized Summary runEvents(long events) {
    if (closed) {
      throw new IllegalStateException("simulator is closed");
    }
    registerNodes();
    long start = eventIndex;
    long end = start + events;
    Deque<FaultPlan.Due> due = FaultPlan.plan(scenario, start, events, faultRandom);
    int planned = due.size();
    long spacingEvents = Math.max(1, FaultPlan.toEvents(scenario.spacing(), scenario.rate()));
    long nextAllowed = start;
    long faultsAtStart = faultSeq;
    double periodNanos = 1e9 / scenario.rate();
    long startNanos = System.nanoTime();
    long paceBase = startNanos;
    long nextProgress = startNanos + PROGRESS_EVERY.toNanos();
    long local = 0;
    while (!stopRequested && (eventIndex < end || !due.isEmpty() || windowType != null)) {
      long target = paceBase + (long) (local * periodNanos);
      long now = System.nanoTime();
      if (target - now > 1_000_000) {
        LockSupport.parkNanos(target - now);
      } else if (now - target > MAX_BACKLOG_NANOS) {
        // Behind schedule (e.g. a stall while connecting): drop the backlog instead of catching up
        // in a burst, so a window of N events never lasts less than N / rate.
        paceBase += now - target;
      }
      if (windowType != null && eventIndex >= windowEnd) {
        endWindow();
        nextAllowed = eventIndex + spacingEvents;
      }
      boolean injected = false;
      if (windowType == null
          && !due.isEmpty()
          && due.peek().index() <= eventIndex
          && eventIndex >= nextAllowed) {
        injected = inject(due.peek().type());
        if (injected) {
          due.poll();
          nextAllowed = eventIndex + spacingEvents;
        }
      }
      if (!injected) {
        honestStep();
      }
      if (windowType == FaultType.FLOOD) {
        floodStep();
      }
      eventIndex++;
      local++;
      if (System.nanoTime() >= nextProgress) {
        nextProgress += PROGRESS_EVERY.toNanos();
        progress(local, startNanos);
      }
    }
    for (HeraldReporter r : reporters.values()) {
      r.flush();
    }
    for (HeraldReporter r : extraReporters.values()) {
      r.flush();
    }
    raw.flush();
    Duration elapsed = Duration.ofNanos(System.nanoTime() - startNanos);
    Summary summary =
        new Summary(
            local,
            faultSeq - faultsAtStart,
            planned,
            reportsSent.get(),
            reportsFailed.get(),
            elapsed);
    LOG.info(
        "simulate finished events={} faults={} reports={} failed={} elapsedMs={}",
        summary.events(),
        summary.faults(),
        summary.reportsSent(),
        summary.reportsFailed(),
        elapsed.toMillis());
    return summary;
  }

  private void progress(long local, long startNanos) {
    double secs = (System.nanoTime() - startNanos) / 1e9;
    Progress p =
        new Progress(
            local, local / Math.max(secs, 1e-9), faultSeq, reportsSent.get(), reportsFailed.get());
    if (config.progress != null) {
      config.progress.accept(p);
    } else {
      LOG.info(
          "simulate progress events={} eventsPerSecond={} faults={} reports={} failed={}",
          p.events(),
          Math.round(p.eventsPerSecond()),
          p.faults(),
          p.reportsSent(),
          p.reportsFailed());
    }
  }

  /** One honest operation of the group whose turn it is (none while that group is paused). */
  private void honestStep() {
    AccountBook book = books.get((int) (eventIndex % books.size()));
    if ((windowType == FaultType.SILENT || windowType == FaultType.FLOOD)
        && book.group().equals(windowGroup)) {
      // The silent node's group applies nothing, so no version can miss it; nor does the flooding
      // node's, whose own reports would otherwise be refused with its copies (REPLICA_LAG).
      return;
    }
    AccountBook.Step step = book.next();
    if (step == null) {
      return;
    }
    for (AccountBook.Update u : step.updates()) {
      byte[] prev = CanonicalValues.prevStateHash(u.prevState());
      byte[] next = CanonicalValues.hash(u.newState());
      for (SimulatedNode n : byGroup.get(book.group())) {
        if (windowType == FaultType.LAG && n.nodeId().equals(windowNode)) {
          // the lagging replica applies (and so stamps) the operation only when it catches up
          heldReports.add(
              () -> send(n.nodeId(), report(n.nodeId(), book.group(), u, prev, next, step.op())));
        } else {
          send(n.nodeId(), report(n.nodeId(), book.group(), u, prev, next, step.op()));
        }
      }
    }
  }

  private void floodStep() {
    StateChange copy = lastReport.get(windowNode);
    if (copy == null) {
      return;
    }
    for (long i = 0; i < floodCopiesPerEvent; i++) {
      send(windowNode, copy);
    }
  }

  private StateChange report(
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

  private void send(String nodeId, StateChange sc) {
    HeraldReporter r = reporters.get(nodeId);
    if (r != null) {
      lastReport.put(nodeId, sc);
    }
    sendVia(r, sc);
  }

  private void sendVia(HeraldReporter reporter, StateChange sc) {
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

  // ---------------------------------------------------------------------------------------------
  // Faults

  /**
   * Injects one fault now; false when it cannot be yet (e.g. no opened account), to retry later.
   */
  private boolean inject(FaultType type) {
    return switch (type) {
      case DIVERGENCE -> divergence();
      case PARTITION -> partition();
      case EQUIVOCATION -> equivocation();
      case FORK -> fork();
      case DOUBLE_SPEND -> doubleSpend();
      case DUPLICATE_APPLY -> duplicateApply();
      case FORGERY -> forgery();
      case UNREGISTERED -> unregistered();
      case NON_MEMBER -> nonMember();
      case LAG, SILENT, FLOOD -> startWindow(type);
      case CONFUSABLE_ID -> confusable();
      case IDENTITY_CONFLICT -> identityConflict();
      case BENIGN_DUPLICATE -> benignDuplicate();
      case MALFORMED -> malformed();
    };
  }

  /** A group and an account of it reserved for a per-version fault, or null. */
  private record Target(
      AccountBook book, AccountBook.Account account, List<SimulatedNode> members) {
    String group() {
      return book.group();
    }
  }

  private Target target(long minVersion) {
    AccountBook book = books.get(faultRandom.nextInt(books.size()));
    AccountBook.Account a = book.takeForFault(faultRandom, minVersion);
    if (a == null) {
      return null;
    }
    List<SimulatedNode> members = new ArrayList<>(byGroup.get(book.group()));
    Collections.shuffle(members, faultRandom);
    return new Target(book, a, members);
  }

  private static AccountBook.Update deposit(AccountBook.Account a, long amount) {
    return new AccountBook.Update(
        a.key(), a.version() + 1, a.state(), a.state(a.balance() + amount));
  }

  private static Map<String, Object> with(Map<String, Object> state, String key, Object value) {
    Map<String, Object> s = new LinkedHashMap<>(state);
    s.put(key, value);
    return s;
  }

  private boolean divergence() {
    Target t = target(1);
    if (t == null) {
      return false;
    }
    Operation op =
        Operation.of(t.book().nextOpId(), AccountBook.body("deposit", t.account().key(), 10));
    AccountBook.Update u = deposit(t.account(), 10);
    byte[] prev = CanonicalValues.prevStateHash(u.prevState());
    byte[] agreed = CanonicalValues.hash(u.newState());
    SimulatedNode faulty = t.members().get(0);
    byte[] wrong;
    if (divergenceSeq++ % 2 == 0) {
      wrong = agreed.clone(); // bit flip in memory
      int bit = faultRandom.nextInt(wrong.length * 8);
      wrong[bit / 8] ^= (byte) (1 << (bit % 8));
    } else { // non-deterministic operation: the replica stamps its local clock into the state
      wrong = CanonicalValues.hash(with(u.newState(), "appliedAt", clock.millis()));
    }
    for (SimulatedNode n : t.members()) {
      send(n.nodeId(), report(n.nodeId(), t.group(), u, prev, n == faulty ? wrong : agreed, op));
    }
    return expect(
        FaultType.DIVERGENCE, t.group(), u.entityKey(), u.version(), List.of(faulty.nodeId()));
  }

  private boolean partition() {
    Target t = target(1);
    if (t == null) {
      return false;
    }
    Operation op =
        Operation.of(t.book().nextOpId(), AccountBook.body("deposit", t.account().key(), 20));
    AccountBook.Update u = deposit(t.account(), 20);
    byte[] prev = CanonicalValues.prevStateHash(u.prevState());
    int side = Math.max(1, scenario.quorum() - 1);
    for (int i = 0; i < t.members().size(); i++) {
      int s = i / side;
      byte[] hash =
          CanonicalValues.hash(s == 0 ? u.newState() : with(u.newState(), "partitionSide", s));
      String id = t.members().get(i).nodeId();
      send(id, report(id, t.group(), u, prev, hash, op));
    }
    return expect(FaultType.PARTITION, t.group(), u.entityKey(), u.version(), List.of());
  }

  private boolean equivocation() {
    Target t = target(1);
    if (t == null) {
      return false;
    }
    Operation op =
        Operation.of(t.book().nextOpId(), AccountBook.body("deposit", t.account().key(), 30));
    AccountBook.Update u = deposit(t.account(), 30);
    byte[] prev = CanonicalValues.prevStateHash(u.prevState());
    byte[] agreed = CanonicalValues.hash(u.newState());
    SimulatedNode liar = t.members().get(0);
    for (SimulatedNode n : t.members()) {
      send(n.nodeId(), report(n.nodeId(), t.group(), u, prev, agreed, op));
    }
    byte[] other =
        CanonicalValues.hash(with(u.newState(), "balance", t.account().balance() + 3000));
    send(liar.nodeId(), report(liar.nodeId(), t.group(), u, prev, other, op));
    return expect(
        FaultType.EQUIVOCATION, t.group(), u.entityKey(), u.version(), List.of(liar.nodeId()));
  }

  private boolean fork() {
    Target t = target(1);
    if (t == null) {
      return false;
    }
    Operation op =
        Operation.of(t.book().nextOpId(), AccountBook.body("deposit", t.account().key(), 40));
    AccountBook.Update u = deposit(t.account(), 40);
    byte[] prev = CanonicalValues.prevStateHash(u.prevState());
    byte[] agreed = CanonicalValues.hash(u.newState());
    SimulatedNode forker = t.members().get(0);
    byte[] rewrittenPrev = CanonicalValues.hash(with(u.prevState(), "rewritten", true));
    byte[] rewrittenNext = CanonicalValues.hash(with(u.newState(), "rewritten", true));
    for (SimulatedNode n : t.members()) {
      boolean f = n == forker;
      send(
          n.nodeId(),
          report(
              n.nodeId(), t.group(), u, f ? rewrittenPrev : prev, f ? rewrittenNext : agreed, op));
    }
    return expect(FaultType.FORK, t.group(), u.entityKey(), u.version(), List.of(forker.nodeId()));
  }

  private boolean doubleSpend() {
    Target t = target(1);
    if (t == null) {
      return false;
    }
    AccountBook.Account a = t.account();
    long balance = Math.max(1, a.balance());
    long first = Math.max(1, (balance * 7 + 9) / 10);
    long second = Math.max(1, (balance * 6 + 9) / 10);
    Operation op1 = Operation.of(t.book().nextOpId(), AccountBook.body("withdraw", a.key(), first));
    Operation op2 =
        Operation.of(t.book().nextOpId(), AccountBook.body("withdraw", a.key(), second));
    AccountBook.Update u1 =
        new AccountBook.Update(a.key(), a.version() + 1, a.state(), a.state(a.balance() - first));
    AccountBook.Update u2 =
        new AccountBook.Update(a.key(), a.version() + 1, a.state(), a.state(a.balance() - second));
    byte[] prev = CanonicalValues.prevStateHash(a.state());
    List<String> minority = new ArrayList<>();
    for (int i = 0; i < t.members().size(); i++) {
      String id = t.members().get(i).nodeId();
      boolean majority = i < scenario.quorum();
      AccountBook.Update u = majority ? u1 : u2;
      if (!majority) {
        minority.add(id);
      }
      send(
          id,
          report(id, t.group(), u, prev, CanonicalValues.hash(u.newState()), majority ? op1 : op2));
    }
    return expect(FaultType.DOUBLE_SPEND, t.group(), a.key(), a.version() + 1, minority);
  }

  private boolean duplicateApply() {
    Target t = target(1);
    if (t == null) {
      return false;
    }
    AccountBook.Account a = t.account();
    Operation op = Operation.of(t.book().nextOpId(), AccountBook.body("deposit", a.key(), 50));
    AccountBook.Update once = deposit(a, 50);
    AccountBook.Update twice =
        new AccountBook.Update(
            a.key(), a.version() + 2, once.newState(), a.state(a.balance() + 100));
    List<String> all = new ArrayList<>();
    for (AccountBook.Update u : List.of(once, twice)) {
      byte[] prev = CanonicalValues.prevStateHash(u.prevState());
      byte[] next = CanonicalValues.hash(u.newState());
      for (SimulatedNode n : t.members()) {
        send(n.nodeId(), report(n.nodeId(), t.group(), u, prev, next, op));
        if (u == twice) {
          all.add(n.nodeId());
        }
      }
    }
    return expect(FaultType.DUPLICATE_APPLY, t.group(), a.key(), twice.version(), all);
  }

  /** Honest reports of every member for a fresh version, returning it for an outsider to copy. */
  private StateChange honestVersion(Target t, long amount) {
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

  private boolean forgery() {
    Target t = target(1);
    if (t == null) {
      return false;
    }
    StateChange honest = honestVersion(t, 60);
    SimulatedNode victim = t.members().get(0);
    HeraldReporter forger =
        extraReporters.computeIfAbsent(
            "forger:" + victim.nodeId(),
            k ->
                reporter(
                    victim.nodeId(),
                    t.group(),
                    victim.region(),
                    keysFor("forger/" + victim.nodeId()),
                    false));
    StateChange forged = StateChange.newBuilder(honest).build();
    forged.setNodeId(victim.nodeId());
    forged.setEventId(UUID.randomUUID().toString());
    forged.setStateHash(
        ByteBuffer.wrap(Hashing.sha256(("forged " + faultSeq).getBytes(StandardCharsets.UTF_8))));
    sendVia(forger, forged);
    return expect(FaultType.FORGERY, t.group(), null, null, List.of(victim.nodeId()));
  }

  private boolean unregistered() {
    Target t = target(1);
    if (t == null) {
      return false;
    }
    StateChange honest = honestVersion(t, 70);
    String rogueId = t.group() + "-rogue-" + (faultSeq + 1);
    HeraldReporter rogue =
        extraReporters.computeIfAbsent(
            "rogue:" + rogueId,
            k -> reporter(rogueId, t.group(), "unknown", keysFor(rogueId), false));
    StateChange copy = StateChange.newBuilder(honest).build();
    copy.setNodeId(rogueId);
    copy.setEventId(UUID.randomUUID().toString());
    sendVia(rogue, copy);
    // an unregistered id has no group the auditor could trust (the batch names it): group ""
    return expect(FaultType.UNREGISTERED, "", null, null, List.of(rogueId));
  }

  private boolean nonMember() {
    if (books.size() < 2) {
      LOG.warn("simulate skips fault=non-member: it needs two groups or more");
      return true;
    }
    Target t = target(1);
    if (t == null) {
      return false;
    }
    StateChange honest = honestVersion(t, 80);
    List<String> others = new ArrayList<>(byGroup.keySet());
    others.remove(t.group());
    String otherGroup = others.get(faultRandom.nextInt(others.size()));
    List<SimulatedNode> outsiders = byGroup.get(otherGroup);
    SimulatedNode outsider = outsiders.get(faultRandom.nextInt(outsiders.size()));
    StateChange copy = StateChange.newBuilder(honest).build();
    copy.setNodeId(outsider.nodeId());
    copy.setEventId(UUID.randomUUID().toString());
    // its own batch: the outsider's honest reports of its own group must not share the batch
    HeraldReporter r = reporters.get(outsider.nodeId());
    r.flush();
    sendVia(r, copy);
    r.flush();
    return expect(FaultType.NON_MEMBER, t.group(), null, null, List.of(outsider.nodeId()));
  }

  private boolean startWindow(FaultType type) {
    AccountBook book = books.get(faultRandom.nextInt(books.size()));
    List<SimulatedNode> members = byGroup.get(book.group());
    SimulatedNode node = members.get(faultRandom.nextInt(members.size()));
    Duration length =
        switch (type) {
          case LAG -> scenario.lagWindow();
          case SILENT -> scenario.silentWindow();
          default -> scenario.floodWindow();
        };
    windowType = type;
    windowNode = node.nodeId();
    windowGroup = book.group();
    windowEnd = eventIndex + Math.max(1, FaultPlan.toEvents(length, scenario.rate()));
    // Under the heartbeat lock: no heartbeat of the node is stamped after the window's start.
    synchronized (silent) {
      if (type == FaultType.SILENT) {
        silent.add(node.nodeId());
      }
      windows.add(new FaultWindow(type, node.nodeId(), book.group(), millisNow(), null));
    }
    if (type == FaultType.FLOOD) {
      long events = Math.max(1, windowEnd - eventIndex);
      floodCopiesPerEvent = (scenario.floodCopies() + events - 1) / events;
    }
    LOG.info(
        "simulate fault window start type={} nodeId={} group={} events={}",
        type.scenarioName(),
        windowNode,
        windowGroup,
        windowEnd - eventIndex);
    String group = type == FaultType.SILENT ? "" : book.group();
    return expect(type, group, null, null, List.of(node.nodeId()));
  }

  /** Now, at the millisecond precision of event times on the wire. */
  private Instant millisNow() {
    return clock.instant().truncatedTo(ChronoUnit.MILLIS);
  }

  private void endWindow() {
    if (windowType == FaultType.LAG) {
      heldReports.forEach(Runnable::run);
      heldReports.clear();
    }
    int last = windows.size() - 1;
    windows.set(last, windows.get(last).endedAt(millisNow()));
    if (windowType == FaultType.SILENT) {
      silent.remove(windowNode);
      heartbeat(windowNode, HeartbeatStatus.UP);
    }
    LOG.info("simulate fault window end type={} nodeId={}", windowType.scenarioName(), windowNode);
    windowType = null;
    windowNode = null;
    windowGroup = null;
  }

  private boolean confusable() {
    // A fresh victim each time while there are any: a second look-alike of the same id would also
    // be confusable with the first look-alike, i.e. raise two alerts for one fault.
    List<SimulatedNode> fresh =
        nodes.stream().filter(n -> !usedConfusables.containsKey(n.nodeId())).toList();
    List<SimulatedNode> pool = fresh.isEmpty() ? nodes : fresh;
    SimulatedNode victim = pool.get(faultRandom.nextInt(pool.size()));
    int variant = usedConfusables.merge(victim.nodeId(), 1, Integer::sum);
    String id = victim.nodeId();
    // Cyrillic look-alikes: е (U+0435) for e, о (U+043E) for o
    String look =
        switch (variant % 3) {
          case 1 -> id.replaceFirst("e", "\u0435");
          case 2 -> id.replaceFirst("o", "\u043e");
          default -> id.replaceFirst("e", "\u0435").replaceFirst("o", "\u043e");
        };
    writeNode(look, keysFor("confusable/" + look).publicKey(), victim.region(), List.of());
    return expect(FaultType.CONFUSABLE_ID, "", null, null, List.of(victim.nodeId(), look));
  }

  private boolean identityConflict() {
    String id = "standby-" + scenario.seed() + "-" + (faultSeq + 1);
    writeNode(id, keysFor("standby/" + id).publicKey(), REGIONS[0], List.of());
    writeNode(id, keysFor("standby-conflict/" + id).publicKey(), REGIONS[0], List.of());
    return expect(FaultType.IDENTITY_CONFLICT, "", null, null, List.of(id));
  }

  private boolean benignDuplicate() {
    SimulatedNode node = nodes.get(faultRandom.nextInt(nodes.size()));
    SentBatch batch = lastBatch.get(node.nodeId());
    if (batch == null) {
      return false;
    }
    raw.send(new ProducerRecord<>(batch.topic(), batch.partition(), batch.key(), batch.value()));
    return expect(FaultType.BENIGN_DUPLICATE, node.group(), null, null, List.of(node.nodeId()));
  }

  private boolean malformed() {
    SimulatedNode node = nodes.get(faultRandom.nextInt(nodes.size()));
    byte[] junk = new byte[24];
    faultRandom.nextBytes(junk);
    byte[] value =
        switch (malformedSeq++ % 3) {
          case 0 -> ("not avro: " + Hashing.hex(junk)).getBytes(StandardCharsets.UTF_8);
          case 1 -> new byte[] {0, 0, 0}; // truncated wire-format header
          default -> { // valid header, unknown schema id, garbage body
            junk[0] = 0;
            junk[1] = 0x7f;
            yield junk;
          }
        };
    int partitions = raw.partitionsFor(config.topic).size();
    raw.send(
        new ProducerRecord<>(
            config.topic,
            faultRandom.nextInt(partitions),
            node.nodeId().getBytes(StandardCharsets.UTF_8),
            value));
    return expect(FaultType.MALFORMED, "", null, null, List.of(node.nodeId()));
  }

  private boolean expect(
      FaultType type, String group, String entityKey, Long version, List<String> blamed) {
    faultSeq++;
    ExpectedAlert line =
        new ExpectedAlert(
            String.format("sim-%d-%04d", scenario.seed(), faultSeq),
            type.expectedType(),
            group,
            entityKey,
            version,
            blamed,
            clock.millis());
    truth.add(line);
    LOG.info(
        "simulate fault injected type={} expect={} group={} entity={} version={} nodes={}",
        type.scenarioName(),
        type.expectedType(),
        group,
        entityKey,
        version,
        blamed);
    return true;
  }

  // ---------------------------------------------------------------------------------------------
  // Plumbing

  private Ed25519.KeyPair keysFor(String name) {
    return Ed25519.fromSeed(
        Hashing.sha256(
            ("herald-simulator/" + scenario.seed() + "/" + name).getBytes(StandardCharsets.UTF_8)));
  }

  private HeraldReporter reporter(
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

  private void writeNode(String nodeId, byte[] publicKey, String region, List<String> groups) {
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

  private void heartbeatAll() {
    for (SimulatedNode n : nodes) {
      synchronized (silent) {
        if (!silent.contains(n.nodeId())) {
          heartbeat(n.nodeId(), HeartbeatStatus.UP);
        }
      }
    }
  }

  private void heartbeat(String nodeId, HeartbeatStatus status) {
    try {
      reporters.get(nodeId).heartbeat(status);
    } catch (RuntimeException e) {
      LOG.warn("simulated heartbeat failed nodeId={} error={}", nodeId, e.toString());
    }
  }

  /**
   * Ends a run in progress at its next step, then stops heartbeats, sends STOPPING heartbeats,
   * flushes and closes every producer.
   */
  @Override
  public void close() {
    stopRequested = true;
    synchronized (this) {
      closeLocked();
    }
  }

  private void closeLocked() {
    if (closed) {
      return;
    }
    closed = true;
    heartbeats.shutdownNow();
    try {
      heartbeats.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (windowType != null) {
      endWindow();
    }
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
    try {
      truth.close();
    } catch (IOException e) {
      LOG.warn("cannot close the ground truth file error={}", e.toString());
    }
  }

  /**
   * What a run did.
   *
   * @param events operations applied (ticks, including fault injections)
   * @param faults faults injected
   * @param planned faults planned for the run
   * @param reportsSent reports acknowledged so far (all runs)
   * @param reportsFailed reports failed so far (all runs)
   * @param elapsed wall time of the run
   */
  public record Summary(
      long events,
      long faults,
      int planned,
      long reportsSent,
      long reportsFailed,
      Duration elapsed) {}

  /**
   * A progress line, every few seconds of a run.
   *
   * @param events events of this run so far
   * @param eventsPerSecond events per second of this run so far
   * @param faults faults injected so far
   * @param reportsSent reports acknowledged so far
   * @param reportsFailed reports failed so far
   */
  public record Progress(
      long events, double eventsPerSecond, long faults, long reportsSent, long reportsFailed) {}

  /** Configures a {@link Simulator}. Required: bootstrap servers and a schema registry client. */
  public static final class Builder {
    private String bootstrapServers;
    private final Map<String, Object> kafka = new LinkedHashMap<>();
    private SchemaRegistryClient registry;
    private Scenario scenario = Scenario.builder().build();
    private Path truthFile;
    private Consumer<Progress> progress;
    private Clock clock = Clock.systemUTC();
    private String entityKeyPrefix = "acct-";
    private Duration linger = Duration.ofMillis(10);
    private String topic = Topics.STATE_CHANGES;
    private String heartbeatTopic = Topics.HEARTBEATS;
    private String nodesTopic = Topics.NODES;
    private String groundTruthTopic = Topics.GROUND_TRUTH;
    private Function<HeraldReporter.Builder, HeraldReporter> reporterFactory =
        HeraldReporter.Builder::build;
    private Function<String, Producer<byte[], byte[]>> producerFactory = this::kafkaProducer;

    private Builder() {}

    /**
     * Prefix of the simulated entity keys (default {@code acct-}). A second run against the same
     * topics and auditor state needs another one: its ledgers start again at version 1, and the
     * same node signing another state for a version it already reported is, rightly, an
     * equivocation.
     */
    public Builder entityKeyPrefix(String entityKeyPrefix) {
      this.entityKeyPrefix = entityKeyPrefix;
      return this;
    }

    public Builder bootstrapServers(String bootstrapServers) {
      this.bootstrapServers = bootstrapServers;
      return this;
    }

    /** Producer properties for every producer (TLS, SASL, ...). */
    public Builder kafkaProperties(Map<String, ?> properties) {
      kafka.putAll(properties);
      return this;
    }

    /** Any {@link SchemaRegistryClient}: in-memory in unit tests, REST against a registry. */
    public Builder schemaRegistry(SchemaRegistryClient registry) {
      this.registry = registry;
      return this;
    }

    public Builder scenario(Scenario scenario) {
      this.scenario = scenario;
      return this;
    }

    /** Also writes the ground truth as JSON lines to this file. */
    public Builder truthFile(Path truthFile) {
      this.truthFile = truthFile;
      return this;
    }

    /** Receives a progress line every few seconds (default: logged at INFO). */
    public Builder progress(Consumer<Progress> progress) {
      this.progress = progress;
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /** Linger of the simulated reporters (default 10 ms). */
    public Builder linger(Duration linger) {
      this.linger = linger;
      return this;
    }

    /** Topic names (tests give each run its own). */
    public Builder topics(
        String stateChanges, String heartbeats, String nodes, String groundTruth) {
      this.topic = stateChanges;
      this.heartbeatTopic = heartbeats;
      this.nodesTopic = nodes;
      this.groundTruthTopic = groundTruth;
      return this;
    }

    Builder reporterFactory(Function<HeraldReporter.Builder, HeraldReporter> factory) {
      this.reporterFactory = factory;
      return this;
    }

    Builder producerFactory(Function<String, Producer<byte[], byte[]>> factory) {
      this.producerFactory = factory;
      return this;
    }

    private Producer<byte[], byte[]> kafkaProducer(String clientId) {
      Properties p = new Properties();
      p.putAll(kafka);
      p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
      p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
      p.put(ProducerConfig.ACKS_CONFIG, "all");
      p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
      return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    public Simulator build() {
      if (bootstrapServers == null || bootstrapServers.isBlank()) {
        Object b = kafka.get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG);
        if (b == null) {
          throw new IllegalArgumentException(
              "invalid simulator setting 'bootstrapServers': expected host:port[,host:port]");
        }
        bootstrapServers = b.toString();
      }
      if (registry == null) {
        throw new IllegalArgumentException(
            "invalid simulator setting 'schemaRegistry': expected a SchemaRegistryClient");
      }
      return new Simulator(this);
    }
  }
}
