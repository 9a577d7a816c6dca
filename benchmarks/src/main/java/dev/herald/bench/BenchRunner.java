package dev.herald.bench;

import dev.herald.bench.report.BenchReport;
import dev.herald.bench.setup.BenchEnvironment;
import dev.herald.bench.setup.Preload;
import dev.herald.bench.throughput.TopicDrain;
import dev.herald.schema.Topics;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
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
  private final BenchReport report = new BenchReport();

  public BenchRunner(BenchOptions options) {
    this.options = options;
  }

  /** Runs every selected stage; writes the JSON if {@code options.out()} is set. */
  public BenchReport run() throws Exception {
    describeMachine();
    for (BenchOptions.Batching batching : options.batchings()) {
      runBatching(batching);
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
    try (BenchEnvironment env = BenchEnvironment.start(options.workDir())) {
      Path truthFile = env.scratch("truth").resolve("truth.jsonl");
      Preload.Result preload =
          Preload.run(
              env,
              Preload.Plan.of(options.events(), batching == BenchOptions.Batching.ONE),
              truthFile);
      Map<String, Object> pre = report.section("preload " + label);
      pre.put("operations", preload.summary().events());
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
    }
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
    report.machine(
        "loadAverageAtStart", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    try {
      report.machine("host", InetAddress.getLocalHost().getHostName());
    } catch (IOException e) {
      report.machine("host", "unknown");
    }
    report.machine("events", options.events());
  }

  /** Adds the load average at the end (the machine may be shared). */
  private void finish() {
    report.machine(
        "loadAverageAtEnd", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
  }
}
