package dev.herald.it.flink;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.herald.infra.cli.FlinkRestClient;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A standalone Flink 2.2.1 session cluster as a Flink distribution would run it, assembled from
 * Maven Central jars (flink-dist itself is not published there): {@code
 * flink-jobs/target/flink-runtime.classpath} (flink-runtime, flink-clients, flink-streaming-java
 * and their dependencies) plus {@code integration-tests/target/flink-cluster-lib}
 * (flink-runtime-web for REST submission, the RocksDB state backend, flink-connector-files, log4j).
 * The JobManager ({@code StandaloneSessionClusterEntrypoint}) and each TaskManager ({@code
 * TaskManagerRunner}) run in their own JVM with a {@code config.yaml} written here: loopback
 * addresses, free ports, RocksDB state with file checkpoints, a fixed-delay restart strategy and a
 * short heartbeat timeout.
 *
 * <pre>{@code
 * try (StandaloneFlinkCluster flink = StandaloneFlinkCluster.start(dir)) {
 *   flink.startTaskManager();
 *   flink.awaitTaskManagers(1);
 *   ... new FlinkRestClient(flink.restUrl()) ...
 * }
 * }</pre>
 */
final class StandaloneFlinkCluster implements AutoCloseable {
  static final Path FLINK_JOBS_TARGET = Path.of("..", "flink-jobs", "target");

  /**
   * The JVM options of a Flink 2.2 distribution's default {@code config.yaml} ({@code
   * env.java.opts.all}): Flink's runtime reflects into JDK internals on Java 17.
   */
  static final List<String> JAVA_OPTS =
      List.of(
          "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
          "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
          "--add-opens=java.base/java.lang=ALL-UNNAMED",
          "--add-opens=java.base/java.net=ALL-UNNAMED",
          "--add-opens=java.base/java.io=ALL-UNNAMED",
          "--add-opens=java.base/java.nio=ALL-UNNAMED",
          "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
          "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
          "--add-opens=java.base/java.text=ALL-UNNAMED",
          "--add-opens=java.base/java.time=ALL-UNNAMED",
          "--add-opens=java.base/java.util=ALL-UNNAMED",
          "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
          "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
          "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED");

  private final Path dir;
  private final String classpath;
  private final int restPort;
  private final Process jobManager;
  private final List<Process> taskManagers = new ArrayList<>();
  private final FlinkRestClient rest;

  private StandaloneFlinkCluster(Path dir, String classpath, int restPort, Process jobManager) {
    this.dir = dir;
    this.classpath = classpath;
    this.restPort = restPort;
    this.jobManager = jobManager;
    this.rest = new FlinkRestClient(restUrl(), Duration.ofSeconds(30));
  }

