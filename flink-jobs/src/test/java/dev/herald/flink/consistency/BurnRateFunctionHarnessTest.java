package dev.herald.flink.consistency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.TreeMap;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * {@link BurnRateFunction} on Flink's operator test harness: burn rates over the short and the long
 * window, the alert only when both burn, and no state or timer left once a group goes quiet.
 */
class BurnRateFunctionHarnessTest {
  private static final long MIN = 60_000;

  private static KeyedOneInputStreamOperatorTestHarness<String, WindowCount, ConsistencyFigure>
      harness() throws Exception {
    // M 5 s, target 99.9 %, short window 5 min, long window 60 min, threshold 14.4
    var h =
        new KeyedOneInputStreamOperatorTestHarness<>(
            new KeyedProcessOperator<>(new BurnRateFunction(5_000, 0.999, 5 * MIN, 60 * MIN, 14.4)),
            WindowCount::group,
            Types.STRING);
    h.open();
    return h;
  }

  private static StreamRecord<WindowCount> minute(int n, long agreed, long versions) {
    TreeMap<String, Long> outcomes = new TreeMap<>();
    outcomes.put("AGREED", agreed);
    if (versions > agreed) {
      outcomes.put("DIVERGED", versions - agreed);
    }
    long end = (n + 1) * MIN;
    return new StreamRecord<>(
        new WindowCount("g", n * MIN, end, versions, agreed, outcomes), end - 1);
  }

  private static List<ConsistencyFigure> figures(
      KeyedOneInputStreamOperatorTestHarness<String, WindowCount, ConsistencyFigure> h) {
    return h.extractOutputValues();
  }

  @Test
  void aShortBurstBurnsTheShortWindowButDoesNotAlertWhileTheLongWindowIsCalm() throws Exception {
    try (var h = harness()) {
      // Given 55 calm minutes of 1 000 versions each
      for (int m = 0; m < 55; m++) {
        h.processElement(minute(m, 1_000, 1_000));
      }
      // When one minute loses 5 % of its versions
      h.processElement(minute(55, 950, 1_000));

      // Then the short window burns (50 of 5 000: 1 %, 10x) below 14.4 and the long one less
      ConsistencyFigure last = figures(h).get(figures(h).size() - 1);
      assertThat(last.fastBurn()).isCloseTo(10.0, within(1e-9));
      assertThat(last.slowBurn()).isCloseTo(50.0 / 56_000 / 0.001, within(1e-9));
      assertThat(last.alert()).isFalse();
    }
  }

  @Test
  void aSustainedLossAlertsOnBothWindows() throws Exception {
    try (var h = harness()) {
      // When every minute for an hour loses 2 % of its versions (a 20x burn)
      for (int m = 0; m < 60; m++) {
        h.processElement(minute(m, 980, 1_000));
      }

      // Then both windows burn 20 times the budget and the alert fires
      ConsistencyFigure last = figures(h).get(59);
      assertThat(last.fastBurn()).isCloseTo(20.0, within(1e-9));
      assertThat(last.slowBurn()).isCloseTo(20.0, within(1e-9));
      assertThat(last.alert()).isTrue();
    }
  }

  @Test
  void aGroupThatGoesQuietLeavesNoStateBehind() throws Exception {
    try (var h = harness()) {
      // Given a few minutes of verdicts
      for (int m = 0; m < 3; m++) {
        h.processElement(minute(m, 10, 10));
      }
      assertThat(h.numKeyedStateEntries()).isPositive();

      // When event time passes the long window after the last one
      h.processWatermark(4 * MIN + 60 * MIN);

      // Then neither state nor timers remain
      assertThat(h.numKeyedStateEntries()).isZero();
      assertThat(h.numEventTimeTimers()).isZero();
    }
  }

  @Test
  void theGroupsTargetFromItsVerdictsRulesOverTheJobsOption() throws Exception {
    try (var h = harness()) {
      // Given a window whose verdicts carry the group's policy: M 2 s, target 0.99 (option: 0.999)
      TreeMap<String, Long> outcomes = new TreeMap<>();
      outcomes.put("AGREED", 980L);
      outcomes.put("DIVERGED", 20L);
      h.processElement(
          new StreamRecord<>(
              new WindowCount("g", 0, MIN, 1_000, 980, outcomes, 2_000, 0.99, MIN - 1), MIN - 1));

      // Then the figure shows the group's M and target, and burns against 0.99: 2 % / 1 % = 2
      ConsistencyFigure f = figures(h).get(0);
      assertThat(f.withinMs()).isEqualTo(2_000);
      assertThat(f.target()).isEqualTo(0.99);
      assertThat(f.fastBurn()).isCloseTo(2.0, within(1e-9));
      assertThat(f.alert()).isFalse();

      // And a window without an SLO of its own (verdicts of an older auditor) uses the options
      h.processElement(minute(1, 980, 1_000));
      ConsistencyFigure g = figures(h).get(1);
      assertThat(g.withinMs()).isEqualTo(5_000);
      assertThat(g.target()).isEqualTo(0.999);
    }
  }

  @Test
  void eachVerdictIsJudgedWithItsOwnMAndTheLatestSloWinsWhateverTheMergeOrder() {
    // Given two verdicts of one group: one agreed in 3 s under M 5 s, one agreed in 3 s under M 2 s
    var early = new VerdictEvent("g", "AGREED", 3_000L, 1_000, 5_000L, 0.999, null);
    var late = new VerdictEvent("g", "AGREED", 3_000L, 2_000, 2_000L, 0.99, null);
    var legacy = new VerdictEvent("g", "AGREED", 3_000L, 1_500, null, null, null);
    WindowCount a = WindowCount.of(early, 4_000, 0.9);
    WindowCount b = WindowCount.of(late, 4_000, 0.9);
    WindowCount c = WindowCount.of(legacy, 4_000, 0.9);

    // Then each is judged against its own M (the option only for the verdict without one)
    assertThat(a.agreedWithin()).isEqualTo(1);
    assertThat(b.agreedWithin()).isZero();
    assertThat(c.agreedWithin()).isEqualTo(1);
    assertThat(c.withinMs()).isEqualTo(4_000);
    assertThat(c.target()).isEqualTo(0.9);

    // And the window carries the SLO of the latest verdict, in any merge order
    for (WindowCount m :
        List.of(
            WindowCount.merge(WindowCount.merge(a, b), c),
            WindowCount.merge(c, WindowCount.merge(b, a)),
            WindowCount.merge(b, WindowCount.merge(c, a)))) {
      assertThat(m.versions()).isEqualTo(3);
      assertThat(m.agreedWithin()).isEqualTo(2);
      assertThat(m.withinMs()).isEqualTo(2_000);
      assertThat(m.target()).isEqualTo(0.99);
    }
  }
}
