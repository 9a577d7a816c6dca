package dev.herald.flink.consistency;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Locale;

/**
 * The consistency SLO's arithmetic as pure functions: the share of versions agreed by every replica
 * within M, the same share in nines, and burn rates against a target.
 *
 * <pre>{@code
 * double share = ConsistencyMath.share(9_990, 10_000);      // 0.999
 * double nines = ConsistencyMath.nines(9_990, 10_000);      // 3.0
 * double burn = ConsistencyMath.burnRate(9_990, 10_000, 0.999); // 1.0: spending the budget exactly
 * }</pre>
 */
public final class ConsistencyMath {
  private ConsistencyMath() {}

  /** {@code good / total}; 1.0 for an empty sample (no version closed: nothing went wrong). */
  public static double share(long good, long total) {
    check(good, total);
    return total == 0 ? 1.0 : (double) good / total;
  }

  /**
   * The share in nines, {@code -log10(1 - share)}. With no failure in the sample the share is 1 and
   * its nines are unbounded; the sample can then only show {@code log10(total)} nines (one failure
   * more would have given that many), so that is returned and {@link #ninesAtLeast} is true: "≥ N
   * nines". Never more than {@code log10(total)}, 0 for an empty sample.
   */
  public static double nines(long good, long total) {
    check(good, total);
    if (total == 0) {
      return 0;
    }
    long bad = total - good;
    if (bad == 0) {
      return Math.log10(total);
    }
    // -log10(bad / total), computed from the counts: no rounding of 1 - share near 1
    return Math.log10(total) - Math.log10(bad);
  }

  /** Whether {@link #nines} is a lower bound (no failure in a non-empty sample). */
  public static boolean ninesAtLeast(long good, long total) {
    check(good, total);
    return total > 0 && good == total;
  }

  /**
   * How fast the error budget is spent: {@code (1 - share) / (1 - target)}. 1.0 spends exactly the
   * budget over the SLO period, 14.4 spends 2 % of a 30-day budget in one hour; 0 for an empty
   * sample.
   */
  public static double burnRate(long good, long total, double target) {
    check(good, total);
    if (!(target > 0 && target < 1)) {
      throw new IllegalArgumentException("target must be in (0, 1), got " + target);
    }
    if (total == 0) {
      return 0;
    }
    return ((double) (total - good) / total) / (1 - target);
  }

  /**
   * The multi-window, multi-burn-rate alert of the Google SRE workbook: both the short and the long
   * window burn at least {@code threshold} (the long one proves it matters, the short one that it
   * is still happening, so the alert also stops soon after the cause does).
   */
  public static boolean alert(double fastBurn, double slowBurn, double threshold) {
    return fastBurn >= threshold && slowBurn >= threshold;
  }

  /** "99.95 % (3.30 nines)" or "100 % (≥ 4.00 nines)": the figure as the report shows it. */
  public static String describe(long good, long total) {
    if (total == 0) {
      return "no closed versions";
    }
    return String.format(
        Locale.ROOT,
        "%s %% (%s%.2f nines)",
        percent(share(good, total)),
        ninesAtLeast(good, total) ? "≥ " : "",
        nines(good, total));
  }

  private static String percent(double share) {
    return new BigDecimal(share * 100)
        .round(new MathContext(6))
        .stripTrailingZeros()
        .toPlainString();
  }

  private static void check(long good, long total) {
    if (good < 0 || total < 0 || good > total) {
      throw new IllegalArgumentException(
          "need 0 <= good <= total, got good=" + good + " total=" + total);
    }
  }
}
