package dev.herald.flink.consistency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Scale;
import org.junit.jupiter.api.Test;

/** The consistency SLO's arithmetic: share, nines, burn rates and the multi-window alert. */
class ConsistencyMathTest {

  @Test
  void ninesOfAShareWithFailuresAreMinusLog10OfTheFailureShare() {
    // 9 990 of 10 000 agreed: 99.9 %, three nines; 9 999 of 10 000: four nines
    assertThat(ConsistencyMath.share(9_990, 10_000)).isEqualTo(0.999);
    assertThat(ConsistencyMath.nines(9_990, 10_000)).isCloseTo(3.0, within(1e-12));
    assertThat(ConsistencyMath.nines(9_999, 10_000)).isCloseTo(4.0, within(1e-12));
    assertThat(ConsistencyMath.ninesAtLeast(9_999, 10_000)).isFalse();
  }

  @Test
  void aHundredPercentShowsAsAtLeastTheNinesTheSampleCanShow() {
    assertThat(ConsistencyMath.nines(1_000, 1_000)).isCloseTo(3.0, within(1e-12));
    assertThat(ConsistencyMath.ninesAtLeast(1_000, 1_000)).isTrue();
    assertThat(ConsistencyMath.describe(1_000, 1_000)).isEqualTo("100 % (≥ 3.00 nines)");
    assertThat(ConsistencyMath.describe(999, 1_000)).isEqualTo("99.9 % (3.00 nines)");
  }

  @Test
  void anEmptySampleIsNoFigureAndBurnsNothing() {
    assertThat(ConsistencyMath.share(0, 0)).isEqualTo(1.0);
    assertThat(ConsistencyMath.nines(0, 0)).isZero();
    assertThat(ConsistencyMath.ninesAtLeast(0, 0)).isFalse();
    assertThat(ConsistencyMath.burnRate(0, 0, 0.999)).isZero();
    assertThat(ConsistencyMath.describe(0, 0)).isEqualTo("no closed versions");
  }

  @Test
  void burnRateIsTheFailureShareOverTheBudget() {
    // 0.1 % failures against 99.9 %: the budget is spent exactly; 1.44 %: 14.4 times as fast
    assertThat(ConsistencyMath.burnRate(999, 1_000, 0.999)).isCloseTo(1.0, within(1e-9));
    assertThat(ConsistencyMath.burnRate(9_856, 10_000, 0.999)).isCloseTo(14.4, within(1e-9));
  }

  @Test
  void theAlertNeedsBothWindowsAtTheThreshold() {
    assertThat(ConsistencyMath.alert(14.4, 14.4, 14.4)).isTrue();
    assertThat(ConsistencyMath.alert(20, 10, 14.4)).isFalse(); // a blip: the long window is calm
    assertThat(ConsistencyMath.alert(10, 20, 14.4)).isFalse(); // over: the short window recovered
  }

  @Test
  void impossibleCountsAreRefusedWithWhatWasWrong() {
    assertThatThrownBy(() -> ConsistencyMath.share(5, 4))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("good=5 total=4");
    assertThatThrownBy(() -> ConsistencyMath.burnRate(1, 1, 1.0))
        .hasMessageContaining("target must be in (0, 1)");
  }

  @Property
  void ninesNeverExceedWhatTheSampleCanShow(
      @ForAll @LongRange(min = 1, max = 1_000_000_000L) long total,
      @ForAll @LongRange(min = 0, max = 1_000_000_000L) long good) {
    Assume.that(good <= total);
    double nines = ConsistencyMath.nines(good, total);
    assertThat(nines).isBetween(0.0, Math.log10(total) + 1e-9);
    assertThat(ConsistencyMath.ninesAtLeast(good, total)).isEqualTo(good == total);
  }

  @Property
  void moreAgreedVersionsNeverMeanFewerNinesOrAFasterBurn(
      @ForAll @LongRange(min = 2, max = 1_000_000L) long total,
      @ForAll @LongRange(min = 0, max = 1_000_000L) long good,
      @ForAll @DoubleRange(min = 0.5, max = 0.99999) @Scale(5) double target) {
    Assume.that(good < total);
    assertThat(ConsistencyMath.nines(good + 1, total))
        .isGreaterThanOrEqualTo(ConsistencyMath.nines(good, total) - 1e-9);
    assertThat(ConsistencyMath.burnRate(good + 1, total, target))
        .isLessThanOrEqualTo(ConsistencyMath.burnRate(good, total, target));
  }

  @Property
  void ninesAndShareSayTheSame(
      @ForAll @LongRange(min = 1, max = 1_000_000L) long total,
      @ForAll @LongRange(min = 0, max = 1_000_000L) long good) {
    Assume.that(good < total);
    double share = ConsistencyMath.share(good, total);
    assertThat(1 - Math.pow(10, -ConsistencyMath.nines(good, total)))
        .isCloseTo(share, within(1e-9));
  }

  @Property
  void theBudgetBurnsFasterThanPlannedExactlyWhenTheShareMissesTheTarget(
      @ForAll @LongRange(min = 1, max = 1_000_000L) long total,
      @ForAll @LongRange(min = 0, max = 1_000_000L) long good,
      @ForAll @DoubleRange(min = 0.5, max = 0.99999) @Scale(5) double target) {
    Assume.that(good <= total);
    double share = ConsistencyMath.share(good, total);
    Assume.that(Math.abs(share - target) > 1e-9);
    assertThat(ConsistencyMath.burnRate(good, total, target) > 1).isEqualTo(share < target);
  }
}
