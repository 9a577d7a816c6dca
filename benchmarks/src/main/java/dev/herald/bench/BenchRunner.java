package dev.herald.bench;

import dev.herald.auditor.policy.AuditPolicy;
import dev.herald.bench.auditor.AuditorRun;
import dev.herald.bench.flink.FlinkAvailabilityRun;
import dev.herald.bench.latency.LatencyRun;
import dev.herald.bench.report.BenchReport;
import dev.herald.bench.setup.BenchEnvironment;
import dev.herald.bench.setup.Preload;
import dev.herald.bench.setup.PreloadCache;
import dev.herald.bench.throughput.StatefulFloor;
import dev.herald.bench.throughput.TopicDrain;
import dev.herald.infra.demo.ScenarioPolicy;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.Topics;
import dev.herald.schema.signing.Ed25519Provider;
import dev.herald.schema.truth.ExpectedAlert;
import dev.herald.testsupport.DetectionScore;
import dev.herald.testsupport.TopicDrainer;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the end-to-end benchmark stages on a real in-process broker and collects the figures. For
 * each batching: start broker and registry, preload the simulator's traffic once, then measure
 * every consumer from offset 0 with a fresh group or application id.
 *
 * <pre>{@code
 * BenchReport report = new BenchRunner(BenchOptions.defaults().withEvents(200_000)).run();
 * System.out.println(report.toText());
 * }</pre>
 */
public final class BenchRunner {
  private static final Logger LOG = LoggerFactory.getLogger(BenchRunner.class);

  private final BenchOptions options;
  private static final String EOS = "exactly_once_v2";
  private static final String ALOS = "at_least_once";
  static final String STATEFUL_FLOOR =
      "s stateful floor (Kafka Streams exactly_once_v2: decode, verify, one store read and write"
          + " per report)";

  private final BenchReport report = new BenchReport();
  private double maxEosReportsPerSecond = 10_000;
  private double reportsPerOperation = 5;

  public BenchRunner(BenchOptions options) {
    this.options = options;
  }

  /** Runs every selected stage; writes the JSON if {@code options.out()} is set. */
  public BenchReport run() throws Exception {
    describeMachine();
    for (BenchOptions.Batching batching : options.batchings()) {
      runBatching(batching);
    }
    if (options.flink() && !options.batchings().contains(BenchOptions.Batching.DEFAULT)) {
      // no default-batching preload to share: the Flink stage on its own broker
      try (BenchEnvironment env = BenchEnvironment.start(options.workDir())) {
        flink(env, "flink-only");
      }
    }
    if (options.latency() && !options.batchings().isEmpty()) {
      latency();
    }
    if (options.micro()) {
      report.section("micro").putAll(MicroBenchmarks.run());
    }
    finish();
    if (options.out() != null) {
      report.writeJson(options.out());
    }
    return report;
  }

