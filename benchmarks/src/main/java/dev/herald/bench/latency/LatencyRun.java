package dev.herald.bench.latency;

import dev.herald.auditor.HeraldAuditor;
import dev.herald.auditor.policy.AuditPolicy;
import dev.herald.bench.auditor.AuditorProgress;
import dev.herald.bench.auditor.AuditorRun;
import dev.herald.bench.setup.BenchEnvironment;
import dev.herald.bench.setup.Preload;
import dev.herald.infra.demo.ScenarioPolicy;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.truth.ExpectedAlert;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Detection latency in live mode: on a fresh broker, a running auditor ({@code exactly_once_v2})
 * and the simulator producing at a fixed rate with about 1 % faults. For every fault, the time from
 * its injection (when the simulator hands the reports that make it decidable to its reporters, so
 * at or before their produce time) to the moment its alert's transaction is committed and visible
 * to a read_committed consumer, in an HdrHistogram.
 *
 * <pre>{@code
 * LatencyRun.Result r = LatencyRun.run(workDir, 20_000, 800.0);
 * long p99 = r.histogram().getValueAtPercentile(99);
 * }</pre>
 */
public final class LatencyRun {
  private static final Logger LOG = LoggerFactory.getLogger(LatencyRun.class);
  private static final Duration SETTLE = Duration.ofSeconds(30);
  private static final long SLOW_MS = 500;

  private LatencyRun() {}

