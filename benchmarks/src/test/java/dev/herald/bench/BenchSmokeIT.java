package dev.herald.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.herald.bench.report.BenchReport;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tiny run of the whole harness on a real in-process broker: every stage produces a positive
 * figure and the results file holds them. No timing assertions — benchmarks are not timed tests.
 */
@Tag("slow")
class BenchSmokeIT {

  @Test
  void everyStageProducesAFigureAndTheResultsFileHoldsThem(@TempDir Path dir) throws Exception {
    // Given
    Path out = dir.resolve("latest.json");
    BenchOptions options =
        BenchOptions.defaults()
            .withEvents(5_000)
            .withBatchings(List.of(BenchOptions.Batching.DEFAULT))
            .withStages(true, true, true, false)
            .withOut(out)
            .withWorkDir(dir);

    // When
    BenchReport report = new BenchRunner(options).run();

    // Then
    assertThat(report.rows())
        .extracting(BenchReport.Row::stage)
        .anySatisfy(s -> assertThat(s).startsWith("a "))
        .anySatisfy(s -> assertThat(s).startsWith("b "));
    assertThat(report.rows())
        .allSatisfy(
            r -> {
              assertThat(r.events()).isPositive();
              assertThat(r.perSecond()).isPositive();
            });
    JsonNode json = new ObjectMapper().readTree(out.toFile());
    assertThat(json.get("throughput")).hasSize(report.rows().size());
    assertThat(json.get("ratios default").get("b/a").asDouble()).isPositive();
  }
}