  private void runBatching(BenchOptions.Batching batching) throws Exception {
    String label = batching.label();
    Preload.Plan plan =
        Preload.Plan.of(
            options.events(), batching == BenchOptions.Batching.ONE, options.accounts());
    try (PreloadCache.Opened opened = preloaded(plan)) {
      BenchEnvironment env = opened.env();
      Preload.Result preload = opened.preload();
      Map<String, Object> pre = report.section("preload " + label);
      if (options.preloadCache() != null) {
        pre.put("cache entry", opened.entry().toString());
        pre.put("from cache", opened.fromCache());
        pre.put("made at", opened.created().toString());
      }
      pre.put("operations", preload.summary().events());
      pre.put("accounts per group", preload.scenario().entities());
      pre.put("reports", preload.summary().reportsSent());
      pre.put("faults", preload.summary().faults());
      pre.put("reportsFailed", preload.summary().reportsFailed());
      pre.put("seconds", preload.summary().elapsed().toMillis() / 1000.0);

      TopicDrain.Result plain = TopicDrain.plain(env.bootstrapServers(), Topics.STATE_CHANGES);
      TopicDrain.Result work = TopicDrain.verifying(env.bootstrapServers(), env.registry());
      long events = work.reports();
      pre.put("batches", work.records());
      pre.put("batchesRejected", work.rejected());
      pre.put("topicBytes", plain.bytes());
      BenchReport.Row a =
          report.throughput(label, "a plain consumer (I/O floor)", events, seconds(plain));
      BenchReport.Row b =
          report.throughput(label, "b deserialize + verify (work floor)", events, seconds(work));
      Map<String, Object> ratios = report.section("ratios " + label);
      ratios.put("b/a", b.perSecond() / a.perSecond());
      LOG.info(
          "bench stage done batching={} stage=floors a={} b={}",
          label,
          a.perSecond(),
          b.perSecond());

      AuditorRun.Result floor = StatefulFloor.reprocess(env);
      BenchReport.Row s = steady(label, STATEFUL_FLOOR, floor, events);
      ratios.put("s/b", s.perSecond() / b.perSecond());
      Map<String, Object> sf = report.section("stateful floor " + label);
      sf.put("final entries", floor.finalEntries());
      sf.put(
          "start-up seconds (not in s)",
          (floor.total().toNanos() - floor.steady().toNanos()) / 1e9);

      AuditPolicy policy =
          ScenarioPolicy.assumedBy(preload.scenario(), ScenarioPolicy.BENCH_IN_FLIGHT);
      Map<TopicPartition, Long> alertsBefore =
          TopicDrainer.mark(env.bootstrapServers(), Topics.ALERTS);
      Map<TopicPartition, Long> dlqBefore = TopicDrainer.mark(env.bootstrapServers(), Topics.DLQ);
      AuditorRun.Result eos = AuditorRun.reprocess(env, policy, EOS, 1, null);
      BenchReport.Row c = steady(label, "c auditor exactly_once_v2", eos, events);
      quality(label, env, preload, alertsBefore, dlqBefore);
      state(label, eos);

      AuditorRun.Result alos = AuditorRun.reprocess(env, policy, ALOS, 1, null);
      BenchReport.Row d = steady(label, "d auditor at_least_once", alos, events);
      ratios.put("c/b", c.perSecond() / b.perSecond());
      ratios.put("c/a", c.perSecond() / a.perSecond());
      ratios.put("d/b", d.perSecond() / b.perSecond());
      ratios.put("c/s", c.perSecond() / s.perSecond());
      // on a shared machine the wall-clock rates measure the machine; CPU per report does not
      double cpuB = cpuMicrosPerReport(work.cpu(), events);
      double cpuC = cpuMicrosPerReport(eos.steadyCpu(), eos.steadyShare(events));
      double cpuD = cpuMicrosPerReport(alos.steadyCpu(), alos.steadyShare(events));
      ratios.put("CPU us/report b (work-floor thread)", cpuB);
      double cpuS = cpuMicrosPerReport(floor.steadyCpu(), floor.steadyShare(events));
      ratios.put("CPU us/report s (stateful floor threads, EOS)", cpuS);
      ratios.put("CPU us/report c (auditor threads, EOS)", cpuC);
      ratios.put("CPU us/report d (auditor threads, ALOS)", cpuD);
      ratios.put("c/b by CPU (b CPU per report / c CPU per report)", cpuB / cpuC);
      ratios.put("d/b by CPU", cpuB / cpuD);
      ratios.put("s/b by CPU", cpuB / cpuS);
      ratios.put("c/s by CPU (s CPU per report / c CPU per report)", cpuS / cpuC);
      Map<String, Object> byThread = report.section("CPU us/report by thread " + label);
      byThread.put("s", cpuByThread(floor, events));
      byThread.put("c", cpuByThread(eos, events));
      byThread.put("d", cpuByThread(alos, events));
      ratios.put(
          "auditor start-up seconds (EOS, not in c)",
          (eos.total().toNanos() - eos.steady().toNanos()) / 1e9);
      if (batching == BenchOptions.Batching.DEFAULT) {
        maxEosReportsPerSecond = c.perSecond();
        reportsPerOperation = (double) events / Math.max(1, preload.summary().events());
      }

      if (options.scaleOut() && batching == BenchOptions.Batching.DEFAULT) {
        AuditorRun.Result two = AuditorRun.reprocess(env, policy, EOS, 2, null);
        BenchReport.Row e = steady(label, "e auditor exactly_once_v2, 2 instances", two, events);
        Map<String, Object> scale = report.section("scale-out " + label);
        scale.put("1 instance events/s", c.perSecond());
        scale.put("2 instances events/s", e.perSecond());
        scale.put("2/1", e.perSecond() / c.perSecond());
        scale.put(
            "events/s per core (1 instance, EOS)",
            c.perSecond() / Runtime.getRuntime().availableProcessors());
      }

      if (options.flink() && batching == BenchOptions.Batching.DEFAULT) {
        flink(env, label);
      }
    }
  }

