package dev.herald.flink.io;

import java.util.List;

/**
 * A verified heartbeat, reduced to what the availability figures need.
 *
 * @param nodeId the node
 * @param region its registered region
 * @param groups its registered replication groups
 * @param eventTime when it was sent, epoch millis, clamped to the Kafka record time ± the allowed
 *     clock skew
 * @param stopping whether the node announced a planned stop
 * @param sequence the node's signed heartbeat sequence (strictly increasing per node)
 * @param signedTime the event time as signed, before clamping
 */
public record HeartbeatEvent(
    String nodeId,
    String region,
    List<String> groups,
    long eventTime,
    boolean stopping,
    long sequence,
    long signedTime) {

  /** Whether clamping moved the event time forward: the heartbeat was signed long before. */
  public boolean signedLongBefore() {
    return signedTime < eventTime;
  }
}
