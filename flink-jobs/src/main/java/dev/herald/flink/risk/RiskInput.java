package dev.herald.flink.risk;

import dev.herald.flink.window.Tally;

/**
 * The summed figures of one group over one rolling window, before {@link RiskMath} turns them into
 * a report.
 *
 * @param group the replication group
 * @param label window label, {@code 24h} or {@code 7d}
 * @param windowStart window start
 * @param windowEnd window end (exclusive)
 * @param tally the group's summed per-window tallies (quorum already judged)
 */
public record RiskInput(
    String group, String label, long windowStart, long windowEnd, Tally tally) {}
