package dev.herald.flink.report;

/**
 * Availability of one node, region or group summed over the report period.
 *
 * @param scope NODE, REGION or GROUP
 * @param id node id, region or group
 * @param expectedMs time expected up
 * @param uptimeMs time up
 * @param downtimeMs time down
 * @param outages outages that started
 * @param mttrMs mean time to repair, or {@code null}
 * @param mtbfMs mean time between failures, or {@code null}
 */
public record ScopeAvailability(
    String scope,
    String id,
    long expectedMs,
    long uptimeMs,
    long downtimeMs,
    int outages,
    Long mttrMs,
    Long mtbfMs) {

  /** Up-time fraction, 1.0 when nothing was expected. */
  public double availability() {
    return expectedMs == 0 ? 1.0 : (double) uptimeMs / expectedMs;
  }
}
