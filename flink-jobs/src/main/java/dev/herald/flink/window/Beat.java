package dev.herald.flink.window;

/**
 * One heartbeat as the liveness timeline sees it: when it was sent and whether the node announced a
 * planned stop.
 *
 * @param time event time of the heartbeat, epoch millis
 * @param stopping whether the node said it is stopping (planned, not an outage)
 */
public record Beat(long time, boolean stopping) {}
