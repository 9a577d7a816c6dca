package dev.herald.it.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.infra.cli.HeraldCli;
import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.schema.Heartbeat;
import dev.herald.schema.registry.RestSchemaRegistryClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code herald registry}: prints its URL, serves, stops cleanly on a signal; says why it cannot
 * start.
 */
class RegistryCommandIT {
  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension(false);

  private static final Pattern URL = Pattern.compile("url=(http://\\S+)");

  @Test
  @Tag("slow")
  void startsPrintsItsUrlServesAndStopsOnSigterm(@TempDir Path dir) throws Exception {
    // Given: `herald registry` in its own JVM, as a user runs it
    Path out = dir.resolve("out.txt");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process process =
        new ProcessBuilder(
                List.of(
                    java,
                    "-cp",
                    System.getProperty("java.class.path"),
                    HeraldCli.class.getName(),
                    "registry",
                    "--bootstrap-server",
                    KAFKA.bootstrapServers(),
                    "--port",
                    "0"))
            .redirectErrorStream(true)
            .redirectOutput(out.toFile())
            .start();
    try {
      // When
      String url =
          await().atMost(Duration.ofSeconds(60)).until(() -> urlIn(out, process), u -> u != null);
      // Then: it serves the Confluent API
      try (var client = new RestSchemaRegistryClient(url, Map.of())) {
        int id = client.register("cli-value", Heartbeat.getClassSchema());
        assertThat(client.getById(id)).isEqualTo(Heartbeat.getClassSchema());
      }
      // and stops cleanly on SIGTERM (what Ctrl-C's shutdown hook also runs)
      process.destroy();
      assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(Files.readString(out)).contains("Stopping schema registry");
    } finally {
      process.destroyForcibly();
    }
  }

  @Test
  void withoutABrokerItSaysSoInOneLineWithAHint() {
    PrintStream oldErr = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit;
    try {
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      exit =
          HeraldCli.run(
              "registry", "--bootstrap-server", "127.0.0.1:1", "--port", "0", "--timeout", "PT2S");
    } finally {
      System.setErr(oldErr);
    }

    String text = err.toString(StandardCharsets.UTF_8);
    assertThat(exit).isEqualTo(HeraldCli.EXIT_FAILURE);
    assertThat(text)
        .contains("herald registry: cannot start the schema registry")
        .contains("hint: is a Kafka broker running at 127.0.0.1:1?")
        .doesNotContain("\tat ");
  }

  private static String urlIn(Path out, Process process) throws IOException {
    if (!process.isAlive()) {
      throw new AssertionError("herald registry exited: " + Files.readString(out));
    }
    Matcher m = URL.matcher(Files.readString(out));
    return m.find() ? m.group(1) : null;
  }
}
