package dev.herald.infra.cli;

import dev.herald.flink.FlinkJobConfig;
import dev.herald.flink.HeraldFlinkMain;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.FileUtils;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code herald flink}: runs the availability and risk jobs in a local Flink MiniCluster against
 * any Kafka cluster. On a real Flink cluster, {@code herald flink submit} uploads and runs {@code
 * flink-jobs/target/herald-flink-jobs.jar} over the JobManager's REST API, as {@code flink run}
 * does (docs/governance.md).
 */
@Command(
    name = "flink",
    mixinStandardHelpOptions = true,
    subcommands = FlinkSubmitCommand.class,
    description = {
      "Runs Herald's Flink jobs (availability, risk, consistency) in a local MiniCluster.",
      "They read herald.heartbeats.v1, herald.alerts.v1 and the node registry herald.nodes.v1"
          + " (only heartbeats signed with a registered key count) and write"
          + " herald.availability.v1, herald.risk.v1 and, for bad, unverifiable or late records,"
          + " herald.dlq.v1.",
      "Stop with Ctrl-C, or use --bounded to process what is there and exit.",
      "On a Flink session cluster: herald flink submit --jobmanager URL (see: herald flink submit"
          + " --help)."
    })
final class FlinkCommand implements Callable<Integer> {
  @Mixin ClientOptions client;

  @Mixin JobOptions options;

  /** The job options both {@code herald flink} and {@code herald flink submit} take. */
  static final class JobOptions {
    @Option(
        names = {"--schema-registry-url", "--registry"},
        paramLabel = "URL",
        defaultValue = "${env:HERALD_SCHEMA_REGISTRY_URL:-http://localhost:8081}",
        description =
            "Schema registry: http(s)://host:port, or 'preloaded:' for tests (default:"
                + " ${DEFAULT-VALUE}; env HERALD_SCHEMA_REGISTRY_URL).")
    String registry;

    @Option(
        names = "--job",
        defaultValue = "all",
        description = "availability, risk, consistency or all (default: ${DEFAULT-VALUE}).")
    String job;

    @Option(
        names = "--window",
        defaultValue = "1m",
        description = "Availability window (default: ${DEFAULT-VALUE}).")
    String window;

    @Option(
        names = "--silence",
        defaultValue = "15s",
        description = "Heartbeat silence after which a node is down (default: ${DEFAULT-VALUE}).")
    String silence;

    @Option(
        names = "--out-of-orderness",
        defaultValue = "5s",
        description = "Bounded out-of-orderness of event time (default: ${DEFAULT-VALUE}).")
    String outOfOrderness;

    @Option(
        names = "--idleness",
        defaultValue = "30s",
        description =
            "Idle partitions stop holding back event time after (default: ${DEFAULT-VALUE}).")
    String idleness;

    @Option(
        names = "--clock-skew",
        defaultValue = "5s",
        description =
            "A heartbeat's signed time is clamped to its Kafka record time ± this; at most"
                + " --out-of-orderness (default: ${DEFAULT-VALUE}).")
    String clockSkew;

    @Option(
        names = "--slo",
        defaultValue = "0.999",
        description = "Availability SLO (default: ${DEFAULT-VALUE}).")
    double slo;

    @Option(
        names = "--consistency-within",
        defaultValue = "5s",
        description =
            "M of the consistency SLO: every replica agreed within this time of the first report"
                + " (default: ${DEFAULT-VALUE}).")
    String consistencyWithin;

    @Option(
        names = "--consistency-target",
        defaultValue = "0.999",
        description = "Consistency SLO target (default: ${DEFAULT-VALUE}).")
    double consistencyTarget;

    @Option(
        names = "--consistency-window",
        defaultValue = "1m",
        description = "Window of the consistency figure (default: ${DEFAULT-VALUE}).")
    String consistencyWindow;

    @Option(
        names = "--burn-fast",
        defaultValue = "5m",
        description = "Short window of the burn-rate alert (default: ${DEFAULT-VALUE}).")
    String burnFast;

    @Option(
        names = "--burn-slow",
        defaultValue = "1h",
        description = "Long window of the burn-rate alert (default: ${DEFAULT-VALUE}).")
    String burnSlow;

    @Option(
        names = "--burn-threshold",
        defaultValue = "14.4",
        description =
            "Burn rate both windows must reach for the burn-rate alert (default: ${DEFAULT-VALUE}).")
    double burnThreshold;

    @Option(
        names = "--risk-slide",
        defaultValue = "15m",
        description = "How often the 24h/7d risk windows advance (default: ${DEFAULT-VALUE}).")
    String riskSlide;

    @Option(
        names = "--checkpoint-interval",
        defaultValue = "10s",
        description = "Checkpoints, and so exactly-once commits (default: ${DEFAULT-VALUE}).")
    String checkpointInterval;

    @Option(
        names = "--parallelism",
        defaultValue = "1",
        description = "Parallelism (default: ${DEFAULT-VALUE}).")
    int parallelism;

    @Option(
        names = "--id",
        defaultValue = "herald",
        description = "Prefix of consumer group and transactional ids.")
    String id;

    @Option(names = "--bounded", description = "Process the records present at start, then exit.")
    boolean bounded;

