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
  void htmlShowsTrendsAndWhatChangedSinceThePreviousReport() {
    // Given the report of minutes [100, 200), the previous one of [0, 100), a slide in between,
    // the group's windows with a HIGH alert at minute 150, and incidents before and since
    var previous = ReportFixtures.risk(0, 100, 0.9995, 12.0, java.util.Map.of("DIVERGENCE", 1L));
    var slide = ReportFixtures.risk(50, 150, 0.997, 30.0, java.util.Map.of("DIVERGENCE", 1L));
    var current = ReportFixtures.risk(100, 200, 0.995, 48.0, java.util.Map.of("EQUIVOCATION", 1L));
    List<AvailabilityWindow> windows = new ArrayList<>();
    for (int m = 100; m < 200; m++) {
      windows.add(
          ReportFixtures.groupWindow(
              m, m == 150 ? 0.5 : 1.0, m == 150 ? Map.of("HIGH", 1L) : Map.of()));
    }
    List<Incident> alerts =
        List.of(
            ReportFixtures.incident("old-div", "DIVERGENCE", 90, 120L),
            ReportFixtures.incident("new-eq", "EQUIVOCATION", 150, null));

    // When
    GovernanceReport report =
        GovernanceReport.of(current, List.of(previous, slide, current), windows, alerts);
    String html = ReportRenderer.html(report);

    // Then the charts: group availability, alert rate, rolling figures at each slide
    assertThat(report.history()).containsExactly(slide, current);
    assertThat(report.incidents()).extracting(Incident::alertId).containsExactly("new-eq");
    assertThat(html)
        .contains(
            "Group availability per window",
            "Alerts opened per hour, by severity",
            "rolling 24h window at each slide",
            "Risk score (0-100)");
    assertThat(html.split("<polyline", -1).length - 1).isGreaterThanOrEqualTo(4);
    assertThat(html).contains(">60.00</text>"); // one HIGH alert in a 1-minute window: 60 per hour
    // and what changed: against the previous window, the new and the closed incident
    assertThat(html)
        .contains("Changed since the previous report", "(the previous window)")
        .contains("New incidents (detected since " + previous.getWindowEnd() + "): 1", "new-eq")
        .contains("Closed incidents (resolved since " + previous.getWindowEnd() + "): 1", "old-div")
        .contains("<td class=\"num bad\">-0.450 %</td>");
    assertThat(html).doesNotContain("<script", "https://");
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
