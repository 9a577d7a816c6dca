package dev.herald.it.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.infra.cli.HeraldCli;
import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.schema.Topics;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.common.config.ConfigResource;
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
    for (Topics.Spec spec : Topics.production()) {
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
  void topicsCreateMakesInputsOnBrokerTimeWithSizedRecordsAndNoGroundTruth() throws Exception {
    // When
    int exit = HeraldCli.run("topics", "create", "--bootstrap-server", KAFKA.bootstrapServers());
    // Then
    assertThat(exit).isZero();
    try (Admin admin = Admin.create(KAFKA.clientProperties())) {
      assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS))
          .doesNotContain(Topics.GROUND_TRUTH)
          .containsAll(Topics.production().stream().map(Topics.Spec::name).toList());
      Map<String, Config> configs = new HashMap<>();
      admin
          .describeConfigs(
              Topics.production().stream()
                  .map(s -> new ConfigResource(ConfigResource.Type.TOPIC, s.name()))
                  .toList())
          .all()
          .get(30, TimeUnit.SECONDS)
          .forEach((r, c) -> configs.put(r.name(), c));
      for (String input : Topics.INPUTS) {
        assertThat(configs.get(input).get("message.timestamp.type").value())
            .as(input)
            .isEqualTo("LogAppendTime");
        assertThat(configs.get(input).get("max.message.bytes").value())
            .isEqualTo(Integer.toString(Topics.INPUT_MAX_MESSAGE_BYTES));
      }
      assertThat(configs.get(Topics.DLQ).get("max.message.bytes").value())
          .isEqualTo(Integer.toString(Topics.DLQ_MAX_MESSAGE_BYTES));
      assertThat(configs.get(Topics.ALERTS).get("max.message.bytes").value())
          .isEqualTo(Integer.toString(Topics.ALERTS_MAX_MESSAGE_BYTES));
      assertThat(configs.get(Topics.ALERTS).get("message.timestamp.type").value())
          .isEqualTo("CreateTime");
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
