package dev.herald.flink.consistency;

import dev.herald.schema.ConsistencyWindow;
import java.time.Instant;
import java.util.HashMap;

/**
 * A group's consistency in one window with the burn rates of the windows ending with it: what is
 * written to {@code herald.consistency.v1}.
 *
 * @param count the window's verdicts
 * @param withinMs M
 * @param target the SLO target
 * @param fastWindowMs short burn-rate window
 * @param fastBurn burn rate over it
 * @param slowWindowMs long burn-rate window
 * @param slowBurn burn rate over it
 * @param threshold burn rate both must reach for the alert
 */
public record ConsistencyFigure(
    WindowCount count,
    long withinMs,
    double target,
    long fastWindowMs,
    double fastBurn,
    long slowWindowMs,
    double slowBurn,
    double threshold) {

  /** Whether the multi-window burn-rate alert fires. */
  public boolean alert() {
    return ConsistencyMath.alert(fastBurn, slowBurn, threshold);
  }

  /** The record key: the group. */
  public String key() {
    return count.group();
  }

  /** The Avro record, generated at {@code now}. */
  public ConsistencyWindow toAvro(Instant now) {
    long good = count.agreedWithin();
    long total = count.versions();
    return ConsistencyWindow.newBuilder()
        .setGroup(count.group())
        .setWindowStart(Instant.ofEpochMilli(count.windowStart()))
        .setWindowEnd(Instant.ofEpochMilli(count.windowEnd()))
        .setWithinMs(withinMs)
        .setVersions(total)
        .setAgreedWithin(good)
        .setShare(ConsistencyMath.share(good, total))
        .setNines(ConsistencyMath.nines(good, total))
        .setNinesAtLeast(ConsistencyMath.ninesAtLeast(good, total))
        .setOutcomes(new HashMap<>(count.outcomes()))
        .setTarget(target)
        .setFastWindowMs(fastWindowMs)
        .setFastBurnRate(fastBurn)
        .setSlowWindowMs(slowWindowMs)
        .setSlowBurnRate(slowBurn)
        .setBurnThreshold(threshold)
        .setBurnAlert(alert())
        .setGeneratedAt(now)
        .build();
  }
}
