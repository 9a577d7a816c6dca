package dev.herald.flink.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.herald.flink.risk.RiskInput;
import dev.herald.flink.risk.RiskMath;
import dev.herald.flink.window.NodeSlice;
import dev.herald.flink.window.OutageSpan;
import dev.herald.flink.window.Tally;
import dev.herald.schema.AvailabilityScope;
import dev.herald.schema.AvailabilityWindow;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The governance report in its three formats. */
class ReportRendererTest {
  private static final long MIN = 60_000;

  static GovernanceReport sample() {
    NodeSlice n2 =
        new NodeSlice(
            "n2",
            "eu",
            List.of("payments"),
            0,
            10 * MIN,
            10 * MIN,
            8 * MIN,
            2 * MIN,
            96,
            0,
            1,
            List.of(new OutageSpan("n2", MIN, 3 * MIN)),
            null);
    Tally t =
        Tally.ofSlice(Tally.GROUP, "payments", n2)
            .merge(Tally.ofAlert(Tally.GROUP, "payments", "EQUIVOCATION", "CRITICAL", 5));
    var risk =
        RiskMath.report(new RiskInput("payments", "24h", 0, 10 * MIN, t), 0.999, Instant.EPOCH);
    List<AvailabilityWindow> windows = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      long down = i == 1 || i == 2 ? MIN : 0;
      for (var scope : List.of(AvailabilityScope.NODE, AvailabilityScope.GROUP)) {
        windows.add(
            AvailabilityWindow.newBuilder()
                .setScope(scope)
                .setScopeId(scope == AvailabilityScope.NODE ? "n2" : "payments")
                .setWindowStart(Instant.ofEpochMilli(i * MIN))
                .setWindowEnd(Instant.ofEpochMilli((i + 1) * MIN))
                .setExpectedMs(MIN)
                .setUptimeMs(MIN - down)
                .setDowntimeMs(down)
                .setUpFraction((double) (MIN - down) / MIN)
                .setOutages(i == 1 ? 1 : 0)
                .setAlertsBySeverity(Map.of())
                .build());
      }
    }
    return GovernanceReport.of(risk, windows);
  }

  @Test
  void sumsAvailabilityPerScopeOverTheReportPeriod() {
    GovernanceReport report = sample();
    assertThat(report.scopes()).extracting(ScopeAvailability::id).containsExactly("n2", "payments");
    assertThat(report.scopes().get(0).downtimeMs()).isEqualTo(2 * MIN);
    assertThat(report.scopes().get(0).availability()).isEqualTo(0.8);
    assertThat(report.timeline()).hasSize(10);
  }

  @Test
  void htmlIsOfflineAndHasACharts(@TempDir Path dir) throws Exception {
    Path file = ReportRenderer.write(sample(), ReportRenderer.Format.HTML, dir);
    String html = Files.readString(file);
    assertThat(file.getFileName().toString()).isEqualTo("herald-report-payments-24h.html");
    assertThat(html).contains("<svg", "<polyline", "EQUIVOCATION", "5.25", "FR3", "n2");
    assertThat(html).contains(RiskMath.FORMULA.substring(0, 30));
    assertThat(html).doesNotContain("<script", "<link", "https://", "src=\"http");
  }

  @Test
  void jsonCarriesEveryFigureAndItsControls() throws Exception {
    JsonNode json = new ObjectMapper().readTree(ReportRenderer.json(sample()));
    assertThat(json.get("group").asText()).isEqualTo("payments");
    assertThat(json.get("outages").get(0).get("nodeId").asText()).isEqualTo("n2");
    assertThat(json.get("outages").get(0).get("durationMs").asLong()).isEqualTo(2 * MIN);
    assertThat(json.get("integrityIncidents").get("EQUIVOCATION").asLong()).isEqualTo(1);
    assertThat(json.get("controls").findValuesAsText("figure"))
        .contains("riskScore", "EQUIVOCATION");
    assertThat(json.get("riskFormula").asText()).isEqualTo(RiskMath.FORMULA);
  }

  @Test
  void csvHasOneRowPerFigureWithItsControls() {
    List<String> lines = ReportRenderer.csv(sample()).lines().toList();
    assertThat(lines.get(0)).isEqualTo("section,scope,id,figure,value,iso27001,iec62443");
    assertThat(lines)
        .anyMatch(
            l -> l.startsWith("risk,GROUP,payments,EQUIVOCATION,1,5.25 5.28 8.15,FR1 FR3 FR6"));
    assertThat(lines).anyMatch(l -> l.startsWith("outage,NODE,n2,outage,"));
    assertThat(lines).allMatch(l -> l.split(",", -1).length >= 7 || l.contains("\""));
  }
}
