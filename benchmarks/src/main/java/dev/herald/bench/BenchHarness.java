package dev.herald.bench;

import dev.herald.bench.report.BenchReport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code herald bench}: the end-to-end benchmark harness on a real in-process KRaft broker. Prints
 * a table and the ratios, and writes {@code benchmarks/results/latest.json}.
 *
 * <pre>{@code
 * benchmarks/bench.sh --events 200000 --batch default
 * benchmarks/bench.sh --only-flink --flink-heartbeats 500000
 * java -cp 'benchmarks/target/herald-benchmarks.jar:benchmarks/target/lib/*' \
 *     dev.herald.bench.BenchHarness --events 2000000 --micro
 * }</pre>
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Measure Herald end to end on an in-process broker (see docs/benchmarks.md).")
public final class BenchHarness implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(BenchHarness.class);
  private static final String DEFAULT_OUT = "benchmarks/results/latest.json";

  @Option(
      names = "--events",
      defaultValue = "2000000",
      description =
          "Simulator operations to preload per batching (one report per replica each; default ${DEFAULT-VALUE}).")
  long events;

  @Option(
      names = "--batch",
      split = ",",
      defaultValue = "default,1",
      description =
          "Reporter batchings to measure: default (linger 10 ms), 1 (one report per batch). Default: ${DEFAULT-VALUE}.")
  List<String> batch;

  @Option(names = "--skip-flink", description = "Do not measure the Flink availability job.")
  boolean skipFlink;

  @Option(
      names = "--flink-heartbeats",
      defaultValue = "500000",
      description =
          "Synthetic heartbeats the Flink stage adds to the heartbeat topic (default ${DEFAULT-VALUE}).")
  long flinkHeartbeats;

  @Option(
      names = "--only-flink",
      description =
          "Measure only the Flink availability job against its plain consumer, on its own broker"
              + " (no preload, no auditor stages); results to benchmarks/results/flink-only.json"
              + " unless --out is given.")
  boolean onlyFlink;

  @Option(names = "--skip-latency", description = "Do not measure live detection latency.")
  boolean skipLatency;

  @Option(
      names = "--latency-points",
      split = ",",
      defaultValue = "0.1,0.25,0.5,0.75,1.0,1.5",
      description =
          "Fractions of the sustainable live rate at which detection latency is measured"
              + " (default ${DEFAULT-VALUE}; above 1.0: overload).")
  List<Double> latencyPoints;

  @Option(
      names = "--latency-seconds",
      defaultValue = "30",
      description =
          "About how long each latency point runs (default ${DEFAULT-VALUE}; at most --events/1000).")
  double latencySeconds;

  @Option(names = "--skip-scale-out", description = "Do not measure two auditor instances.")
  boolean skipScaleOut;

  @Option(names = "--micro", description = "Also run the JMH micro-benchmarks (about 1 minute).")
  boolean micro;

  @Option(
      names = "--out",
      defaultValue = DEFAULT_OUT,
      description = "Where to write the JSON results (default ${DEFAULT-VALUE}).")
  Path out;

  @Option(
      names = "--work-dir",
      description = "Parent directory for the broker and state stores (default: the temp dir).")
  Path workDir;

  @Option(
      names = "--accounts",
      description =
          "Live accounts per group in the preload (default 0: about one per fault, so the working"
              + " set grows with --events; give a number to hold it fixed across run sizes).")
  int accounts;

  @Option(
      names = "--preload-cache",
      paramLabel = "DIR",
      description =
          "Keep each preloaded broker in DIR and reuse it in later runs with the same --events,"
              + " --batch and --accounts, so that builds and JVM options are compared on the very"
              + " same input (entries are remade after 6 days; delete DIR after changing the"
              + " simulator or the wire format). Default: preload afresh every run.")
  Path preloadCache;

  @Option(names = "--verbose", description = "Print stack traces on errors.")
  boolean verbose;

  @Override
  public Integer call() throws Exception {
    List<BenchOptions.Batching> batchings = new ArrayList<>();
    for (String b : onlyFlink ? List.<String>of() : batch) {
      switch (b.trim()) {
        case "default" -> batchings.add(BenchOptions.Batching.DEFAULT);
        case "1", "one" -> batchings.add(BenchOptions.Batching.ONE);
        case "none" -> batchings.clear(); // e.g. --batch none --micro: micro-benchmarks only
        default ->
            throw new CommandLine.ParameterException(
                new CommandLine(this),
                "--batch: unknown batching '" + b + "'; allowed: default, 1, none");
      }
    }
    BenchOptions options =
        BenchOptions.defaults()
            .withEvents(events)
            .withBatchings(batchings)
            .withStages(
                onlyFlink || !skipFlink && !batchings.isEmpty(),
                !onlyFlink && !skipLatency,
                !onlyFlink && !skipScaleOut,
                !onlyFlink && micro)
            .withOut(resultsFile())
            .withFlinkHeartbeats(flinkHeartbeats)
            .withLatency(latencyPoints, latencySeconds)
            .withAccounts(accounts)
            .withPreloadCache(preloadCache);
    if (workDir != null) {
      options = options.withWorkDir(workDir);
    }
    BenchReport report = new BenchRunner(options).run();
    System.out.println(report.toText());
    System.out.println("results written to " + resultsFile().toAbsolutePath());
    return 0;
  }

  /**
   * {@code --out}; with {@code --only-flink} the default goes to flink-only.json, not latest.json.
   */
  private Path resultsFile() {
    Path defaultOut = Path.of(DEFAULT_OUT);
    return onlyFlink && out.equals(defaultOut) ? defaultOut.resolveSibling("flink-only.json") : out;
  }

  /** Runs the harness; exit code 0 on success, 1 on failure, 2 on a usage error. */
  public static void main(String[] args) {
    BenchHarness harness = new BenchHarness();
    CommandLine cli = new CommandLine(harness);
    cli.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          System.err.println("herald bench: " + e.getMessage());
          if (harness.verbose) {
            LOG.error("bench failed", e);
          } else {
            System.err.println("hint: run again with --verbose for the stack trace");
          }
          return 1;
        });
    System.exit(cli.execute(args));
  }
}
