package dev.herald.it.reliability;

import static org.awaitility.Awaitility.await;

import dev.herald.infra.cli.HeraldCli;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code herald auditor} in a separate JVM (this test's class path), so that it can be killed with
 * SIGKILL: no shutdown hook, no final commit, exactly what a crash or an OOM kill does.
 */
public final class AuditorProcess implements AutoCloseable {
  private final Process process;
  private final Path log;

  private AuditorProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /** Starts {@code herald auditor <args>}; its output goes to {@code log}. */
  public static AuditorProcess start(Path log, List<String> args) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>();
    command.add(java);
    command.add("-Xmx512m");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(HeraldCli.class.getName());
    command.add("auditor");
    command.addAll(args);
    Process p =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    return new AuditorProcess(p, log);
  }

  /** Waits until the auditor printed that it runs (its output since the last start). */
  public AuditorProcess awaitRunning(Duration atMost, int startsSoFar) {
    await()
        .atMost(atMost)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              if (!process.isAlive()) {
                throw new IllegalStateException("the auditor exited:\n" + output());
              }
              return output().split("Auditor running", -1).length - 1 >= startsSoFar;
            });
    return this;
  }

  /** SIGKILL (Process.destroyForcibly on Unix) and wait for the process to be gone. */
  public int kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException("the auditor did not die");
    }
    return process.exitValue();
  }

  public long pid() {
    return process.pid();
  }

  public String output() throws IOException {
    return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
  }

  /** SIGTERM (a graceful stop: the shutdown hook runs) and wait for the process to be gone. */
  public int stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException("the auditor did not stop within 60 s of SIGTERM");
    }
    return process.exitValue();
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }
}
