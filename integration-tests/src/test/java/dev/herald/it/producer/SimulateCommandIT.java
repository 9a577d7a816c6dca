package dev.herald.it.producer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.infra.cli.HeraldCli;
import dev.herald.it.support.HeraldRun;
import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.schema.truth.ExpectedAlert;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code herald simulate} against a real broker and the embedded schema registry writes its ground
 * truth; bad flags fail clearly.
 */
@Tag("slow")
class SimulateCommandIT {
  @RegisterExtension
  static final KafkaBrokerExtension KAFKA =
      new KafkaBrokerExtension().withSchemaRegistry(r -> r.port(0));

  @Test
  void simulatesAndWritesTheGroundTruth(@TempDir Path dir) throws Exception {
    Path truth = dir.resolve("truth.jsonl");
    HeraldRun run =
        HeraldRun.of(
            "simulate",
            "--bootstrap-server",
            KAFKA.bootstrapServers(),
            "--schema-registry-url",
            KAFKA.registryUrl(),
            "--groups",
            "2",
            "--replicas",
            "3",
            "--entities",
            "20",
            "--rate",
            "500",
            "--events",
            "1500",
            "--seed",
            "5",
            "--faults",
            "divergence,equivocation,malformed",
            "--truth",
            truth.toString());
    assertThat(run.code()).as(run.err()).isZero();
    List<ExpectedAlert> lines =
        Files.readAllLines(truth).stream().map(ExpectedAlert::fromJson).toList();
    assertThat(lines.stream().map(ExpectedAlert::type))
        .containsExactlyInAnyOrder("DIVERGENCE", "EQUIVOCATION", "MALFORMED_RECORD");
    assertThat(run.out()).contains("3 faults injected (3 planned)").contains("0 failed");
  }

  @Test
  void unknownFaultIsOneLineWithAHint() {
    HeraldRun run =
        HeraldRun.of(
            "simulate", "--bootstrap-server", KAFKA.bootstrapServers(), "--faults", "meteor");
    assertThat(run.code()).as("a bad flag value is a usage error").isEqualTo(HeraldCli.EXIT_USAGE);
    assertThat(run.err())
        .contains("unknown fault type 'meteor'")
        .contains("hint:")
        .doesNotContain("at dev.herald");
  }
}
