package dev.herald.flink.window;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** Summing contributions of nodes and alerts to one scope and window. */
class TallyTest {

  private static NodeSlice slice(String node, long down, List<OutageSpan> ended, Long open) {
    return new NodeSlice(
        node,
        "eu",
        List.of("g"),
        0,
        60_000,
        60_000,
        60_000 - down,
        down,
        12,
        0,
        ended.size(),
        ended,
        open);
  }

  @Test
  void mergesUptimeAsNodeTimeWeightedFraction() {
    Tally a = Tally.ofSlice(Tally.GROUP, "g", slice("n1", 0, List.of(), null));
    Tally b = Tally.ofSlice(Tally.GROUP, "g", slice("n2", 30_000, List.of(), 30_000L));
    Tally sum = a.merge(b);
    assertThat(sum.expectedMs()).isEqualTo(120_000);
    assertThat(sum.upFraction()).isEqualTo(0.75);
    assertThat(sum.nodes()).isEqualTo(2);
    assertThat(sum.nodesDown()).isZero();
    assertThat(sum.openOutages()).containsOnlyKeys("n2");
  }

  @Test
  void endedOutageClosesTheOpenOneOfTheSameNode() {
    Tally first = Tally.ofSlice(Tally.NODE, "n1", slice("n1", 30_000, List.of(), 30_000L));
    Tally second =
        Tally.ofSlice(
            Tally.NODE,
            "n1",
            slice("n1", 10_000, List.of(new OutageSpan("n1", 30_000, 70_000L)), null));
    Tally sum = first.merge(second);
    assertThat(sum.openOutages()).isEmpty();
    assertThat(sum.repairs()).isEqualTo(1);
    assertThat(sum.mttrMs()).isEqualTo(40_000);
    assertThat(second.merge(first).openOutages()).isEmpty();
  }

  @Test
  void countsAlertsBySeverityTypeAndFamily() {
    Tally sum =
        Tally.empty(Tally.GROUP, "g")
            .merge(Tally.ofAlert(Tally.GROUP, "g", "EQUIVOCATION", "CRITICAL", 5))
            .merge(Tally.ofAlert(Tally.GROUP, "g", "DIVERGENCE", "HIGH", 7))
            .merge(Tally.ofAlert(Tally.GROUP, "g", "DIVERGENCE", "HIGH", 3));
    assertThat(sum.byzantine()).isEqualTo(1);
    assertThat(sum.divergences()).isEqualTo(2);
    assertThat(sum.incidentsByType())
        .containsEntry("DIVERGENCE", 2L)
        .containsEntry("EQUIVOCATION", 1L);
    assertThat(sum.alertsBySeverity()).containsEntry("HIGH", 2L).containsEntry("CRITICAL", 1L);
    assertThat(sum.incidentWeight()).isEqualTo(9.0);
    assertThat(sum.latestMs()).isEqualTo(7);
  }

  @Test
  void groupWithoutAMajorityOfNodesMostlyUpLosesQuorumForTheWindow() {
    Tally up = Tally.ofSlice(Tally.GROUP, "g", slice("n1", 0, List.of(), null));
    Tally down2 = Tally.ofSlice(Tally.GROUP, "g", slice("n2", 60_000, List.of(), 0L));
    Tally down3 = Tally.ofSlice(Tally.GROUP, "g", slice("n3", 45_000, List.of(), 15_000L));
    assertThat(up.merge(down2).merge(down3).withQuorumJudged(60_000).quorumLossMs())
        .isEqualTo(60_000);
    assertThat(up.merge(down2).merge(up).withQuorumJudged(60_000).quorumLossMs()).isZero();
  }

  /** Flink reduces in arrival order: the sum must not depend on it. */
  @Property(tries = 200)
  void mergeIsCommutativeAndAssociativeOverNodeSlicesAndAlerts(
      @ForAll @IntRange(min = 0, max = 60_000) int down1,
      @ForAll @IntRange(min = 0, max = 60_000) int down2,
      @ForAll boolean outageEndsLater) {
    Tally a = Tally.ofSlice(Tally.GROUP, "g", slice("n1", down1, List.of(), down1 > 0 ? 1L : null));
    Tally b =
        Tally.ofSlice(
            Tally.GROUP,
            "g",
            slice(
                "n1",
                down2,
                outageEndsLater ? List.of(new OutageSpan("n1", 1, 2L)) : List.of(),
                null));
    Tally c = Tally.ofAlert(Tally.GROUP, "g", "FORK", "HIGH", 9);
    Tally left = a.merge(b).merge(c);
    Tally right = c.merge(b.merge(a));
    assertThat(right).usingRecursiveComparison().ignoringFields("endedOutages").isEqualTo(left);
    assertThat(right.endedOutages()).containsExactlyInAnyOrderElementsOf(left.endedOutages());
  }

  @Test
  void upFractionIsOneWhenNothingWasExpected() {
    assertThat(Tally.empty(Tally.NODE, "n").upFraction()).isEqualTo(1.0);
    assertThat(Tally.empty(Tally.NODE, "n").mtbfMs()).isNull();
  }
}
