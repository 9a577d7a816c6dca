package dev.herald.producer.simulator;

import dev.herald.producer.CanonicalValues;
import dev.herald.producer.HeraldReporter;
import dev.herald.schema.HeartbeatStatus;
import dev.herald.schema.Topics;
import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.truth.ExpectedAlert;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
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
  private static final Duration PROGRESS_EVERY = Duration.ofSeconds(5);
  private static final long MAX_BACKLOG_NANOS = 20_000_000;

  /** A refused fault is retried after this long (in events at the scenario's rate). */
  private static final Duration RETRY_AFTER = Duration.ofMillis(100);

  /** A fault refused for this long is logged at WARN (once), still retried. */
  private static final Duration LONG_DEFERRAL = Duration.ofSeconds(30);

  private final Scenario scenario;
  private final Builder config;
  private final Clock clock;
  private final Fleet fleet;
  private final Map<FaultType, FaultInjector> injectors = new EnumMap<>(FaultType.class);
  private final GroundTruthSink truth;
  private final ScheduledExecutorService heartbeats;
  private final List<FaultWindow> windows = new CopyOnWriteArrayList<>();
  private long eventIndex;
  private long faultSeq;
  private long deferrals;
  private boolean registered;
  private boolean closed;

  /** Set by {@link #close()} without the lock, so a run in progress ends at its next step. */
  private volatile boolean stopRequested;

  /** The window fault in progress, if any, and the event at which it ends. */
  private FaultInjector.OpenWindow window;

  private long windowEnd;

  /** System.nanoTime() before which the open window does not end, whatever its event count. */
  private long windowEndNanos;

  private Simulator(Builder b) {
    this.config = b;
    this.scenario = b.scenario;
    this.clock = b.clock;
    this.fleet = new Fleet(b);
    for (FaultType type : FaultType.values()) {
      injectors.put(type, b.injectors.getOrDefault(type, FaultInjector.of(type)));
    }
    this.truth = new GroundTruthSink(fleet.raw, b.groundTruthTopic, b.truthFile);
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
    return List.copyOf(fleet.nodes());
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
    for (SimulatedNode n : fleet.nodes()) {
      fleet.writeNode(n.nodeId(), n.keys().publicKey(), n.region(), List.of(n.group()));
    }
    fleet.raw.flush();
    registered = true;
    warmUp();
    long hbMs = Math.max(50, Math.min(1000, scenario.silenceThreshold().toMillis() / 3));
    heartbeats.scheduleAtFixedRate(fleet::heartbeatAll, 0, hbMs, TimeUnit.MILLISECONDS);
  }

  /**
   * Makes every reporter ready before the first report: a first heartbeat, acknowledged, fetches
   * the cluster metadata and the idempotent producer id. Otherwise a reporter that starts slowly
   * (seconds on a loaded machine) delivers its first reports later than the others by more than the
   * auditor's grace, and the auditor rightly sees a lagging replica the ground truth does not have.
   */
  private void warmUp() {
    List<CompletableFuture<?>> acks = new ArrayList<>();
    for (SimulatedNode n : fleet.nodes()) {
      HeraldReporter r = fleet.reporter(n.nodeId());
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

  /**
   * Runs one round of {@code duration} at the scenario's rate, with every fault the scenario plans
   * for it (the round is extended until each is injected and every window closed).
   */
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
   * One round: applies {@code events} operations at the scenario's rate and injects every fault the
   * scenario plans for them, then flushes every reporter. A fault that cannot be injected when due
   * (e.g. no account open yet) is logged with the reason and retried a moment later, while the
   * others go ahead; the round is extended until every planned fault is in and every window closed.
   * May be called again for the next round of the same simulation.
   */
  public synchronized Summary runEvents(long events) {
    if (closed) {
      throw new IllegalStateException("simulator is closed");
    }
    registerNodes();
    long start = eventIndex;
    long end = start + events;
    PriorityQueue<FaultPlan.Due> due = FaultPlan.plan(scenario, start, events, fleet.faultRandom);
    int planned = due.size();
    long spacingEvents = Math.max(1, FaultPlan.toEvents(scenario.spacing(), scenario.rate()));
    long retryEvents = Math.max(1, FaultPlan.toEvents(RETRY_AFTER, scenario.rate()));
    long nextAllowed = start;
    long faultsAtStart = faultSeq;
    long deferralsAtStart = deferrals;
    double periodNanos = 1e9 / scenario.rate();
    long startNanos = System.nanoTime();
    long paceBase = startNanos;
    long nextProgress = startNanos + PROGRESS_EVERY.toNanos();
    long local = 0;
    while (!stopRequested && (eventIndex < end || !due.isEmpty() || window != null)) {
      long target = paceBase + (long) (local * periodNanos);
      long now = System.nanoTime();
      if (target - now > 1_000_000) {
        LockSupport.parkNanos(target - now);
      } else if (now - target > MAX_BACKLOG_NANOS) {
        // Behind schedule (e.g. a stall while connecting): drop the backlog instead of catching up
        // in one long burst (a window still waits out its nominal length: see below).
        paceBase += now - target;
      }
      if (window != null && eventIndex >= windowEnd) {
        // a catch-up burst of the pacer may have run the window's events early: wait out its
        // nominal length (waiting, not running more events, keeps a seed's run the same)
        for (long wait = windowEndNanos - System.nanoTime();
            wait > 0;
            wait = windowEndNanos - System.nanoTime()) {
          LockSupport.parkNanos(wait);
        }
        endWindow();
        nextAllowed = eventIndex + spacingEvents;
      }
      boolean injected = false;
      if (window == null
          && eventIndex >= nextAllowed
          && !due.isEmpty()
          && due.peek().index() <= eventIndex) {
        FaultPlan.Due d = due.poll();
        injected = inject(d);
        if (injected) {
          nextAllowed = eventIndex + spacingEvents;
        } else {
          due.add(d.deferredTo(eventIndex + retryEvents));
        }
      }
      if (!injected) {
        honestStep();
      }
      if (window != null) {
        window.step();
      }
      eventIndex++;
      local++;
      if (System.nanoTime() >= nextProgress) {
        nextProgress += PROGRESS_EVERY.toNanos();
        progress(local, startNanos);
      }
    }
    fleet.flush();
    Duration elapsed = Duration.ofNanos(System.nanoTime() - startNanos);
    Summary summary =
        new Summary(
            local,
            faultSeq - faultsAtStart,
            planned,
            deferrals - deferralsAtStart,
            fleet.reportsSent(),
            fleet.reportsFailed(),
            elapsed);
    LOG.info(
        "simulate finished events={} faults={} planned={} deferrals={} reports={} failed={}"
            + " elapsedMs={}",
        summary.events(),
        summary.faults(),
        summary.planned(),
        summary.deferrals(),
        summary.reportsSent(),
        summary.reportsFailed(),
        elapsed.toMillis());
    return summary;
  }

  /**
   * Injects a due fault now; false when its injector refuses (logged with the reason: at INFO the
   * first time, at WARN once if it stays refused for long).
   */
  private boolean inject(FaultPlan.Due due) {
    FaultInjector.Injection result = injectors.get(due.type()).inject(fleet, faultSeq + 1);
    if (result instanceof FaultInjector.NotYet notYet) {
      deferrals++;
      long waited = eventIndex - due.planned();
      if (due.deferrals() == 0) {
        LOG.info(
            "simulate fault deferred type={} reason={} plannedEvent={} retryIn={}",
            due.type().scenarioName(),
            notYet.reason(),
            due.planned(),
            RETRY_AFTER);
      } else if (waited >= FaultPlan.toEvents(LONG_DEFERRAL, scenario.rate())
          && waited - FaultPlan.toEvents(RETRY_AFTER, scenario.rate())
              < FaultPlan.toEvents(LONG_DEFERRAL, scenario.rate())) {
        LOG.warn(
            "simulate fault still deferred type={} reason={} deferrals={} waitedEvents={}",
            due.type().scenarioName(),
            notYet.reason(),
            due.deferrals() + 1,
            waited);
      } else {
        LOG.debug(
            "simulate fault deferred type={} reason={}",
            due.type().scenarioName(),
            notYet.reason());
      }
      return false;
    }
    FaultInjector.Injected in = (FaultInjector.Injected) result;
    if (in.window() != null) {
      window = in.window();
      windowEnd = eventIndex + window.events();
      // the window's instants are whole milliseconds: one more keeps the truncated length >=
      // nominal
      windowEndNanos = System.nanoTime() + window.length().plusMillis(1).toNanos();
      windows.add(window.window());
      LOG.info(
          "simulate fault window start type={} nodeId={} group={} events={}",
          due.type().scenarioName(),
          window.window().nodeId(),
          window.window().group(),
          window.events());
      notifyWindow(window.window());
    }
    expect(due.type(), in);
    return true;
  }

  private void endWindow() {
    FaultWindow ended = window.end();
    windows.set(windows.size() - 1, ended);
    LOG.info(
        "simulate fault window end type={} nodeId={}", ended.type().scenarioName(), ended.nodeId());
    window = null;
    notifyWindow(ended);
  }

  private void notifyWindow(FaultWindow w) {
    if (config.windowListener != null) {
      config.windowListener.accept(w);
    }
  }

  private void expect(FaultType type, FaultInjector.Injected in) {
    faultSeq++;
    ExpectedAlert line =
        new ExpectedAlert(
            String.format("sim-%d-%04d", scenario.seed(), faultSeq),
            type.expectedType(),
            in.group(),
            in.entityKey(),
            in.version(),
            in.nodes(),
            clock.millis());
    truth.add(line);
    LOG.info(
        "simulate fault injected type={} expect={} group={} entity={} version={} nodes={}",
        type.scenarioName(),
        type.expectedType(),
        line.group(),
        line.entityKey(),
        line.version(),
        line.nodes());
  }

  private void progress(long local, long startNanos) {
    double secs = (System.nanoTime() - startNanos) / 1e9;
    Progress p =
        new Progress(
            local,
            local / Math.max(secs, 1e-9),
            faultSeq,
            fleet.reportsSent(),
            fleet.reportsFailed());
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

  /** One honest operation of the group whose turn it is (none while a window pauses it). */
  private void honestStep() {
    AccountBook book = fleet.books().get((int) (eventIndex % fleet.books().size()));
    if (window != null && window.pauses(book.group())) {
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
      for (SimulatedNode n : fleet.members(book.group())) {
        // a report is stamped when sent: the lagging replica applies the operation on catching up
        Runnable send =
            () ->
                fleet.send(
                    n.nodeId(), fleet.report(n.nodeId(), book.group(), u, prev, next, step.op()));
        if (window != null && window.holds(n.nodeId())) {
          window.hold(send);
        } else {
          send.run();
        }
      }
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
    if (window != null) {
      endWindow();
    }
    fleet.close();
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
   * @param deferrals times a due fault could not be injected yet and was rescheduled (each logged
   *     with its reason)
   * @param reportsSent reports acknowledged so far (all runs)
   * @param reportsFailed reports failed so far (all runs)
   * @param elapsed wall time of the run
   */
  public record Summary(
      long events,
      long faults,
      int planned,
      long deferrals,
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
    String bootstrapServers;
    final Map<String, Object> kafka = new LinkedHashMap<>();
    SchemaRegistryClient registry;
    Scenario scenario = Scenario.builder().build();
    Path truthFile;
    Consumer<Progress> progress;
    Clock clock = Clock.systemUTC();
    String entityKeyPrefix = "acct-";
    Duration linger = Duration.ofMillis(10);
    String topic = Topics.STATE_CHANGES;
    String heartbeatTopic = Topics.HEARTBEATS;
    String nodesTopic = Topics.NODES;
    String groundTruthTopic = Topics.GROUND_TRUTH;
    Function<HeraldReporter.Builder, HeraldReporter> reporterFactory =
        HeraldReporter.Builder::build;
    Function<String, Producer<byte[], byte[]>> producerFactory = this::kafkaProducer;
    Consumer<FaultWindow> windowListener;
    final Map<FaultType, FaultInjector> injectors = new EnumMap<>(FaultType.class);

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

    /**
     * Called on the simulator's thread when a window fault (lag, silent, flood) opens and again
     * when it closes ({@link FaultWindow#closed()}); the simulation waits for it, so the window
     * stays open while the listener runs (a test can act while a node is silent).
     */
    public Builder windowListener(Consumer<FaultWindow> listener) {
      this.windowListener = listener;
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

    /** Another injector for a fault type (tests: one that refuses). */
    Builder injector(FaultType type, FaultInjector injector) {
      injectors.put(type, injector);
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
