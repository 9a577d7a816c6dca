package dev.herald.bench.quality;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The soak on a real in-process broker: one small preload, reprocessed twice by fresh auditors,
 * each run scored against the ground truth. Exit code 0 and a summary with both runs exact (it
 * exits 3 and lists the entities concerned when a run is not).
 */
@Tag("slow")
class QualitySoakIT {
  @Test
  void twoReprocessingRunsOfOnePreloadAreBothExact(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("soak.json");

    int exit =
        new CommandLine(new QualitySoak())
            .execute(
                "--events", "2000",
                "--runs", "2",
                "--per-preload", "2",
                "--out", out.toString(),
                "--work-dir", dir.toString());

    JsonNode summary = new ObjectMapper().readTree(out.toFile());
    assertThat(summary.get("failed run")).as("the failed run's details").isNull();
    assertThat(exit).isZero();
    assertThat(summary.get("runs")).hasSize(2);
    for (JsonNode run : summary.get("runs")) {
      assertThat(run.get("alerts").asInt()).isPositive();
      assertThat(run.get("missed").asInt()).isZero();
      assertThat(run.get("false positives").asInt()).isZero();
    }
  }

  @Test
  void wrongOptionsAreRefusedWithTheRule() {
    int exit = new CommandLine(new QualitySoak()).execute("--events", "10");

    assertThat(exit).isEqualTo(2);
  }
}