  /**
   * Writes the configuration into {@code dir}, starts the JobManager and waits for its REST API.
   */
  static StandaloneFlinkCluster start(Path dir) throws IOException {
    Path conf = Files.createDirectories(dir.resolve("conf"));
    int rpcPort = freePort();
    int restPort = freePort();
    Files.writeString(conf.resolve("config.yaml"), config(dir, rpcPort, restPort));
    Files.writeString(
        conf.resolve("log4j.properties"),
        String.join(
            "\n",
            "rootLogger.level = INFO",
            "rootLogger.appenderRef.file.ref = File",
            "appender.file.name = File",
            "appender.file.type = File",
            "appender.file.fileName = ${sys:log.file}",
            "appender.file.layout.type = PatternLayout",
            "appender.file.layout.pattern = %d{HH:mm:ss,SSS} %-5p %c{1} - %m%n",
            ""));
    String classpath = classpath();
    Process jm =
        launch(
            dir,
            classpath,
            "jobmanager",
            "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
            "GET_JM_RESOURCE_PARAMS");
    StandaloneFlinkCluster cluster = new StandaloneFlinkCluster(dir, classpath, restPort, jm);
    try {
      await()
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(500))
          .ignoreExceptions()
          .failFast("the JobManager JVM exited", () -> !jm.isAlive())
          .until(() -> cluster.rest.get("overview").has("taskmanagers"));
    } catch (RuntimeException e) {
      cluster.close();
      throw new IllegalStateException(
          "the JobManager did not serve REST on port "
              + restPort
              + "; log:\n"
              + cluster.log("jobmanager"),
          e);
    }
    return cluster;
  }

  private static String config(Path dir, int rpcPort, int restPort) {
    return String.join(
        "\n",
        "jobmanager.rpc.address: localhost",
        "jobmanager.rpc.port: " + rpcPort,
        "jobmanager.bind-host: localhost",
        "jobmanager.memory.process.size: 800m",
        "taskmanager.host: localhost",
        "taskmanager.bind-host: localhost",
        "taskmanager.numberOfTaskSlots: 2",
        "taskmanager.memory.process.size: 1280m",
        "parallelism.default: 1",
        "rest.address: localhost",
        "rest.bind-address: localhost",
        "rest.port: " + restPort,
        "web.upload.dir: " + dir.resolve("upload").toAbsolutePath(),
        "io.tmp.dirs: " + dir.resolve("tmp").toAbsolutePath(),
        "state.backend.type: rocksdb",
        "execution.checkpointing.dir: " + dir.resolve("checkpoints").toAbsolutePath().toUri(),
        "restart-strategy.type: fixed-delay",
        "restart-strategy.fixed-delay.attempts: 100",
        "restart-strategy.fixed-delay.delay: 1 s",
        "heartbeat.interval: 1000",
        "heartbeat.timeout: 5000",
        "env.java.opts.all: " + String.join(" ", JAVA_OPTS),
        "");
  }

  private static String classpath() throws IOException {
    Path runtime = FLINK_JOBS_TARGET.resolve("flink-runtime.classpath");
    if (!Files.exists(runtime)) {
      throw new IllegalStateException(
          runtime.toAbsolutePath() + " is missing: build flink-jobs first (-pl flink-jobs -am)");
    }
    Path lib = Path.of(System.getProperty("herald.flink.cluster.lib", "target/flink-cluster-lib"));
    List<String> entries = new ArrayList<>();
    try (Stream<Path> jars = Files.list(lib)) {
      jars.filter(p -> p.toString().endsWith(".jar"))
          .sorted()
          .forEach(p -> entries.add(p.toAbsolutePath().toString()));
    } catch (IOException e) {
      throw new IllegalStateException(
          lib.toAbsolutePath()
              + " is missing: it is filled by the integration-tests build (pre-integration-test,"
              + " execution flink-cluster-lib)",
          e);
    }
    entries.add(Files.readString(runtime).trim());
    return String.join(File.pathSeparator, entries);
  }

  /**
   * Starts {@code mainClass} as Flink's {@code jobmanager.sh} / {@code taskmanager.sh} do: JVM
   * memory options and the derived memory settings ({@code -D key=value}) come from {@code
   * BashJavaUtils} with {@code resourceCommand} on the same configuration.
   */
  private static Process launch(
      Path dir, String classpath, String name, String mainClass, String resourceCommand)
      throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path conf = dir.resolve("conf").toAbsolutePath();
    List<String> resources = resourceParams(java, classpath, conf, resourceCommand);
    List<String> command = new ArrayList<>();
    command.add(java);
    command.addAll(split(resources.get(0)));
    command.addAll(JAVA_OPTS);
    command.add("-XX:+UseSerialGC");
    command.add("-Dlog.file=" + dir.resolve(name + ".log").toAbsolutePath());
    command.add("-Dlog4j.configurationFile=" + conf.resolve("log4j.properties").toUri());
    command.add("-cp");
    command.add(classpath);
    command.add(mainClass);
    command.add("--configDir");
    command.add(conf.toString());
    command.addAll(split(resources.get(1)));
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve(name + ".out").toFile())
        .start();
  }

  /** The two result lines of {@code BashJavaUtils}: JVM options, then dynamic settings. */
  private static List<String> resourceParams(
      String java, String classpath, Path conf, String resourceCommand) throws IOException {
    Process p =
        new ProcessBuilder(
                java,
                "-cp",
                classpath,
                "org.apache.flink.runtime.util.bash.BashJavaUtils",
                resourceCommand,
                "--configDir",
                conf.toString())
            .redirectErrorStream(true)
            .start();
    String marker = "BASH_JAVA_UTILS_EXEC_RESULT:";
    String all = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    List<String> results = new ArrayList<>();
    for (String line : all.split("\n")) {
      if (line.startsWith(marker)) {
        results.add(line.substring(marker.length()).trim());
      }
    }
    if (results.size() != 2) {
      throw new IllegalStateException(
          "BashJavaUtils " + resourceCommand + " gave no memory settings; output:\n" + all);
    }
    return results;
  }

  private static List<String> split(String options) {
    List<String> out = new ArrayList<>();
    for (String token : options.trim().split("\\s+")) {
      if (!token.isEmpty()) {
        out.add(token);
      }
    }
    return out;
  }

  /** Starts one more TaskManager JVM. */
  Process startTaskManager() throws IOException {
    Process tm =
        launch(
            dir,
            classpath,
            "taskmanager-" + (taskManagers.size() + 1),
            "org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
            "GET_TM_RESOURCE_PARAMS");
    taskManagers.add(tm);
    return tm;
  }

  /** Waits until exactly {@code n} TaskManagers are registered. */
  void awaitTaskManagers(int n) {
    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(500))
        .ignoreExceptions()
        .until(() -> rest.get("taskmanagers").path("taskmanagers").size() == n);
  }

  /** SIGKILLs the newest TaskManager (no shutdown hook, no goodbye to the JobManager). */
  void killTaskManager() throws InterruptedException {
    Process tm = taskManagers.get(taskManagers.size() - 1);
    tm.destroyForcibly();
    tm.waitFor(30, TimeUnit.SECONDS);
  }

  /** The JobManager's REST address. */
  URI restUrl() {
    return URI.create("http://localhost:" + restPort);
  }

  FlinkRestClient rest() {
    return rest;
  }

  boolean jobManagerAlive() {
    return jobManager.isAlive();
  }

  /** The id of the one job named {@code name} in state RUNNING, or null. */
  String runningJob(String name) throws IOException, InterruptedException {
    for (JsonNode job : rest.get("jobs/overview").path("jobs")) {
      if (job.path("name").asText().equals(name) && job.path("state").asText().equals("RUNNING")) {
        return job.path("jid").asText();
      }
    }
    return null;
  }

  /** The last 60 lines of a process's log ({@code jobmanager}, {@code taskmanager-1}, ...). */
  String log(String name) {
    StringBuilder out = new StringBuilder();
    for (String suffix : List.of(".log", ".out")) {
      Path file = dir.resolve(name + suffix);
      try {
        if (Files.exists(file)) {
          List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
          out.append("== ").append(file.getFileName()).append('\n');
          lines
              .subList(Math.max(0, lines.size() - 60), lines.size())
              .forEach(l -> out.append(l).append('\n'));
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return out.toString();
  }

  @Override
  public void close() {
    for (Process p : taskManagers) {
      p.destroyForcibly();
    }
    jobManager.destroyForcibly();
    try {
      for (Process p : taskManagers) {
        p.waitFor(30, TimeUnit.SECONDS);
      }
      jobManager.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
