package dev.herald.it.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.infra.cli.HeraldCli;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code herald broker --secure} as a user runs it, in its own JVM: it prints the bootstrap server
 * and where each principal's client properties are, and those files work with {@code
 * --command-config} of another command.
 */
@Tag("slow")
class SecureBrokerCommandIT {
  @TempDir Path dir;

  @Test
  void secureBrokerPrintsClientPropertiesThatOtherCommandsAccept() throws Exception {
    Path log = dir.resolve("broker.log");
    Process broker =
        new ProcessBuilder(
                List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx512m",
                    "-cp",
                    System.getProperty("java.class.path"),
                    HeraldCli.class.getName(),
                    "broker",
                    "--secure",
                    "--port",
                    "0",
                    "--data-dir",
                    dir.resolve("data").toString()))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    try {
      // Given: a secure broker started from the command line
      await()
          .atMost(Duration.ofSeconds(120))
          .until(() -> !broker.isAlive() || read(log).contains("reporter: "));
      String out = read(log);
      assertThat(out)
          .contains("Security: SASL_SSL (SCRAM-SHA-512 over TLS), ACLs enforced.")
          .contains("admin: ", "auditor: ", "operator: ", "reporter: ");
      Matcher bootstrap = Pattern.compile("bootstrap\\.servers=(\\S+)").matcher(out);
      assertThat(bootstrap.find()).isTrue();
      Path admin = dir.resolve("data").resolve("security").resolve("admin.properties");
      assertThat(out).contains(admin.toAbsolutePath().toString());

      // When: another command uses the printed bootstrap server and the admin's file
      int withConfig =
          HeraldCli.run(
              "topics",
              "list",
              "--bootstrap-server",
              bootstrap.group(1),
              "--command-config",
              admin.toString());

      // Then
      assertThat(withConfig).isZero();
    } finally {
      broker.destroy();
      if (!broker.waitFor(60, TimeUnit.SECONDS)) {
        broker.destroyForcibly();
        broker.waitFor(10, TimeUnit.SECONDS);
      }
    }
    assertThat(read(log)).contains("Stopping Kafka broker");
  }

  private static String read(Path file) throws java.io.IOException {
    return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
  }
}
