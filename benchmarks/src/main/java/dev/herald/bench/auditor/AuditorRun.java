package dev.herald.bench.auditor;

import dev.herald.auditor.AuditorConfig;
import dev.herald.auditor.HeraldAuditor;
import dev.herald.auditor.policy.AuditPolicy;
import dev.herald.bench.setup.BenchEnvironment;
import io.micrometer.core.instrument.MeterRegistry;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reprocesses {@code herald.state-changes.v1} from offset 0 with one or more real auditor instances
 * under a fresh application id and times it, sampling state store entries and on-disk size as it
 * goes. The run ends when the committed offsets reach the topic's end.
 *
 * <pre>{@code
 * AuditorRun.Result r = AuditorRun.reprocess(env, scenario, "exactly_once_v2", 1, false);
 * double eventsPerSecond = r.perSecond(reports);
 * }</pre>
 */
public final class AuditorRun {
  private static final Logger LOG = LoggerFactory.getLogger(AuditorRun.class);
  private static final Duration TIMEOUT = Duration.ofMinutes(60);

  private AuditorRun() {}

  /**
   * One reprocessing run.
   *
   * @param applicationId the fresh application id used
   * @param records records of the topic processed
   * @param total from starting the instances to the last commit
   * @param steady from the first commit to the last
   * @param steadyRecords records committed between the first commit and the last
   * @param samples state over the run: records processed, store entries, bytes on disk
   * @param finalEntries live entries per store at the end
   * @param steadyCpu CPU time of the application's threads (stream threads, their producers, the
   *     state updater) from the first commit to the last
   * @param steadyCpuByThread {@code steadyCpu} by kind of thread ({@link #threadKind}), so a run
   *     shows whether a difference (exactly-once against at-least-once, one build against another)
   *     lies with the stream thread, its producer's I/O or elsewhere
   */
  public record Result(
      String applicationId,
      long records,
      Duration total,
      Duration steady,
      long steadyRecords,
      List<Map<String, Object>> samples,
      Map<String, Long> finalEntries,
      Duration steadyCpu,
      Map<String, Duration> steadyCpuByThread) {
    /** The share of {@code events} committed in the steady part of the run. */
    public double steadyShare(long events) {
      return records == 0 ? events : (double) events * steadyRecords / records;
    }

    /**
     * Events per second in the steady part of the run: the share of {@code events} in the records
     * committed after the first commit, over the time from the first commit to the last (start-up
     * and the first rebalance excluded; {@link #total} includes them).
     */
    public double perSecond(long events) {
      double share = records == 0 ? 0 : (double) steadyRecords / records;
      double secs = steady.toNanos() / 1e9;
      if (secs <= 0 || steadyRecords == 0) {
        return events / Math.max(1e-9, total.toNanos() / 1e9);
      }
      return events * share / secs;
    }
  }

