package dev.herald.auditor.detect;

import dev.herald.schema.AlertType;
import dev.herald.schema.HeartbeatStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * NODE_SILENT as a pure function: a node's liveness record, an admitted heartbeat (its event time
 * already clamped to its broker arrival ± the clock skew) or a clock tick → findings. Stored in
 * Avro in {@code herald-liveness}, one entry per node. Only admitted heartbeats reach it, each with
 * a higher {@code sequence} than the last, so the newest heartbeat is the one that says whether the
 * node is stopping.
 *
 * <pre>{@code
 * List<Finding> found = Liveness.onHeartbeat(l, eventTime, HeartbeatStatus.UP, silence, now);
 * Optional<Finding> silent = l.check(now);
 * }</pre>
 */
public final class Liveness {
  public String nodeId;
  public long lastHeartbeat;
  public long silenceThresholdMs;
  public boolean silent;
  public boolean stopping;

  /**
   * The highest heartbeat {@code sequence} admitted for the node ({@link Long#MIN_VALUE}: none).
   */
  public long lastSequence = Long.MIN_VALUE;

  public Liveness() {}

  /**
   * Records a heartbeat; returns the findings it proves: the RESOLVE of a silence already raised,
   * or — when the gap since the node's previous heartbeat exceeds the threshold and nobody judged
   * it in between (the auditor replayed, restarted or lagged through the silence) — that silence
   * and its RESOLVE together, so the outcome depends on the heartbeats alone.
   */
  public static List<Finding> onHeartbeat(
      Liveness l, long eventTime, HeartbeatStatus status, long silenceThresholdMs, long now) {
    List<Finding> out = new ArrayList<>(2);
    if (!l.silent
        && !l.stopping
        && l.lastHeartbeat > 0
        && eventTime - l.lastHeartbeat > silenceThresholdMs) {
      l.silenceThresholdMs = silenceThresholdMs;
      out.add(l.fallSilent(now));
    }
    l.lastHeartbeat = Math.max(l.lastHeartbeat, eventTime);
    l.silenceThresholdMs = silenceThresholdMs;
    l.stopping = status == HeartbeatStatus.STOPPING;
    if (l.silent) {
      l.silent = false;
      out.add(
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
    return out;
  }

  /** At clock time {@code now}: the NODE_SILENT finding if the node just fell silent. */
  public Optional<Finding> check(long now) {
    if (silent || stopping || now - lastHeartbeat <= silenceThresholdMs) {
      return Optional.empty();
    }
    return Optional.of(fallSilent(now));
  }

  private Finding fallSilent(long now) {
    silent = true;
    return Finding.episode(
        AlertType.NODE_SILENT,
        "",
        nodeId,
        "no heartbeat from node " + nodeId + " for more than " + silenceThresholdMs + " ms",
        lastHeartbeat,
        now,
        Map.of(),
        List.of());
  }
}
