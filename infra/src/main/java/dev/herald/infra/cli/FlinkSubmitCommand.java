package dev.herald.infra.cli;

import dev.herald.flink.HeraldFlinkMain;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code herald flink submit}: uploads the shaded job jar to a Flink session cluster and runs it,
 * over the JobManager's REST API (what {@code flink run} and the web UI's "Submit New Job" do),
 * then waits until the job runs.
 *
 * <pre>{@code
 * herald flink submit --jobmanager http://flink:8081 -b kafka:9092 \
 *     --schema-registry-url http://registry:8081 --job all
 * }</pre>
 */
@Command(
    name = "submit",
    mixinStandardHelpOptions = true,
    description = {
      "Submits Herald's Flink jobs to a Flink 2.2 session cluster over its REST API (upload of"
          + " the job jar, then run, as flink run does) and waits until the job runs.",
      "The job options are those of herald flink; Kafka and the schema registry must be"
          + " reachable from the Flink cluster under the addresses given.",
      "Client settings from --command-config are passed to the job as --kafka.<key> arguments,"
          + " which the Flink web UI shows: prefer a cluster-side secret for passwords."
    })
final class FlinkSubmitCommand implements Callable<Integer> {
  private static final Set<String> STARTED = Set.of("RUNNING", "FINISHED");
  private static final Set<String> FAILED = Set.of("FAILED", "CANCELED", "CANCELLING", "FAILING");

  @Mixin ClientOptions client;

  @Mixin FlinkCommand.JobOptions options;

  @Option(
      names = "--jobmanager",
      required = true,
      paramLabel = "URL",
      description = "REST address of the JobManager, e.g. http://flink-jobmanager:8081.")
  URI jobManager;

  @Option(
      names = "--jar",
      paramLabel = "FILE",
      defaultValue = "${env:HERALD_FLINK_JOB_JAR:-flink-jobs/target/herald-flink-jobs.jar}",
      description =
          "The shaded job jar (default: ${DEFAULT-VALUE}; env HERALD_FLINK_JOB_JAR; built by"
              + " ./mvnw -pl flink-jobs -am package).")
  Path jar;

  @Option(
      names = "--wait",
      paramLabel = "SECONDS",
      defaultValue = "120",
      description = "How long to wait for the job to run (default: ${DEFAULT-VALUE}).")
  int waitSeconds;

  @Override
  public Integer call() throws Exception {
    options.config(client, "herald flink submit"); // validates every option before any upload
    if (!Files.isRegularFile(jar)) {
      throw new CliException(
          "job jar " + jar.toAbsolutePath() + " does not exist",
          "build it with: ./mvnw -B -DskipTests package -pl flink-jobs -am, or pass --jar",
          HeraldCli.EXIT_USAGE,
          null);
    }
    String scheme = jobManager.getScheme();
    if (scheme == null || !(scheme.equals("http") || scheme.equals("https"))) {
      throw new CliException(
          "--jobmanager '" + jobManager + "' is not an http(s) URL",
          "pass the JobManager's REST address, e.g. http://localhost:8081",
          HeraldCli.EXIT_USAGE,
          null);
    }
    FlinkRestClient flink = new FlinkRestClient(jobManager);
    String version = call(flink::version);
    if (!version.startsWith("2.2")) {
      System.err.println(
          "warning: the cluster runs Flink " + version + "; the job jar is built for Flink 2.2");
    }
    String jarId = call(() -> flink.upload(jar));
    System.out.println("Uploaded " + jar.getFileName() + " to " + jobManager + " (" + jarId + ")");
    String jobId;
    try {
      List<String> args = options.programArgs(client);
      jobId =
          call(() -> flink.run(jarId, HeraldFlinkMain.class.getName(), args, options.parallelism));
    } finally {
      try {
        flink.deleteJar(jarId); // the job keeps its own copy; do not pile up uploads
      } catch (IOException e) {
        System.err.println("warning: could not delete the uploaded jar: " + e.getMessage());
      }
    }
    String state = awaitStarted(flink, jobId);
    System.out.println(
        "Flink job herald-"
            + options.job
            + " submitted: jobId="
            + jobId
            + " state="
            + state
            + "\nFollow it at "
            + jobManager.resolve("/#/job/running/" + jobId + "/overview")
            + "; cancel it with: curl -X PATCH '"
            + jobManager.resolve("/jobs/" + jobId + "?mode=cancel")
            + "'");
    return HeraldCli.EXIT_OK;
  }

  private String awaitStarted(FlinkRestClient flink, String jobId) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(waitSeconds).toNanos();
    String state = "";
    while (System.nanoTime() < deadline) {
      state = call(() -> flink.jobState(jobId));
      if (STARTED.contains(state)) {
        return state;
      }
      if (FAILED.contains(state)) {
        String root = call(() -> flink.rootException(jobId));
        throw new CliException(
            "Flink job " + jobId + " is " + state + ": " + firstLine(root),
            "is Kafka reachable from the Flink cluster at --bootstrap-server, and the registry at"
                + " --schema-registry-url? The JobManager's log and "
                + jobManager.resolve("/jobs/" + jobId + "/exceptions")
                + " have the details");
      }
      Thread.sleep(500);
    }
    throw new CliException(
        "Flink job "
            + jobId
            + " did not start running within "
            + waitSeconds
            + " s (state "
            + state
            + ")",
        "does the cluster have a free task slot? See " + jobManager.resolve("/overview"));
  }

  private interface Call<T> {
    T run() throws IOException, InterruptedException;
  }

  /** Runs one REST call; turns a failure into a message that says what to do. */
  private <T> T call(Call<T> call) throws InterruptedException {
    try {
      return call.run();
    } catch (FlinkRestClient.FlinkRestException e) {
      if (e.status() == 404) {
        throw new CliException(
            "the JobManager at " + jobManager + " answered 404: " + e.getMessage(),
            "is this a Flink 2.2 JobManager with web submission (flink-runtime-web on its"
                + " classpath, web.submit.enable true)?");
      }
      throw new CliException(
          "Flink refused the job: " + mainError(e.getMessage()),
          "fix the job options (see: herald flink submit --help); the cluster and its other"
              + " jobs are unaffected",
          HeraldCli.EXIT_FAILURE,
          e);
    } catch (ConnectException | HttpTimeoutException e) {
      throw new CliException(
          "cannot reach the Flink JobManager at " + jobManager + ": " + e,
          "is the cluster running? --jobmanager is its REST address (rest.address:rest.port)");
    } catch (IOException e) {
      throw new CliException(
          "talking to the Flink JobManager at " + jobManager + " failed: " + e.getMessage(),
          "is --jobmanager the REST address of a Flink JobManager?");
    }
  }

  /** The error of the job's main method, when Flink's reply carries one. */
  static String mainError(String message) {
    String marker = "The main method caused an error: ";
    int at = message.indexOf(marker);
    if (at < 0) {
      return message;
    }
    String rest = message.substring(at + marker.length());
    int end = rest.indexOf(" | ");
    return end < 0 ? rest : rest.substring(0, end);
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
