package dev.herald.flink.window;

import java.util.List;

/**
 * The liveness of one node over one event-time window, as emitted by {@link NodeLivenessFunction}.
 *
 * @param nodeId the node
 * @param region its region (from its latest heartbeat)
 * @param groups its replication groups (from its latest heartbeat)
 * @param windowStart window start, epoch millis
 * @param windowEnd window end (exclusive)
 * @param expectedMs time it was expected up
 * @param uptimeMs time it was up
 * @param downtimeMs time it was down
 * @param heartbeats heartbeats in the window
 * @param lateEvents heartbeats that arrived after their window had been emitted
 * @param outagesStarted outages that started in the window
 * @param endedOutages outages that ended in the window
 * @param openOutageStart start of the outage ongoing at the window end, or {@code null}
 */
public record NodeSlice(
    String nodeId,
    String region,
    List<String> groups,
    long windowStart,
    long windowEnd,
    long expectedMs,
    long uptimeMs,
    long downtimeMs,
    long heartbeats,
    long lateEvents,
    int outagesStarted,
    List<OutageSpan> endedOutages,
    Long openOutageStart) {}
