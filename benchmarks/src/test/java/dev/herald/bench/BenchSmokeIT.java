package dev.herald.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.herald.bench.report.BenchReport;
import java.nio.file.Path;
import java.util.List;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tiny run of the whole harness on a real in-process broker (preload, floors — the stateful one
 * included —, auditor EOS and ALOS, two instances, Flink, live latency): every stage produces a
 * positive figure, the quality tables exist and the results file holds them. No timing assertions —
 * benchmarks are not timed tests.
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
            .withWorkDir(dir)
            .withFlinkHeartbeats(20_000);

    // When
    BenchReport report = new BenchRunner(options).run();

    // Then
    assertThat(report.rows())
        .extracting(r -> r.stage().substring(0, 1))
        .containsExactly("a", "b", "s", "c", "d", "e", "f", "g");
    assertThat(report.rows())
        .allSatisfy(
            r -> {
              assertThat(r.events()).isPositive();
              assertThat(r.perSecond()).isPositive();
            });
    assertThat(report.sections().get("ratios default"))
        .containsKeys("b/a", "c/b", "c/a", "d/b", "s/b", "c/s");
    assertThat(report.sections().get("quality default (reprocessing, EOS)"))
        .containsKeys("ALL", "missed", "false positives");
    assertThat(report.sections().get("quality (live)")).containsKey("ALL");
    assertThat(report.sections().get("latency (live, half the max EOS rate)"))
        .containsKeys("p50Ms", "p99Ms", "p999Ms", "maxMs");
    assertThat(report.sections().get("state default (EOS reprocessing)"))
        .containsKeys("samples", "final entries");
    assertThat(report.sections().get("stateful floor default").get("final entries"))
        .asInstanceOf(InstanceOfAssertFactories.map(String.class, Long.class))
        .hasEntrySatisfying("entities", n -> assertThat(n).isPositive());
    // the auditor's CPU by kind of thread: its stream thread always worked
    assertThat(report.sections().get("CPU us/report by thread default").get("c"))
        .asInstanceOf(InstanceOfAssertFactories.map(String.class, Double.class))
        .hasEntrySatisfying("stream thread", us -> assertThat(us).isPositive());
    assertThat(report.sections().get("scale-out default")).containsKey("2/1");
    assertThat(report.sections().get("flink default")).containsKey("g/f");
    JsonNode json = new ObjectMapper().readTree(out.toFile());
    assertThat(json.get("throughput")).hasSize(report.rows().size());
    assertThat(json.get("ratios default").get("c/b").asDouble()).isPositive();
    assertThat(json.get("quality default (reprocessing, EOS)").get("ALL").get("recall").isNumber())
        .isTrue();
  }
}