  /**
   * The outcome.
   *
   * @param histogram latencies in milliseconds
   * @param expected faults that should raise an alert
   * @param matched faults whose alert was seen
   * @param truth the injected faults
   * @param alerts the alerts seen during the run
   * @param achievedOpsPerSecond the simulator's actual rate
   * @param byType latencies in milliseconds by alert type (which detections wait for a deadline)
   */
  public record Result(
      Histogram histogram,
      int expected,
      int matched,
      List<ExpectedAlert> truth,
      List<AuditAlert> alerts,
      double achievedOpsPerSecond,
      Map<String, Histogram> byType) {
    /** The figures as a JSON-friendly map. */
    public Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("faultsExpected", expected);
      m.put("faultsMatched", matched);
      m.put("achievedOpsPerSecond", achievedOpsPerSecond);
      m.put("p50Ms", histogram.getValueAtPercentile(50));
      m.put("p99Ms", histogram.getValueAtPercentile(99));
      m.put("p999Ms", histogram.getValueAtPercentile(99.9));
      m.put("maxMs", histogram.getMaxValue());
      m.put("meanMs", histogram.getMean());
      Map<String, Object> types = new TreeMap<>();
      byType.forEach(
          (type, h) ->
              types.put(
                  type,
                  Map.of(
                      "faults", h.getTotalCount(),
                      "p50Ms", h.getValueAtPercentile(50),
                      "p99Ms", h.getValueAtPercentile(99),
                      "maxMs", h.getMaxValue())));
      m.put("by alert type", types);
      return m;
    }
  }

  /**
   * The live rate the whole setup sustains (simulator, its reporters' signing, broker and auditor
   * on one machine).
   *
   * @param operations simulator operations of the run at the sustained rate
   * @param simulatorOpsPerSecond how fast the unthrottled simulator produced its operations
   * @param sustainedOpsPerSecond the highest rate probed at which the auditor kept up while the
   *     simulator ran beside it
   * @param probes every feed tried, in order (the first unthrottled)
   */
  public record Sustained(
      long operations,
      double simulatorOpsPerSecond,
      double sustainedOpsPerSecond,
      List<Probe> probes) {}

  /**
   * One feed of the search for the sustainable rate.
   *
   * @param targetOpsPerSecond the simulator's rate (unthrottled: {@code Double.POSITIVE_INFINITY})
   * @param achievedOpsPerSecond what it produced
   * @param operations how many operations
   * @param feedSeconds how long the simulator ran
   * @param drainSeconds how long the auditor took after the feed ended to commit its last offset
   * @param keptUp whether it committed the last offset within {@link #KEPT_UP_SECONDS}
   */
  public record Probe(
      double targetOpsPerSecond,
      double achievedOpsPerSecond,
      long operations,
      double feedSeconds,
      double drainSeconds,
      boolean keptUp) {
    /** Operations over the time from the first send to the auditor's last commit. */
    double throughOpsPerSecond() {
      return operations / Math.max(1e-9, feedSeconds + drainSeconds);
    }

    /** The probe as a JSON-friendly map. */
    public Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put(
          "target ops/s",
          Double.isInfinite(targetOpsPerSecond) ? "unthrottled" : targetOpsPerSecond);
      m.put("achieved ops/s", achievedOpsPerSecond);
      m.put("operations", operations);
      m.put("feed s", feedSeconds);
      m.put("drain s (after the feed, to the auditor's last commit)", drainSeconds);
      m.put("kept up", keptUp);
      return m;
    }
  }

  /**
   * After the feed ends, the auditor keeps up if it commits the topic's last offset within this
   * long: its commit interval (1 s) plus the time a batch takes through it.
   */
  static final double KEPT_UP_SECONDS = 2.0;

  private static final int MAX_PROBES = 5;

  /**
   * Searches the sustainable live rate: first the simulator unthrottled beside a running auditor
   * ({@code exactly_once_v2}), whose operations over the time to the auditor's last commit is an
   * upper bound — after the short feed the auditor works alone; then feeds of about {@code seconds}
   * each at 90 % of the last estimate, until the auditor keeps up ({@link #KEPT_UP_SECONDS} after
   * the feed); each estimate is the previous feed's operations over its time from first send to
   * last commit. At most {@link #MAX_PROBES} throttled feeds; each on a fresh broker.
   */
  public static Sustained sustainable(Path workDir, long events, double seconds) throws Exception {
    List<Probe> probes = new ArrayList<>();
    Probe first = probe(workDir, events, Double.POSITIVE_INFINITY);
    probes.add(first);
    double estimate = first.throughOpsPerSecond();
    Probe kept = null;
    for (int i = 0; i < MAX_PROBES && kept == null; i++) {
      double target = 0.9 * estimate;
      Probe p = probe(workDir, Math.max(500, (long) (target * seconds)), target);
      probes.add(p);
      if (p.keptUp()) {
        kept = p;
      } else {
        estimate = Math.min(p.throughOpsPerSecond(), target);
      }
    }
    Probe basis = kept != null ? kept : probes.get(probes.size() - 1);
    double sustained = kept != null ? kept.achievedOpsPerSecond() : basis.throughOpsPerSecond();
    LOG.info(
        "sustainable live rate sustainedOpsPerSecond={} keptUp={} probes={} unthrottledThroughOpsPerSecond={}",
        Math.round(sustained),
        kept != null,
        probes.size(),
        Math.round(first.throughOpsPerSecond()));
    return new Sustained(basis.operations(), first.achievedOpsPerSecond(), sustained, probes);
  }

  /** One feed at {@code opsPerSecond} (infinite: unthrottled) beside a fresh auditor. */
  private static Probe probe(Path workDir, long events, double opsPerSecond) throws Exception {
    try (BenchEnvironment env = BenchEnvironment.start(workDir)) {
      double rate = Double.isInfinite(opsPerSecond) ? 1_000_000 : opsPerSecond;
      Preload.Plan plan = new Preload.Plan(events, false, 0.01, rate, 11, 0);
      AuditPolicy policy =
          ScenarioPolicy.assumedBy(plan.scenario(), ScenarioPolicy.BENCH_IN_FLIGHT);
      String appId = "bench-sustain-" + UUID.randomUUID().toString().substring(0, 8);
      try (HeraldAuditor auditor =
              AuditorRun.start(env, policy, appId, "exactly_once_v2", env.scratch(appId));
          AuditorProgress progress = new AuditorProgress(env.bootstrapServers())) {
        if (!auditor.awaitRunning(Duration.ofSeconds(120))) {
          throw new IllegalStateException("auditor not running after 120 s: " + auditor.state());
        }
        long start = System.nanoTime();
        Preload.Result run = Preload.run(env, plan, env.scratch("truth").resolve("sustain.jsonl"));
        long fed = System.nanoTime();
        long end = progress.endOffsets().values().stream().mapToLong(Long::longValue).sum();
        long deadline = fed + Duration.ofMinutes(30).toNanos();
        while (progress.committed(appId) < end) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException(
                "auditor " + appId + " did not catch up within 30 min: " + auditor.state());
          }
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
        double feedSeconds = (fed - start) / 1e9;
        double drainSeconds = (System.nanoTime() - fed) / 1e9;
        double achieved =
            run.summary().events() / Math.max(1e-9, run.summary().elapsed().toNanos() / 1e9);
        Probe p =
            new Probe(
                opsPerSecond,
                achieved,
                run.summary().events(),
                feedSeconds,
                drainSeconds,
                drainSeconds <= KEPT_UP_SECONDS);
        LOG.info(
            "sustainable rate probe targetOpsPerSecond={} achievedOpsPerSecond={} feedSeconds={}"
                + " drainSeconds={} keptUp={}",
            Double.isInfinite(opsPerSecond) ? "unthrottled" : Math.round(opsPerSecond),
            Math.round(achieved),
            String.format(Locale.ROOT, "%.1f", feedSeconds),
            String.format(Locale.ROOT, "%.1f", drainSeconds),
            p.keptUp());
        return p;
      }
    }
  }

  /**
   * Logs the latency of the faults injected in each 5 s of the run (median and maximum): a delay
   * that grows through the run is a backlog, a flat one a fixed wait (a deadline, a commit).
   */
  private static void logTimeline(
      Map<ExpectedAlert.Identity, Long> injected, Map<ExpectedAlert.Identity, Long> seen) {
    long first = injected.values().stream().mapToLong(Long::longValue).min().orElse(0);
    Map<Long, Histogram> buckets = new TreeMap<>();
    injected.forEach(
        (id, at) -> {
          Long alerted = seen.get(id);
          if (alerted != null) {
            buckets
                .computeIfAbsent((at - first) / 5_000, b -> new Histogram(3))
                .recordValue(Math.max(0, alerted - at));
          }
        });
    buckets.forEach(
        (b, h) ->
            LOG.info(
                "latency over the run fromSecond={} faults={} p50Ms={} maxMs={}",
                b * 5,
                h.getTotalCount(),
                h.getValueAtPercentile(50),
                h.getMaxValue()));
  }

  /**
   * Splits each fault's latency at the alert's record time (the broker time of the input that
   * raised it) and at the moment its alert was written (read_uncommitted): injection to broker
   * (reporters, signing, produce), broker to alert written (the auditor's processing, both hops),
   * written to committed (the auditor's commit and the broker's transaction markers).
   */
  private static void logSplit(
      Map<ExpectedAlert.Identity, Long> injected,
      Map<ExpectedAlert.Identity, Long> recordTimes,
      Map<ExpectedAlert.Identity, Long> written,
      Map<ExpectedAlert.Identity, Long> seen) {
    Histogram toBroker = new Histogram(3);
    Histogram toWritten = new Histogram(3);
    Histogram toCommitted = new Histogram(3);
    int[] slowLogged = {0};
    injected.forEach(
        (id, at) -> {
          Long record = recordTimes.get(id);
          Long wrote = written.get(id);
          Long alerted = seen.get(id);
          if (record == null || alerted == null) {
            return;
          }
          toBroker.recordValue(Math.max(0, record - at));
          if (wrote != null) {
            toWritten.recordValue(Math.max(0, wrote - record));
            toCommitted.recordValue(Math.max(0, alerted - wrote));
          }
          if (alerted - at > SLOW_MS && slowLogged[0]++ < 20) {
            LOG.info(
                "slow detection type={} entity={} injected={} brokerTime={} written={} visible={}",
                id.type(),
                id.entityKey(),
                Instant.ofEpochMilli(at),
                Instant.ofEpochMilli(record),
                wrote == null ? "?" : Instant.ofEpochMilli(wrote),
                Instant.ofEpochMilli(alerted));
          }
        });
    LOG.info(
        "latency split injection-to-broker p50Ms={} p99Ms={}; broker-to-alert-written p50Ms={}"
            + " p99Ms={}; written-to-committed p50Ms={} p99Ms={}",
        toBroker.getValueAtPercentile(50),
        toBroker.getValueAtPercentile(99),
        toWritten.getValueAtPercentile(50),
        toWritten.getValueAtPercentile(99),
        toCommitted.getValueAtPercentile(50),
        toCommitted.getValueAtPercentile(99));
  }

  /**
   * Logs the reconciliation stream thread's record rate, records per poll (near {@code
   * max.poll.records}: a backlog), commits per second and their latency, and the input lag.
   */
  private static void logStreamThread(SimpleMeterRegistry meters, String appId) {
    StringBuilder line = new StringBuilder();
    for (String name :
        List.of("process.rate", "poll.records.avg", "commit.rate", "commit.latency.avg")) {
      double v =
          meters.find("kafka.stream.thread." + name).gauges().stream()
              .filter(g -> String.valueOf(g.getId().getTag("thread.id")).startsWith(appId + "-"))
              .mapToDouble(g -> g.value())
              .sum();
      line.append(' ').append(name).append('=').append(String.format(Locale.ROOT, "%.3f", v));
    }
    double lag =
        meters.find("herald_input_lag_records").gauges().stream()
            .mapToDouble(g -> g.value())
            .filter(v -> !Double.isNaN(v))
            .sum();
    double retries =
        meters.find("kafka.producer.record.retry.total").gauges().stream()
                .mapToDouble(g -> g.value())
                .filter(v -> !Double.isNaN(v))
                .sum()
            + meters.find("kafka.producer.record.retry.total").functionCounters().stream()
                .mapToDouble(c -> c.count())
                .sum();
    LOG.info(
        "stream thread{} inputLagRecords={} producerRetriesTotal={}",
        line,
        Math.round(lag),
        Math.round(retries));
  }

  /** Runs {@code events} operations at {@code opsPerSecond} against a live auditor. */
  public static Result run(Path workDir, long events, double opsPerSecond) throws Exception {
    try (BenchEnvironment env = BenchEnvironment.start(workDir)) {
      Preload.Plan plan = new Preload.Plan(events, false, 0.01, opsPerSecond, 7, 0);
      AuditPolicy policy =
          ScenarioPolicy.assumedBy(plan.scenario(), ScenarioPolicy.BENCH_IN_FLIGHT);
      String appId = "bench-live-" + UUID.randomUUID().toString().substring(0, 8);
      SimpleMeterRegistry meters = new SimpleMeterRegistry();
      ScheduledExecutorService sampler =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "herald-bench-thread-ratios");
                t.setDaemon(true);
                return t;
              });
      try (HeraldAuditor auditor =
              AuditorRun.start(env, policy, appId, "exactly_once_v2", env.scratch(appId), meters);
          AutoCloseable stopSampler = sampler::shutdownNow;
          AlertWatcher watcher = AlertWatcher.start(env.bootstrapServers(), env.registry())) {
        if (!auditor.awaitRunning(Duration.ofSeconds(120))) {
          throw new IllegalStateException("auditor not running after 120 s: " + auditor.state());
        }
        sampler.scheduleAtFixedRate(() -> logStreamThread(meters, appId), 5, 5, TimeUnit.SECONDS);
        Preload.Result run = Preload.run(env, plan, env.scratch("truth").resolve("live.jsonl"));
        Map<ExpectedAlert.Identity, Long> injected = new HashMap<>();
        for (ExpectedAlert e : run.truth()) {
          if (!ExpectedAlert.NON_ALERT_TYPES.contains(e.type())) {
            injected.merge(e.identity(), e.time(), Math::min);
          }
        }
        long deadline = System.nanoTime() + SETTLE.toNanos();
        while (System.nanoTime() < deadline
            && !watcher.firstSeen().keySet().containsAll(injected.keySet())) {
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
        Map<ExpectedAlert.Identity, Long> seen = watcher.firstSeen();
        Histogram h = new Histogram(TimeUnit.MINUTES.toMillis(10), 3);
        Map<String, Histogram> byType = new TreeMap<>();
        int matched = 0;
        for (Map.Entry<ExpectedAlert.Identity, Long> e : injected.entrySet()) {
          Long at = seen.get(e.getKey());
          if (at != null) {
            matched++;
            long ms = Math.max(0, Math.min(h.getHighestTrackableValue(), at - e.getValue()));
            h.recordValue(ms);
            byType
                .computeIfAbsent(
                    e.getKey().type(), t -> new Histogram(TimeUnit.MINUTES.toMillis(10), 3))
                .recordValue(ms);
          }
        }
        double achieved =
            run.summary().events() / Math.max(1e-9, run.summary().elapsed().toNanos() / 1e9);
        LOG.info(
            "latency run done faults={} matched={} p50Ms={} p99Ms={} opsPerSecond={}",
            injected.size(),
            matched,
            h.getValueAtPercentile(50),
            h.getValueAtPercentile(99),
            Math.round(achieved));
        logTimeline(injected, seen);
        logSplit(injected, watcher.firstRecordTime(), watcher.firstWritten(), seen);
        byType.forEach(
            (type, t) ->
                LOG.info(
                    "latency by type type={} faults={} p50Ms={} p99Ms={}",
                    type,
                    t.getTotalCount(),
                    t.getValueAtPercentile(50),
                    t.getValueAtPercentile(99)));
        return new Result(
            h, injected.size(), matched, run.truth(), watcher.alerts(), achieved, byType);
      }
    }
  }
}
