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
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
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
   */
  public record Result(
      Histogram histogram,
      int expected,
      int matched,
      List<ExpectedAlert> truth,
      List<AuditAlert> alerts,
      double achievedOpsPerSecond) {
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
      return m;
    }
  }

  /**
   * The live rate the whole setup sustains (simulator, its reporters' signing, broker and auditor
   * on one machine).
   *
   * @param operations simulator operations of the run
   * @param simulatorOpsPerSecond how fast the unthrottled simulator produced them
   * @param sustainedOpsPerSecond operations over the time from the first send to the auditor's
   *     commit of the last batch: the rate at which the auditor keeps up
   */
  public record Sustained(
      long operations, double simulatorOpsPerSecond, double sustainedOpsPerSecond) {}

  /**
   * Measures the sustainable live rate: the simulator as fast as it goes beside a running auditor
   * ({@code exactly_once_v2}), for {@code events} operations; done when the auditor has committed
   * the topic's last offset.
   */
  public static Sustained sustainable(Path workDir, long events) throws Exception {
    try (BenchEnvironment env = BenchEnvironment.start(workDir)) {
      Preload.Plan plan = new Preload.Plan(events, false, 0.01, 1_000_000, 11);
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
        long end = progress.endOffsets().values().stream().mapToLong(Long::longValue).sum();
        long deadline = System.nanoTime() + Duration.ofMinutes(30).toNanos();
        while (progress.committed(appId) < end) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException(
                "auditor " + appId + " did not catch up within 30 min: " + auditor.state());
          }
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double simulator =
            run.summary().events() / Math.max(1e-9, run.summary().elapsed().toNanos() / 1e9);
        LOG.info(
            "sustainable live rate operations={} simulatorOpsPerSecond={} sustainedOpsPerSecond={}",
            run.summary().events(),
            Math.round(simulator),
            Math.round(run.summary().events() / seconds));
        return new Sustained(run.summary().events(), simulator, run.summary().events() / seconds);
      }
    }
  }

  /** Runs {@code events} operations at {@code opsPerSecond} against a live auditor. */
  public static Result run(Path workDir, long events, double opsPerSecond) throws Exception {
    try (BenchEnvironment env = BenchEnvironment.start(workDir)) {
      Preload.Plan plan = new Preload.Plan(events, false, 0.01, opsPerSecond, 7);
      AuditPolicy policy =
          ScenarioPolicy.assumedBy(plan.scenario(), ScenarioPolicy.BENCH_IN_FLIGHT);
      String appId = "bench-live-" + UUID.randomUUID().toString().substring(0, 8);
      try (HeraldAuditor auditor =
              AuditorRun.start(env, policy, appId, "exactly_once_v2", env.scratch(appId));
          AlertWatcher watcher = AlertWatcher.start(env.bootstrapServers(), env.registry())) {
        if (!auditor.awaitRunning(Duration.ofSeconds(120))) {
          throw new IllegalStateException("auditor not running after 120 s: " + auditor.state());
        }
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
        int matched = 0;
        for (Map.Entry<ExpectedAlert.Identity, Long> e : injected.entrySet()) {
          Long at = seen.get(e.getKey());
          if (at != null) {
            matched++;
            h.recordValue(Math.max(0, Math.min(h.getHighestTrackableValue(), at - e.getValue())));
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
        return new Result(h, injected.size(), matched, run.truth(), watcher.alerts(), achieved);
      }
    }
  }
}