  /**
   * The plan's traffic on a running broker: from {@code --preload-cache} when set (restored, or
   * preloaded and saved there first), else preloaded afresh on a new broker.
   */
  private PreloadCache.Opened preloaded(Preload.Plan plan) throws IOException {
    if (options.preloadCache() != null) {
      return new PreloadCache(options.preloadCache()).open(options.workDir(), plan);
    }
    BenchEnvironment env = BenchEnvironment.start(options.workDir());
    try {
      Path truthFile = env.scratch("truth").resolve("truth.jsonl");
      return new PreloadCache.Opened(
          env, Preload.run(env, plan, truthFile), false, truthFile.getParent(), Instant.now());
    } catch (RuntimeException e) {
      env.close();
      throw e;
    }
  }

  /**
   * The Flink availability job on the heartbeat topic topped up with {@code flinkHeartbeats}: row f
   * is the plain consumer, row g the job in steady state (first record read to last window report);
   * its start-up and final commit are reported apart in the {@code flink} section.
   */
  private void flink(BenchEnvironment env, String label) throws Exception {
    FlinkAvailabilityRun.Result f = FlinkAvailabilityRun.run(env, options.flinkHeartbeats());
    report.throughput(
        label,
        "f plain consumer of heartbeats",
        f.heartbeatRecords(),
        f.plain().elapsed().toNanos() / 1e9);
    BenchReport.Row g =
        report.throughput(
            label,
            "g Flink availability job (steady state)",
            f.flinkRecords(),
            f.steady().toNanos() / 1e9);
    Map<String, Object> fr = report.section("flink " + label);
    fr.put("heartbeats", f.heartbeatRecords());
    fr.put("parallelism", f.parallelism());
    fr.put("object reuse", f.objectReuse());
    fr.put("records read by the job", f.flinkRecords());
    fr.put("window reports", f.windowReports());
    fr.put("start-up seconds (submit to first record, not in g)", f.startUp().toMillis() / 1000.0);
    fr.put("steady seconds (first record to last report)", f.steady().toMillis() / 1000.0);
    fr.put("tail seconds (last report to job end, not in g)", f.tail().toMillis() / 1000.0);
    fr.put("plain consumer records/s (median of 3)", f.plainPerSecond());
    fr.put("decoding consumer records/s (Avro-decodes each)", f.decodingPerSecond());
    fr.put("verifying consumer records/s (decodes and verifies each)", f.verifyingPerSecond());
    fr.put("steady records/s", g.perSecond());
    fr.put("overall records/s (start-up and tail included)", f.overallPerSecond());
    fr.put("g/f", g.perSecond() / f.plainPerSecond());
    fr.put("g/f overall", f.overallPerSecond() / f.plainPerSecond());
    fr.put("g / decoding consumer", g.perSecond() / f.decodingPerSecond());
    fr.put("g / verifying consumer", g.perSecond() / f.verifyingPerSecond());
    double plainCpu =
        FlinkAvailabilityRun.Result.cpuMicrosPerRecord(f.plainCpu(), f.heartbeatRecords());
    double decodingCpu =
        FlinkAvailabilityRun.Result.cpuMicrosPerRecord(f.decodingCpu(), f.heartbeatRecords());
    double flinkCpu =
        FlinkAvailabilityRun.Result.cpuMicrosPerRecord(f.steadyCpu(), f.flinkRecords());
    fr.put("CPU us/record plain consumer (JVM incl. broker)", plainCpu);
    fr.put("CPU us/record decoding consumer", decodingCpu);
    fr.put("CPU us/record Flink job, steady", flinkCpu);
    fr.put("g/f by CPU (plain CPU per record / job CPU per record)", plainCpu / flinkCpu);
  }

