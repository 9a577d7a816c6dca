package dev.herald.it.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The second-language reporter of {@code examples/python-reporter}, run as a process by a Python 3
 * that has Debian's {@code python3-confluent-kafka} and {@code python3-nacl} (apt installs them for
 * {@code /usr/bin/python3}, which is tried first). CI installs them ({@code .ci/run}), so there a
 * missing interpreter or module fails the test; elsewhere (env {@code CI} unset) it skips and says
 * what to install.
 */
final class PythonReporter {
  static final Path DIR = Path.of("../examples/python-reporter").toAbsolutePath().normalize();
  private static final List<String> CANDIDATES = List.of("/usr/bin/python3", "python3");

  private PythonReporter() {}

  /** An interpreter that imports confluent_kafka and nacl; fails in CI, skips elsewhere. */
  static String python() throws InterruptedException {
    List<String> tried = new ArrayList<>();
    for (String candidate : CANDIDATES) {
      try {
        Process p =
            new ProcessBuilder(candidate, "-c", "import confluent_kafka, nacl")
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) {
          return candidate;
        }
        tried.add(candidate + ": " + out.strip());
      } catch (IOException e) {
        tried.add(candidate + ": " + e.getMessage());
      }
    }
    String why =
        "no Python 3 with confluent_kafka and nacl (apt-get install python3-confluent-kafka"
            + " python3-nacl); tried "
            + tried;
    if (System.getenv("CI") != null) {
      assertThat(tried).as(why + " — .ci/run installs them, so in CI this is a failure").isEmpty();
    }
    Assumptions.assumeTrue(false, why);
    return null;
  }

  /** A process running {@code script} of the example with {@code args}, in the example's folder. */
  static ProcessBuilder script(String python, String script, List<String> args) {
    assertThat(Files.isRegularFile(DIR.resolve(script)))
        .as(DIR.resolve(script) + " exists")
        .isTrue();
    List<String> command = new ArrayList<>();
    command.add(python);
    command.add("-u");
    command.add(script);
    command.addAll(args);
    ProcessBuilder process = new ProcessBuilder(command).directory(DIR.toFile());
    process.environment().put("PYTHONDONTWRITEBYTECODE", "1"); // no __pycache__ in the sources
    return process;
  }
}
