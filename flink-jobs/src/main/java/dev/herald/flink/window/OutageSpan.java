package dev.herald.flink.window;

/**
 * One outage of one node: from the moment its silence exceeded the threshold until its next
 * heartbeat.
 *
 * @param nodeId the node that was down
 * @param start event time the node was first considered down (last heartbeat + silence threshold)
 * @param end event time of the heartbeat that ended it, or {@code null} while ongoing
 */
public record OutageSpan(String nodeId, long start, Long end) {

  /** Duration up to {@code end}, or up to {@code asOf} while the outage is ongoing. */
  public long durationMs(long asOf) {
    return (end == null ? asOf : end) - start;
  }
}
