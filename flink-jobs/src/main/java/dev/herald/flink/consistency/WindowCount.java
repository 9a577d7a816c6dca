package dev.herald.flink.consistency;

import java.util.TreeMap;

/**
 * The verdicts of one group in one window: how many versions closed, how many every member agreed
 * on within M, and the count per outcome.
 *
 * @param group replication group
 * @param windowStart window start, epoch millis
 * @param windowEnd window end, epoch millis
 * @param versions closed versions
 * @param agreedWithin versions agreed by every member within M
 * @param outcomes outcome name to count
 */
public record WindowCount(
    String group,
    long windowStart,
    long windowEnd,
    long versions,
    long agreedWithin,
    TreeMap<String, Long> outcomes) {

  /** The count of one verdict. */
  public static WindowCount of(VerdictEvent v, long withinMs) {
    TreeMap<String, Long> outcomes = new TreeMap<>();
    outcomes.put(v.outcome(), 1L);
    return new WindowCount(v.group(), 0, 0, 1, v.agreedWithin(withinMs) ? 1 : 0, outcomes);
  }

  /** The sum of two counts of one group (window bounds are set when the window fires). */
  public static WindowCount merge(WindowCount a, WindowCount b) {
    TreeMap<String, Long> outcomes = new TreeMap<>(a.outcomes);
    b.outcomes.forEach((k, n) -> outcomes.merge(k, n, Long::sum));
    return new WindowCount(
        a.group, 0, 0, a.versions + b.versions, a.agreedWithin + b.agreedWithin, outcomes);
  }

  /** This count placed in its window. */
  public WindowCount in(long start, long end) {
    return new WindowCount(group, start, end, versions, agreedWithin, outcomes);
  }
}
