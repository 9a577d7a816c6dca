package dev.herald.flink.io;

import java.util.List;

/**
 * A decoded heartbeat, reduced to what the availability figures need.
 *
 * @param nodeId the node
 * @param region its region
 * @param groups its replication groups
 * @param eventTime when it was sent, epoch millis
 * @param stopping whether the node announced a planned stop
 */
public record HeartbeatEvent(
    String nodeId, String region, List<String> groups, long eventTime, boolean stopping) {}
