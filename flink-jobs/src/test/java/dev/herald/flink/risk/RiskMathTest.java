package dev.herald.flink.risk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.flink.window.NodeSlice;
import dev.herald.flink.window.OutageSpan;
import dev.herald.flink.window.Tally;
import dev.herald.schema.ControlEvidence;
import dev.herald.schema.RiskReport;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Risk figures, the score formula and the controls each figure evidences. */
class RiskMathTest {

  @Test
  void burnIsTheShareOfTheErrorBudgetUsed() {
    assertThat(RiskMath.errorBudgetBurn(0.999, 0.999)).isCloseTo(1.0, within());
    assertThat(RiskMath.errorBudgetBurn(0.9995, 0.999)).isCloseTo(0.5, within());
    assertThat(RiskMath.errorBudgetBurn(1.0, 0.999)).isZero();
  }

  @Test
  void scoreFollowsTheStatedFormula() {
    assertThat(RiskMath.riskScore(0, 0, 0)).isZero();
    assertThat(RiskMath.riskScore(0.5, 30, 5)).isEqualTo(20 + 15 + 15);
    assertThat(RiskMath.riskScore(7, 600, 99)).isEqualTo(100);
    assertThat(RiskMath.FORMULA).contains("40*min(1, errorBudgetBurn)");
  }

  @Test
  void reportListsOutagesIncidentsAndTheirControls() {
    // Given a group with one 2-minute outage of n2 and one equivocation
    NodeSlice n1 =
        new NodeSlice(
            "n1", "eu", List.of("g"), 0, 600_000, 600_000, 600_000, 0, 120, 0, 0, List.of(), null);
    NodeSlice n2 =
        new NodeSlice(
            "n2",
            "eu",
            List.of("g"),
            0,
            600_000,
            600_000,
            480_000,
            120_000,
            96,
            0,
            1,
            List.of(new OutageSpan("n2", 100_000, 220_000L)),
            null);
    Tally t =
        Tally.ofSlice(Tally.GROUP, "g", n1)
            .merge(Tally.ofSlice(Tally.GROUP, "g", n2))
            .merge(Tally.ofAlert(Tally.GROUP, "g", "EQUIVOCATION", "CRITICAL", 50_000));
    // When
    RiskReport r = RiskMath.report(new RiskInput("g", "24h", 0, 600_000, t), 0.999, Instant.EPOCH);
    // Then
    assertThat(r.getAvailability()).isCloseTo(0.9, within());
    assertThat(r.getSloMet()).isFalse();
    assertThat(r.getOutages()).hasSize(1);
    assertThat(r.getOutages().get(0).getDurationMs()).isEqualTo(120_000);
    assertThat(r.getIntegrityIncidents()).containsEntry("EQUIVOCATION", 1L);
    assertThat(r.getMttrMs()).isEqualTo(120_000);
    ControlEvidence eq =
        r.getControls().stream()
            .filter(c -> c.getFigure().equals("EQUIVOCATION"))
            .findFirst()
            .orElseThrow();
    assertThat(eq.getIso27001()).contains("5.25", "5.28");
    assertThat(eq.getIec62443()).contains("FR3");
    assertThat(r.getControls())
        .extracting(ControlEvidence::getFigure)
        .contains(
            "availability",
            "errorBudgetBurn",
            "outages",
            "mttr",
            "mtbf",
            "quorumLossMinutes",
            "riskScore");
    // burn 100 -> 40, no quorum loss, weight 5 -> 15
    assertThat(r.getRiskScore()).isEqualTo(55.0);
  }

  @Test
  void everyAlertTypeIsMappedToControlsKnownToTheCatalog() {
    for (var type : dev.herald.schema.AlertType.values()) {
      ControlEvidence e = ControlCatalog.evidence(type.name(), "1");
      assertThat(ControlCatalog.ISO27001.keySet()).containsAll(e.getIso27001());
      assertThat(ControlCatalog.IEC62443.keySet()).containsAll(e.getIec62443());
    }
    assertThatThrownBy(() -> ControlCatalog.evidence("nonsense", "1"))
        .hasMessageContaining("nonsense");
  }

  private static org.assertj.core.data.Offset<Double> within() {
    return org.assertj.core.data.Offset.offset(1e-9);
  }
}
