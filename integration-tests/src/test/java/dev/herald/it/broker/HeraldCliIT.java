package dev.herald.it.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.infra.cli.HeraldCli;
import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.schema.Topics;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The {@code herald topics} commands against a real broker, and their errors. */
class HeraldCliIT {
  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension(false);

  @Test
  void topicsCreateThenListShowsEveryTopicWithItsCleanupPolicy() {
    assertThat(HeraldCli.run("topics", "create", "--bootstrap-server", KAFKA.bootstrapServers()))
        .isEqualTo(0);

    Captured list = capture(() -> HeraldCli.run("topics", "list", "-b", KAFKA.bootstrapServers()));

    assertThat(list.exit).isZero();
    for (Topics.Spec spec : Topics.all()) {
      assertThat(list.out)
          .containsPattern(
              "(?m)^"
                  + java.util.regex.Pattern.quote(spec.name())
                  + "\\s+\\d+\\s+1\\s+"
                  + java.util.regex.Pattern.quote(spec.cleanupPolicy())
                  + "\\b");
    }
  }

  @Test
  void anUnknownOptionIsAUsageErrorNotAStackTrace() {
    Captured result = capture(() -> HeraldCli.run("topics", "list", "--no-such-option"));
    assertThat(result.exit).isEqualTo(2);
    assertThat(result.err).contains("Unknown option").doesNotContain("\tat ");
  }

  private record Captured(int exit, String out, String err) {}

  private static synchronized Captured capture(java.util.function.IntSupplier command) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int exit = command.getAsInt();
      return new Captured(
          exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }
}
