package dev.herald.flink.availability;

import dev.herald.flink.window.Tally;
import dev.herald.schema.AvailabilityScope;
import dev.herald.schema.AvailabilityWindow;
import java.time.Instant;
import java.util.TreeMap;

/**
 * The availability of one scope over one window, before it becomes an {@link AvailabilityWindow}.
 *
 * @param tally the summed contributions
 * @param windowStart window start
 * @param windowEnd window end (exclusive)
 */
public record WindowReport(Tally tally, long windowStart, long windowEnd) {

  /** The record written to {@code herald.availability.v1}. */
  public AvailabilityWindow toAvro() {
    return AvailabilityWindow.newBuilder()
        .setScope(AvailabilityScope.valueOf(tally.scope()))
        .setScopeId(tally.scopeId())
        .setWindowStart(Instant.ofEpochMilli(windowStart))
        .setWindowEnd(Instant.ofEpochMilli(windowEnd))
        .setExpectedMs(tally.expectedMs())
        .setUptimeMs(tally.uptimeMs())
        .setDowntimeMs(tally.downtimeMs())
        .setUpFraction(tally.upFraction())
        .setOutages(tally.outagesStarted())
        .setMttrMs(tally.mttrMs())
        .setMtbfMs(tally.mtbfMs())
        .setDivergences(tally.divergences())
        .setByzantine(tally.byzantine())
        .setAlertsBySeverity(new TreeMap<>(tally.alertsBySeverity()))
        .setHeartbeats(tally.heartbeats())
        .setLateEvents(tally.lateEvents())
        .build();
  }

  /** The Kafka key: the scope id (node, region or group). */
  public String key() {
    return tally.scopeId();
  }
}
