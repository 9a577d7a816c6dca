package dev.herald.flink;

import dev.herald.flink.availability.AvailabilityJob;
import dev.herald.flink.consistency.ConsistencyJob;
import dev.herald.flink.io.Inbound;
import dev.herald.flink.io.KafkaConnectors;
import dev.herald.flink.risk.RiskReportJob;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.CheckpointConfig;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry point of the shaded job jar: {@code flink run herald-flink-jobs.jar <job> --key value...}
 * on a Flink cluster, or {@code java -cp herald-flink-jobs.jar:<flink libs> dev.herald.flink
 * .HeraldFlinkMain <job> ...}, which runs a local MiniCluster.
 *
 * <p>{@code <job>} is {@code availability}, {@code risk}, {@code consistency} or {@code all} (the
 * three in one Flink job). Options: see {@link FlinkJobConfig}.
 *
 * <p>{@code main} never calls {@code System.exit}: submitted over REST or the web UI (and by {@code
 * herald flink submit}) it runs inside the JobManager, where an exit would take down the session
 * cluster and every job on it. A usage error is an {@link IllegalArgumentException} naming what was
 * wrong; Flink reports it to whoever submitted the job.
 *
 * <pre>{@code
 * flink run -d herald-flink-jobs.jar all --bootstrap-server kafka:9092 \
 *     --schema-registry-url http://registry:8081 --window 1m --silence 15s
 * }</pre>
 */
public final class HeraldFlinkMain {
  private static final Logger LOG = LoggerFactory.getLogger(HeraldFlinkMain.class);

  private static final List<String> JOBS = List.of("availability", "risk", "consistency", "all");

  private HeraldFlinkMain() {}

  /** How to call {@link #main}, for error messages. */
  public static final String USAGE =
      "usage: <availability|risk|consistency|all> --bootstrap-server HOST:PORT --schema-registry-url URL"
          + " [--window 1m] [--silence 15s] [--bounded true] ... (see docs/governance.md)";

  public static void main(String[] args) throws Exception {
    if (args.length == 0 || args[0].startsWith("--")) {
      throw new IllegalArgumentException("the first argument must name the job; " + USAGE);
    }
    String job = args[0];
    if (!JOBS.contains(job)) {
      throw new IllegalArgumentException("unknown job '" + job + "'; " + USAGE);
    }
    FlinkJobConfig config = FlinkJobConfig.fromArgs(options(args));
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    String name = addJobs(env, job, config);
    LOG.info("starting Flink job name={} bounded={}", name, config.bounded());
    env.execute(name);
  }

  /**
   * Adds {@code job} ({@code availability}, {@code risk}, {@code consistency} or {@code all}) to
   * {@code env}.
   */
  public static String addJobs(StreamExecutionEnvironment env, String job, FlinkJobConfig config) {
    configure(env, config);
    switch (job) {
      case "availability" -> AvailabilityJob.addTo(env, config);
      case "risk" -> RiskReportJob.addTo(env, config);
      case "consistency" -> ConsistencyJob.addTo(env, config);
      case "all" -> {
        // one source for both: each heartbeat is decoded and its signature verified once (the
        // verification is almost all of the jobs' CPU; docs/benchmarks.md)
        DataStream<Inbound> inbound = KafkaConnectors.inbound(env, config, "all");
        AvailabilityJob.addTo(config, inbound);
        RiskReportJob.addTo(config, inbound);
        ConsistencyJob.addTo(env, config);
      }
      default ->
          throw new IllegalArgumentException(
              "unknown job '" + job + "'; use availability, risk, consistency or all");
    }
    return "herald-" + job;
  }

  /**
   * A local MiniCluster environment whose checkpoints go to files under {@code checkpointDir}.
   * Without a checkpoint directory Flink keeps checkpoints on the JobManager's heap, which refuses
   * any operator state over 5 MiB: a job catching up on a backlog (node liveness buffers the
   * heartbeats of windows its watermark has not reached) then fails every checkpoint, restarts from
   * the last good one, reads the same backlog and fails again — forever. A cluster the jar is
   * submitted to needs {@code execution.checkpointing.dir} in its own configuration for the same
   * reason (README, "Run Herald against your own Kafka and Flink").
   */
  public static StreamExecutionEnvironment localEnvironment(
      int parallelism, Configuration conf, Path checkpointDir) {
    Configuration c = new Configuration(conf);
    c.set(
        CheckpointingOptions.CHECKPOINTS_DIRECTORY,
        checkpointDir.toAbsolutePath().toUri().toString());
    return StreamExecutionEnvironment.createLocalEnvironment(parallelism, c);
  }

  /** Runs {@code job} and returns its client (for the CLI, which waits or cancels). */
  public static JobClient start(StreamExecutionEnvironment env, String job, FlinkJobConfig config)
      throws Exception {
    return env.executeAsync(addJobs(env, job, config));
  }

  /**
   * Checkpointing (exactly-once sinks commit on checkpoints), parallelism and object reuse.
   *
   * <p>Object reuse: chained operators hand records on by reference instead of deep-copying each
   * one through its serializer (a copy per heartbeat per chained operator otherwise). Safe here
   * because every record type is immutable and no function changes or reuses a record it emitted.
   */
  public static void configure(StreamExecutionEnvironment env, FlinkJobConfig config) {
    env.setParallelism(config.parallelism());
    env.getConfig().enableObjectReuse();
    env.enableCheckpointing(config.checkpointInterval().toMillis());
    CheckpointConfig checkpoints = env.getCheckpointConfig();
    checkpoints.setMinPauseBetweenCheckpoints(config.checkpointInterval().toMillis() / 2);
  }

  static Map<String, String> options(String[] args) {
    Map<String, String> out = new LinkedHashMap<>();
    for (int i = 1; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException(
            "expected --key value, got '"
                + a
                + "'"
                + (i + 1 >= args.length ? " without a value" : "")
                + "; "
                + USAGE);
      }
      out.put(a.substring(2), args[++i]);
    }
    return out;
  }
}