  /** An auditor row at its steady-state rate (first commit to last); start-up reported apart. */
  private BenchReport.Row steady(String label, String stage, AuditorRun.Result r, long events) {
    BenchReport.Row row = report.throughput(label, stage, events, r.steady().toNanos() / 1e9);
    BenchReport.Row exact =
        new BenchReport.Row(label, stage, events, row.seconds(), r.perSecond(events));
    report.replace(row, exact);
    return exact;
  }

  private void quality(
      String label,
      BenchEnvironment env,
      Preload.Result preload,
      Map<TopicPartition, Long> alertsBefore,
      Map<TopicPartition, Long> dlqBefore) {
    List<AuditAlert> alerts = env.alertsSince(alertsBefore);
    Map<String, Object> q = report.section("quality " + label + " (reprocessing, EOS)");
    DetectionScore score = DetectionScore.ofEveryStatus(preload.truth(), alerts);
    score.byType().forEach((t, sc) -> q.put(t, sc.toMap()));
    // every miss and false positive, with the alerts' own words: a run that is not exact says why
    q.put("missed", score.missed().stream().map(String::valueOf).sorted().limit(50).toList());
    q.put("false positives", falsePositives(score, alerts));
    long malformed =
        preload.truth().stream().filter(e -> e.type().equals("MALFORMED_RECORD")).count();
    q.put("malformed records injected", malformed);
    q.put("dead letters written", TopicDrainer.readSince(env.bootstrapServers(), dlqBefore).size());
  }

