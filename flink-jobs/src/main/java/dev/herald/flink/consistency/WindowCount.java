package dev.herald.flink.consistency;

import java.util.TreeMap;

/**
 * The verdicts of one group in one window: how many versions closed, how many every member agreed
 * on within M, the count per outcome, and the SLO (M and target) of the latest verdict.
 *
 * @param group replication group
 * @param windowStart window start, epoch millis
 * @param windowEnd window end, epoch millis
 * @param versions closed versions
 * @param agreedWithin versions agreed by every member within M (each verdict's own M)
 * @param outcomes outcome name to count
 * @param withinMs M of the latest verdict (its own, else the job's option); 0 when not set
 * @param target SLO target of the latest verdict (its own, else the job's option); 0 when not set
 * @param policyAt close time of the verdict {@code withinMs} and {@code target} come from
 */
public record WindowCount(
    String group,
    long windowStart,
    long windowEnd,
    long versions,
    long agreedWithin,
    TreeMap<String, Long> outcomes,
    long withinMs,
    double target,
    long policyAt) {

  /** A count without an SLO of its own (the burn-rate function then uses its options). */
  public WindowCount(
      String group,
      long windowStart,
      long windowEnd,
      long versions,
      long agreedWithin,
      TreeMap<String, Long> outcomes) {
    this(group, windowStart, windowEnd, versions, agreedWithin, outcomes, 0, 0, Long.MIN_VALUE);
  }

  /**
   * The count of one verdict, judged with the verdict's M if it carries one (the group's policy at
   * the close), else with {@code defaultWithinMs}; likewise for the target.
   */
  public static WindowCount of(VerdictEvent v, long defaultWithinMs, double defaultTarget) {
    TreeMap<String, Long> outcomes = new TreeMap<>();
    outcomes.put(v.outcome(), 1L);
    long within = v.withinMs() != null ? v.withinMs() : defaultWithinMs;
    double target = v.target() != null ? v.target() : defaultTarget;
    return new WindowCount(
        v.group(), 0, 0, 1, v.agreedWithin(within) ? 1 : 0, outcomes, within, target, v.closedAt());
  }

  /**
   * The sum of two counts of one group (window bounds are set when the window fires); the SLO is
   * the one of the later verdict (ties: the larger M, then the larger target, so the result does
   * not depend on the order of the merge).
   */
  public static WindowCount merge(WindowCount a, WindowCount b) {
    TreeMap<String, Long> outcomes = new TreeMap<>(a.outcomes);
    b.outcomes.forEach((k, n) -> outcomes.merge(k, n, Long::sum));
    WindowCount slo = laterPolicy(a, b) ? a : b;
    return new WindowCount(
        a.group,
        0,
        0,
        a.versions + b.versions,
        a.agreedWithin + b.agreedWithin,
        outcomes,
        slo.withinMs,
        slo.target,
        slo.policyAt);
  }

  private static boolean laterPolicy(WindowCount a, WindowCount b) {
    if (a.policyAt != b.policyAt) {
      return a.policyAt > b.policyAt;
    }
    if (a.withinMs != b.withinMs) {
      return a.withinMs > b.withinMs;
    }
    return a.target >= b.target;
  }

  /** This count placed in its window. */
  public WindowCount in(long start, long end) {
    return new WindowCount(
        group, start, end, versions, agreedWithin, outcomes, withinMs, target, policyAt);
  }
}
