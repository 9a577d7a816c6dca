package dev.herald.flink.report;

import static dev.herald.flink.report.ReportFixtures.MIN;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.herald.flink.consistency.ConsistencyFigure;
import dev.herald.flink.consistency.ConsistencyMath;
import dev.herald.flink.consistency.WindowCount;
import dev.herald.schema.ConsistencyWindow;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The consistency SLO in the governance report: the group's windows inside the report's period,
 * summed in HTML and JSON, with a trend chart against the target.
 */
class ConsistencyReportTest {

  private static ConsistencyWindow window(String group, long startMin, long versions, long good) {
    TreeMap<String, Long> outcomes = new TreeMap<>(Map.of("AGREED", good));
    if (good < versions) {
      outcomes.put("DIVERGED", versions - good);
    }
    WindowCount c =
        new WindowCount(group, startMin * MIN, (startMin + 1) * MIN, versions, good, outcomes);
    double burn = ConsistencyMath.burnRate(good, versions, 0.999);
    return new ConsistencyFigure(c, 5_000, 0.999, 5 * MIN, burn, 60 * MIN, burn, 1.5)
        .toAvro(Instant.ofEpochMilli((startMin + 1) * MIN));
  }

  private static GovernanceReport report() {
    List<ConsistencyWindow> windows = new ArrayList<>();
    for (long m = 0; m < 10; m++) {
      windows.add(window("payments", m, 1_000, m == 3 ? 998 : 1_000));
    }
    windows.add(window("orders", 2, 1_000, 500)); // another group
    windows.add(window("payments", 12, 1_000, 0)); // after the period
    return GovernanceReport.of(
            ReportFixtures.risk(0, 10, 0.9995, 10, Map.of()), List.of(), List.of(), List.of())
        .withConsistency(windows);
  }

  @Test
  void onlyTheGroupsWindowsInsideThePeriodCount() {
    assertThat(report().consistency())
        .hasSize(10)
        .allSatisfy(w -> assertThat(w.getGroup()).isEqualTo("payments"));
  }

  @Test
  void htmlSumsTheWindowsAndChartsTheShareAgainstTheTarget() {
    String html = ReportRenderer.html(report());

    assertThat(html)
        .contains("<h2>Consistency SLO</h2>")
        .contains("99.98 % (3.70 nines), 9998 of 10000")
        .contains("Target met</th><td class=\"ok\">yes")
        .contains("Windows with a burn-rate alert</th><td class=\"bad\">1 of 10")
        .contains("Consistency: share of versions agreed by every replica within M, per window");
  }

  @Test
  void jsonCarriesTheSumAndEachWindow() throws Exception {
    JsonNode c = new ObjectMapper().readTree(ReportRenderer.json(report())).path("consistency");

    assertThat(c.path("versions").asLong()).isEqualTo(10_000);
    assertThat(c.path("agreedWithin").asLong()).isEqualTo(9_998);
    assertThat(c.path("nines").asDouble()).isEqualTo(4 - Math.log10(2));
    assertThat(c.path("ninesAtLeast").asBoolean()).isFalse();
    assertThat(c.path("withinMs").asLong()).isEqualTo(5_000);
    assertThat(c.path("burnAlertWindows").asLong()).isEqualTo(1);
    assertThat(c.path("windows")).hasSize(10);
    assertThat(c.path("windows").get(3).path("outcomes").path("DIVERGED").asLong()).isEqualTo(2);
  }

  @Test
  void aReportWithoutTheConsistencyJobSaysHowToRunIt() {
    GovernanceReport none =
        GovernanceReport.of(
            ReportFixtures.risk(0, 10, 0.9995, 10, Map.of()), List.of(), List.of(), List.of());

    assertThat(ReportRenderer.html(none)).contains("herald flink --job consistency");
    assertThat(ReportRenderer.json(none)).contains("\"text\" : \"no closed versions\"");
  }
}