    /** The job's settings; a bad value is a usage error naming the option. */
    FlinkJobConfig config(ClientOptions client, String helpCommand) {
      try {
        FlinkJobConfig.Builder b =
            FlinkJobConfig.builder(client.bootstrapServers(), registry)
                .window(FlinkJobConfig.parseDuration("--window", window))
                .silence(FlinkJobConfig.parseDuration("--silence", silence))
                .outOfOrderness(FlinkJobConfig.parseDuration("--out-of-orderness", outOfOrderness))
                .idleness(FlinkJobConfig.parseDuration("--idleness", idleness))
                .clockSkew(FlinkJobConfig.parseDuration("--clock-skew", clockSkew))
                .riskSlide(FlinkJobConfig.parseDuration("--risk-slide", riskSlide))
                .checkpointInterval(
                    FlinkJobConfig.parseDuration("--checkpoint-interval", checkpointInterval))
                .sloTarget(slo)
                .consistencyWithin(
                    FlinkJobConfig.parseDuration("--consistency-within", consistencyWithin))
                .consistencyTarget(consistencyTarget)
                .consistencyWindow(
                    FlinkJobConfig.parseDuration("--consistency-window", consistencyWindow))
                .burnFast(FlinkJobConfig.parseDuration("--burn-fast", burnFast))
                .burnSlow(FlinkJobConfig.parseDuration("--burn-slow", burnSlow))
                .burnThreshold(burnThreshold)
                .parallelism(parallelism)
                .id(id)
                .bounded(bounded);
        for (Map.Entry<String, String> e : kafkaProperties(client).entrySet()) {
          b.kafkaProperty(e.getKey(), e.getValue());
        }
        if (!List.of("all", "availability", "risk", "consistency").contains(job)) {
          throw new IllegalArgumentException(
              "--job '" + job + "' is not availability, risk, consistency or all");
        }
        return b.build();
      } catch (IllegalArgumentException e) {
        throw new CliException(
            e.getMessage(), "see: " + helpCommand + " --help", HeraldCli.EXIT_USAGE, e);
      }
    }

    /**
     * The arguments of {@code HeraldFlinkMain} for these options, as {@code flink run} takes them:
     * {@code <job> --key value ...} (client security settings as {@code --kafka.<key> value}).
     */
    List<String> programArgs(ClientOptions client) {
      List<String> args = new ArrayList<>();
      args.add(job);
      add(args, "bootstrap-server", client.bootstrapServers());
      add(args, "schema-registry-url", registry);
      add(args, "window", window);
      add(args, "silence", silence);
      add(args, "out-of-orderness", outOfOrderness);
      add(args, "idleness", idleness);
      add(args, "clock-skew", clockSkew);
      add(args, "slo", Double.toString(slo));
      add(args, "consistency-within", consistencyWithin);
      add(args, "consistency-target", Double.toString(consistencyTarget));
      add(args, "consistency-window", consistencyWindow);
      add(args, "burn-fast", burnFast);
      add(args, "burn-slow", burnSlow);
      add(args, "burn-threshold", Double.toString(burnThreshold));
      add(args, "risk-slide", riskSlide);
      add(args, "checkpoint-interval", checkpointInterval);
      add(args, "parallelism", Integer.toString(parallelism));
      add(args, "id", id);
      add(args, "bounded", Boolean.toString(bounded));
      for (Map.Entry<String, String> e : kafkaProperties(client).entrySet()) {
        add(args, "kafka." + e.getKey(), e.getValue());
      }
      return args;
    }

    private static void add(List<String> args, String key, String value) {
      args.add("--" + key);
      args.add(value);
    }

    private static Map<String, String> kafkaProperties(ClientOptions client) {
      Map<String, String> out = new TreeMap<>();
      Properties props = client.clientProperties();
      for (Map.Entry<Object, Object> e : props.entrySet()) {
        if (!e.getKey().equals("bootstrap.servers")) {
          out.put(e.getKey().toString(), e.getValue().toString());
        }
      }
      return out;
    }
  }

  @Override
  public Integer call() throws Exception {
    FlinkJobConfig config = options.config(client, "herald flink");
    String job = options.job;
    boolean bounded = options.bounded;
    Path checkpoints = Files.createTempDirectory("herald-flink-checkpoints");
    StreamExecutionEnvironment env =
        HeraldFlinkMain.localEnvironment(config.parallelism(), new Configuration(), checkpoints);
    JobClient jobClient = HeraldFlinkMain.start(env, job, config);
    System.out.println(
        "Flink job herald-"
            + job
            + " running in a local MiniCluster, jobId="
            + jobClient.getJobID()
            + (bounded ? " (bounded: exits when done)" : " (Ctrl-C to stop)"));
    AtomicBoolean stopping = new AtomicBoolean();
    if (!bounded) {
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    System.out.println("Stopping Flink job ...");
                    stopping.set(true);
                    try {
                      jobClient.cancel().get(30, TimeUnit.SECONDS);
                    } catch (Exception e) {
                      System.err.println("cancel failed: " + e.getMessage());
                    }
                  },
                  "herald-flink-shutdown"));
    }
    try {
      jobClient.getJobExecutionResult().get();
    } catch (ExecutionException e) {
      if (stopping.get()) {
        System.out.println("Flink job herald-" + job + " stopped.");
        return HeraldCli.EXIT_OK;
      }
      Throwable root = e;
      while (root.getCause() != null) {
        root = root.getCause();
      }
      throw new CliException(
          "Flink job herald-" + job + " failed: " + root.getMessage(),
          "is Kafka reachable at --bootstrap-server and the registry at --schema-registry-url? Rerun with"
              + " --verbose for the stack trace",
          HeraldCli.EXIT_FAILURE,
          e);
    } finally {
      // the job's checkpoints are of no use once it has ended: nothing restores them
      FileUtils.deleteDirectoryQuietly(checkpoints.toFile());
    }
    System.out.println("Flink job herald-" + job + " finished.");
    return HeraldCli.EXIT_OK;
  }
}
