package dev.herald.flink.report;

import static dev.herald.flink.report.ReportFixtures.incident;
import static dev.herald.flink.report.ReportFixtures.risk;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.schema.RiskReport;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** "Changed since the previous report": which report is compared with, deltas, incidents. */
class ChangesTest {
  // the current report covers minutes [100, 200)
  private final RiskReport current = risk(100, 200, 0.995, 48.0, Map.of("DIVERGENCE", 2L));

  @Test
  void comparesWithTheLatestReportEndingWhenTheCurrentOneStarts() {
    // Given reports ending at minutes 90 and 100 (both before the start) and 150 (overlapping)
    RiskReport older = risk(-10, 90, 1.0, 0.0, Map.of());
    RiskReport previous = risk(0, 100, 0.9995, 12.0, Map.of("EQUIVOCATION", 1L));
    RiskReport overlapping = risk(50, 150, 0.99, 60.0, Map.of());

    // When
    Changes c = Changes.since(current, List.of(overlapping, older, previous, current), List.of());

    // Then
    assertThat(c.basis()).isEqualTo(Changes.Basis.PREVIOUS_WINDOW);
    assertThat(c.previous()).isSameAs(previous);
    assertThat(c.deltas())
        .extracting(Changes.Delta::figure)
        .containsExactly(
            "availability",
            "errorBudgetBurn",
            "quorumLossMinutes",
            "outages",
            "mttrMs",
            "riskScore",
            "DIVERGENCE",
            "EQUIVOCATION");
    Changes.Delta availability = c.deltas().get(0);
    assertThat(availability.change()).hasValueSatisfying(d -> assertThat(d).isNegative());
    assertThat(availability.worse()).isTrue();
    Changes.Delta equivocation = c.deltas().get(7);
    assertThat(equivocation.before()).isEqualTo(1.0);
    assertThat(equivocation.after()).isZero();
    assertThat(equivocation.better()).isTrue();
    assertThat(c.deltas().get(4).change()).isEmpty(); // no MTTR in either
  }

  @Test
  void fallsBackToTheEarliestReportWhileNoneEndsBeforeTheCurrentOneStarts() {
    RiskReport first = risk(20, 120, 1.0, 0.0, Map.of());
    RiskReport second = risk(40, 140, 1.0, 0.0, Map.of());

    Changes c = Changes.since(current, List.of(second, first), List.of());

    assertThat(c.basis()).isEqualTo(Changes.Basis.EARLIEST_OVERLAPPING);
    assertThat(c.previous()).isSameAs(first);
  }

  @Test
  void listsTheIncidentsOpenedAndClosedSinceThePreviousReportEnded() {
    RiskReport previous = risk(0, 100, 1.0, 0.0, Map.of());
    List<Incident> alerts =
        List.of(
            incident("a", "DIVERGENCE", 50, 120L), // opened before, closed since
            incident("b", "DIVERGENCE", 110, null), // opened since, still open
            incident("c", "FORK", 130, 140L), // opened and closed since
            incident("d", "FORK", 60, 90L), // opened and closed before
            incident("e", "FORK", 200, null)); // after the current window

    Changes c = Changes.since(current, List.of(previous), alerts);

    assertThat(c.opened()).extracting(Incident::alertId).containsExactly("b", "c");
    assertThat(c.closed()).extracting(Incident::alertId).containsExactly("a", "c");
  }

  @Test
  void nothingToCompareWithWithoutAnEarlierReportOfTheGroupAndLabel() {
    RiskReport otherGroup =
        RiskReport.newBuilder(risk(0, 100, 1, 0, Map.of())).setGroup("x").build();
    RiskReport otherLabel =
        RiskReport.newBuilder(risk(0, 100, 1, 0, Map.of())).setWindow("7d").build();

    Changes c = Changes.since(current, List.of(otherGroup, otherLabel, current), List.of());

    assertThat(c.basis()).isEqualTo(Changes.Basis.NONE);
    assertThat(c.previous()).isNull();
    assertThat(c.deltas()).isEmpty();
  }
}