  /**
   * The alerts of {@code score}'s false positives (at most 50): identity, status, nodes, detail.
   */
  private static List<Map<String, Object>> falsePositives(
      DetectionScore score, List<AuditAlert> alerts) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (AuditAlert a : alerts) {
      ExpectedAlert.Identity id = ExpectedAlert.identityOf(a);
      if (out.size() < 50 && score.unexpected().contains(id)) {
        Map<String, Object> fp = new LinkedHashMap<>();
        fp.put("identity", String.valueOf(id));
        fp.put("alertId", a.getAlertId());
        fp.put("status", String.valueOf(a.getStatus()));
        fp.put("nodes", a.getNodes());
        fp.put("detail", a.getDetail());
        out.add(fp);
      }
    }
    return out;
  }

  private void state(String label, AuditorRun.Result eos) {
    Map<String, Object> st = report.section("state " + label + " (EOS reprocessing)");
    st.put("samples", eos.samples());
    st.put("final entries", eos.finalEntries());
  }

  /**
   * Item 4 of issue #15: the live rate the whole setup sustains, then detection latency at
   * fractions of it ({@code --latency-points}, by default 10, 25, 50, 75, 100 and 150 %), each on a
   * fresh broker for about {@code --latency-seconds}; the point at 0.5 is also written as the
   * headline section, and the overload point's quality says whether an overloaded auditor raised
   * anything false.
   */
  private void latency() throws Exception {
    double seconds = Math.min(options.latencySeconds(), Math.max(5, options.events() / 1000.0));
    double reprocessOps = maxEosReportsPerSecond / Math.max(1, reportsPerOperation);
    long sustainEvents =
        Math.max(1_000, Math.min(options.events(), (long) (reprocessOps * seconds)));
    LatencyRun.Sustained sustained =
        LatencyRun.sustainable(options.workDir(), sustainEvents, seconds);
    Map<String, Object> live = report.section("live sustainable rate");
    live.put("operations", sustained.operations());
    live.put("simulator ops/s (unthrottled)", sustained.simulatorOpsPerSecond());
    live.put(
        "sustained ops/s (highest probed feed the auditor kept up with, simulator beside it)",
        sustained.sustainedOpsPerSecond());
    live.put(
        "probes",
        sustained.probes().stream().map(LatencyRun.Probe::toMap).collect(Collectors.toList()));
    live.put("sustained reports/s", sustained.sustainedOpsPerSecond() * reportsPerOperation);
    live.put("reports per operation", reportsPerOperation);
    Map<String, Object> curve = report.section("latency curve (live)");
    for (double fraction : options.latencyPoints()) {
      double opsPerSecond = Math.max(10, fraction * sustained.sustainedOpsPerSecond());
      long events = Math.max(500, Math.min(options.events(), (long) (opsPerSecond * seconds)));
      LatencyRun.Result r = LatencyRun.run(options.workDir(), events, opsPerSecond);
      Map<String, DetectionScore.Row> scores =
          DetectionScore.ofEveryStatus(r.truth(), r.alerts()).byType();
      DetectionScore.Row all = scores.get(DetectionScore.ALL);
      Map<String, Object> point = new LinkedHashMap<>();
      point.put("fraction of sustainable", fraction);
      point.put("targetOpsPerSecond", opsPerSecond);
      point.put("operations", events);
      point.putAll(r.toMap());
      point.put("precision", all == null ? 1.0 : all.precision());
      point.put("recall", all == null ? 1.0 : all.recall());
      point.put("false positives", all == null ? 0 : all.raised() - all.truePositives());
      Map<String, Long> falseByType = new TreeMap<>();
      scores.forEach(
          (type, score) -> {
            if (!type.equals("ALL") && score.raised() > score.truePositives()) {
              falseByType.put(type, (long) (score.raised() - score.truePositives()));
            }
          });
      point.put("false positives by type", falseByType);
      curve.put(String.format(Locale.ROOT, "%.0f%%", fraction * 100), point);
      if (fraction == 0.5) {
        Map<String, Object> l = report.section("latency (live, half the max EOS rate)");
        l.put("rateBasis", "half the sustainable live rate (section 'live sustainable rate')");
        l.put("targetOpsPerSecond", opsPerSecond);
        l.put("operations", events);
        l.putAll(r.toMap());
        Map<String, Object> q = report.section("quality (live)");
        scores.forEach((t, sc) -> q.put(t, sc.toMap()));
      }
      if (fraction > 1.0) {
        Map<String, Object> q =
            report.section(String.format(Locale.ROOT, "quality (live, %.1fx overload)", fraction));
        scores.forEach((t, sc) -> q.put(t, sc.toMap()));
      }
    }
  }

  /** The CPU per report of each kind of the run's threads (stream thread, producer I/O, …). */
  private static Map<String, Double> cpuByThread(AuditorRun.Result run, long events) {
    Map<String, Double> out = new LinkedHashMap<>();
    run.steadyCpuByThread()
        .forEach((kind, cpu) -> out.put(kind, cpuMicrosPerReport(cpu, run.steadyShare(events))));
    return out;
  }

  private static double cpuMicrosPerReport(Duration cpu, double reports) {
    return cpu.toNanos() / 1e3 / Math.max(1, reports);
  }

  private static double seconds(TopicDrain.Result r) {
    return r.elapsed().toNanos() / 1e9;
  }

  private void describeMachine() {
    Runtime rt = Runtime.getRuntime();
    report.machine("startedAt", Instant.now().toString());
    report.machine("cores", rt.availableProcessors());
    report.machine("maxHeapMiB", rt.maxMemory() >> 20);
    report.machine("java", System.getProperty("java.vm.name") + " " + Runtime.version());
    report.machine(
        "os",
        System.getProperty("os.name")
            + " "
            + System.getProperty("os.version")
            + " "
            + System.getProperty("os.arch"));
    Map<String, String> auditorProperties = AuditorRun.extraProperties();
    if (!auditorProperties.isEmpty()) {
      report.machine("auditor properties", auditorProperties);
      System.err.println("herald bench: auditor properties " + auditorProperties);
    }
    double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    report.machine("loadAverageAtStart", load);
    if (load > rt.availableProcessors()) {
      String warning =
          String.format(
              Locale.ROOT,
              "load average %.1f at the start exceeds the %d cores: other work competes with"
                  + " this run, so its figures are not reference figures",
              load,
              rt.availableProcessors());
      report.machine("warning", warning);
      LOG.warn("herald bench: {}", warning);
      System.err.println("herald bench: warning: " + warning);
    }
    try {
      report.machine("host", InetAddress.getLocalHost().getHostName());
    } catch (IOException e) {
      report.machine("host", "unknown");
    }
    report.machine("events", options.events());
    report.machine(
        "ed25519",
        Ed25519Provider.selected().label()
            + (Ed25519Provider.CORRETTO.available()
                ? ""
                : " (Corretto: " + Ed25519Provider.correttoProblem() + ")"));
  }

  /** Adds the load average at the end (the machine may be shared). */
  private void finish() {
    report.machine(
        "loadAverageAtEnd", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
  }
}