  /**
   * CPU time (ns) of the live threads whose name holds {@code applicationId}, summed by {@link
   * #threadKind}.
   */
  static Map<String, Long> appCpuByThread(String applicationId) {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    Map<String, Long> byKind = new TreeMap<>();
    for (ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds())) {
      if (t != null && t.getThreadName().contains(applicationId)) {
        long cpu = mx.getThreadCpuTime(t.getThreadId());
        byKind.merge(threadKind(t.getThreadName(), applicationId), Math.max(0, cpu), Long::sum);
      }
    }
    return byKind;
  }

  /**
   * The kind of a Kafka Streams thread of {@code applicationId} (or of the auditor's identity
   * application, {@code applicationId-identity}, prefixed "identity "): "stream thread", "producer
   * I/O" (a stream thread's producer's network thread), "global stream thread", "state updater" or
   * "other".
   */
  static String threadKind(String threadName, String applicationId) {
    String app = threadName.contains(applicationId + "-identity") ? "identity " : "";
    if (threadName.startsWith("kafka-producer-network-thread")) {
      return app + "producer I/O";
    }
    if (threadName.contains("GlobalStreamThread")) {
      return app + "global stream thread";
    }
    if (threadName.contains("StateUpdater")) {
      return app + "state updater";
    }
    if (threadName.contains("StreamThread")) {
      return app + "stream thread";
    }
    return app + "other";
  }

  private static long total(Map<String, Long> byKind) {
    return byKind.values().stream().mapToLong(Long::longValue).sum();
  }

  private static Map<String, Duration> since(Map<String, Long> start, Map<String, Long> end) {
    Map<String, Duration> out = new TreeMap<>();
    end.forEach(
        (kind, ns) ->
            out.put(kind, Duration.ofNanos(Math.max(0, ns - start.getOrDefault(kind, 0L)))));
    return out;
  }

  /**
   * JVM system properties with this prefix go, without it, to every auditor the harness starts (as
   * the auditor's {@code --command-config} file would): experiments with a setting, e.g. {@code
   * -Dherald.bench.auditor.herald.writeback.herald-entities.entries=4096} in {@code
   * HERALD_BENCH_JAVA_OPTS}. The processing guarantee of a stage is not overridden. The JSON
   * records them ({@code machine."auditor properties"}).
   */
  public static final String PROPERTY_PREFIX = "herald.bench.auditor.";

  /** The auditor properties given with {@link #PROPERTY_PREFIX}, sorted; empty if none. */
  public static Map<String, String> extraProperties() {
    Map<String, String> extra = new TreeMap<>();
    System.getProperties()
        .stringPropertyNames()
        .forEach(
            k -> {
              if (k.startsWith(PROPERTY_PREFIX) && k.length() > PROPERTY_PREFIX.length()) {
                extra.put(k.substring(PROPERTY_PREFIX.length()), System.getProperty(k));
              }
            });
    return extra;
  }

  /** Starts one auditor instance. */
  public static HeraldAuditor start(
      BenchEnvironment env, AuditPolicy policy, String applicationId, String guarantee, Path dir) {
    return start(env, policy, applicationId, guarantee, dir, null);
  }

  /** Starts one auditor instance whose meters (Kafka Streams' included) go to {@code meters}. */
  public static HeraldAuditor start(
      BenchEnvironment env,
      AuditPolicy policy,
      String applicationId,
      String guarantee,
      Path dir,
      MeterRegistry meters) {
    Properties client = new Properties();
    client.putAll(extraProperties());
    client.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee);
    return HeraldAuditor.start(
        AuditorConfig.builder()
            .bootstrapServers(env.bootstrapServers())
            .applicationId(applicationId)
            .stateDir(dir)
            .policy(policy)
            .schemaRegistry(env.registry())
            .clientProperties(client)
            .meters(meters)
            .build());
  }

  /**
   * Reprocesses the whole topic with {@code instances} auditor instances and {@code guarantee}
   * ({@code exactly_once_v2} or {@code at_least_once}); with {@code keepRunning} the instances are
   * returned open in {@code running} for a live phase.
   */
  public static Result reprocess(
      BenchEnvironment env,
      AuditPolicy policy,
      String guarantee,
      int instances,
      List<HeraldAuditor> running)
      throws Exception {
    String appId =
        "bench-"
            + guarantee.replace('_', '-')
            + "-x"
            + instances
            + "-"
            + UUID.randomUUID().toString().substring(0, 8);
    List<HeraldAuditor> auditors = new ArrayList<>();
    List<Path> dirs = new ArrayList<>();
    for (int i = 0; i < instances; i++) {
      dirs.add(env.scratch(appId + "-" + i));
    }
    Result r =
        measure(
            env,
            appId,
            dirs,
            () -> dirs.forEach(dir -> auditors.add(start(env, policy, appId, guarantee, dir))),
            () -> {
              if (running != null) {
                running.addAll(auditors);
              } else {
                auditors.forEach(HeraldAuditor::close);
              }
            },
            () -> auditors.isEmpty() ? "not started" : String.valueOf(auditors.get(0).state()));
    LOG.info(
        "auditor reprocess done appId={} guarantee={} instances={} records={} totalMs={} steadyMs={}",
        appId,
        guarantee,
        instances,
        r.records(),
        r.total().toMillis(),
        r.steady().toMillis());
    return r;
  }

  /**
   * Times a Kafka Streams application reading {@code herald.state-changes.v1} from offset 0 under
   * the fresh {@code appId}: {@code start} starts it, the run ends when its committed offsets reach
   * the topic's end offsets taken before the start, and {@code stop} is called in any case. State
   * stores under {@code dirs} and the application's changelogs are sampled every 2 s; {@code state}
   * describes the application for the timeout message.
   */
  public static Result measure(
      BenchEnvironment env,
      String appId,
      List<Path> dirs,
      Runnable start,
      Runnable stop,
      Supplier<String> state)
      throws Exception {
    List<Map<String, Object>> samples = new ArrayList<>();
    try (AuditorProgress progress = new AuditorProgress(env.bootstrapServers())) {
      long end = progress.endOffsets().values().stream().mapToLong(Long::longValue).sum();
      long startedAt = System.nanoTime();
      long firstCommitAt = -1;
      Map<String, Long> cpuAtFirstCommit = Map.of();
      long firstCommitted = 0;
      long lastSample = 0;
      long done;
      Map<String, Long> cpuAtEnd;
      StoreCensus census = null;
      try {
        start.run();
        while (true) {
          long committed = progress.committed(appId);
          long now = System.nanoTime();
          if (committed > 0 && firstCommitAt < 0) {
            firstCommitAt = now;
            firstCommitted = committed;
            cpuAtFirstCommit = appCpuByThread(appId);
          }
          if (committed > 0 && census == null) {
            census =
                new StoreCensus(env.bootstrapServers(), appId, progress.changelogs(appId), dirs);
          }
          if (census != null && (now - lastSample > 2_000_000_000L || committed >= end)) {
            lastSample = now;
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("seconds", (now - startedAt) / 1e9);
            s.put("records", committed);
            s.put("diskBytes", census.diskBytes());
            s.put("entries", census.liveEntries());
            s.put("writes", census.writes());
            samples.add(s);
          }
          if (committed >= end) {
            done = now;
            cpuAtEnd = appCpuByThread(appId);
            break;
          }
          if (now - startedAt > TIMEOUT.toNanos()) {
            throw new IllegalStateException(
                appId
                    + " committed "
                    + committed
                    + " of "
                    + end
                    + " records in "
                    + TIMEOUT.toMinutes()
                    + " min; state "
                    + state.get());
          }
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
        Map<String, Long> finalEntries = census.liveEntries();
        Duration steady = Duration.ofNanos(done - (firstCommitAt < 0 ? startedAt : firstCommitAt));
        return new Result(
            appId,
            end,
            Duration.ofNanos(done - startedAt),
            steady,
            end - firstCommitted,
            samples,
            finalEntries,
            Duration.ofNanos(Math.max(0, total(cpuAtEnd) - total(cpuAtFirstCommit))),
            since(cpuAtFirstCommit, cpuAtEnd));
      } finally {
        if (census != null) {
          census.close();
        }
        stop.run();
      }
    }
  }
}
