package dev.herald.auditor.liveness;

import dev.herald.auditor.detect.Finding;
import dev.herald.schema.AlertType;
import dev.herald.schema.HeartbeatStatus;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * NODE_SILENT as a pure function: a node's liveness record, a heartbeat or a clock tick → findings.
 * Stored as JSON in {@code herald-liveness}, one entry per node.
 *
 * <pre>{@code
 * Liveness l = Liveness.onHeartbeat(previous, "n1", eventTime, HeartbeatStatus.UP, silence, out);
 * Optional<Finding> silent = l.check(now);
 * }</pre>
 */
public final class Liveness {
  public String nodeId;
  public long lastHeartbeat;
  public long silenceThresholdMs;
  public boolean silent;
  public boolean stopping;

  public Liveness() {}

  /** Records a heartbeat; returns the RESOLVE finding if the node was silent. */
  public static Optional<Finding> onHeartbeat(
      Liveness l, long eventTime, HeartbeatStatus status, long silenceThresholdMs, long now) {
    l.lastHeartbeat = Math.max(l.lastHeartbeat, eventTime);
    l.silenceThresholdMs = silenceThresholdMs;
    l.stopping = status == HeartbeatStatus.STOPPING;
    if (l.silent) {
      l.silent = false;
      return Optional.of(
          new Finding(
              Finding.Kind.RESOLVE,
              AlertType.NODE_SILENT,
              "",
              null,
              null,
              List.of(l.nodeId),
              null,
              "heartbeat received again",
              eventTime,
              now,
              Map.of(),
              List.of()));
    }
    return Optional.empty();
  }

  /** At clock time {@code now}: the NODE_SILENT finding if the node just fell silent. */
  public Optional<Finding> check(long now) {
    if (silent || stopping || now - lastHeartbeat <= silenceThresholdMs) {
      return Optional.empty();
    }
    silent = true;
    return Optional.of(
        Finding.episode(
            AlertType.NODE_SILENT,
            "",
            nodeId,
            "no heartbeat from node " + nodeId + " for more than " + silenceThresholdMs + " ms",
            lastHeartbeat,
            now,
            Map.of(),
            List.of()));
  }
}
