package dev.herald.flink.window;

import java.util.ArrayList;
import java.util.List;

/**
 * The downtime model as a pure function: given the heartbeats of one node in one window and the
 * last heartbeat before it, how long was the node expected up, up, and down, and which outages
 * started, ended or are still open.
 *
 * <p>Between two consecutive heartbeats {@code a} and {@code b} (or the end of the window when no
 * later heartbeat is known yet): the node is up on {@code [a, a + silence)} and down on {@code [a +
 * silence, b)}. After a heartbeat with status {@code STOPPING} the node is not expected up at all
 * until it heartbeats again (a planned stop is not an outage). Before its first heartbeat a node is
 * not expected.
 *
 * <pre>{@code
 * var slice = LivenessMath.slice(0, 60_000, null, List.of(new Beat(0, false), new Beat(40_000,
 *     false)), 15_000);
 * // up [0,15s) and [40s,55s), down [15s,40s) and [55s,60s): downtimeMs == 30_000
 * }</pre>
 */
public final class LivenessMath {
  private LivenessMath() {}

  /**
   * The liveness of one node over {@code [windowStart, windowEnd)}.
   *
   * @param carried the last heartbeat before the window, or {@code null} if none is known
   * @param beats the heartbeats inside the window, sorted by time
   * @param silenceMs how long a node may be silent before it counts as down
   */
  public static Slice slice(
      String nodeId,
      long windowStart,
      long windowEnd,
      Beat carried,
      List<Beat> beats,
      long silenceMs) {
    if (windowEnd <= windowStart) {
      throw new IllegalArgumentException("empty window [" + windowStart + ", " + windowEnd + ")");
    }
    long expected = 0;
    long down = 0;
    int started = 0;
    List<OutageSpan> ended = new ArrayList<>();
    Beat previous = carried;
    for (int i = 0; i <= beats.size(); i++) {
      Beat next = i < beats.size() ? beats.get(i) : null;
      if (next != null && (next.time() < windowStart || next.time() >= windowEnd)) {
        throw new IllegalArgumentException(
            "heartbeat at " + next.time() + " is outside [" + windowStart + ", " + windowEnd + ")");
      }
      if (previous != null && !previous.stopping()) {
        long segmentStart = Math.max(previous.time(), windowStart);
        long segmentEnd = next == null ? windowEnd : next.time();
        expected += Math.max(0, segmentEnd - segmentStart);
        long outageStart = previous.time() + silenceMs;
        long outageEnd = next == null ? windowEnd : next.time();
        if (outageStart < outageEnd) {
          down += Math.max(0, outageEnd - Math.max(outageStart, windowStart));
          if (outageStart >= windowStart) {
            started++;
          }
          if (next != null) {
            ended.add(new OutageSpan(nodeId, outageStart, next.time()));
          }
        }
      }
      if (next != null) {
        previous = next;
      }
    }
    Long open = null;
    if (previous != null && !previous.stopping() && previous.time() + silenceMs < windowEnd) {
      open = previous.time() + silenceMs;
    }
    return new Slice(expected, expected - down, down, beats.size(), started, ended, open, previous);
  }

  /**
   * The liveness of a node in one window.
   *
   * @param expectedMs time the node was expected up
   * @param uptimeMs time it was up
   * @param downtimeMs time it was down ({@code expectedMs - uptimeMs})
   * @param heartbeats heartbeats in the window
   * @param outagesStarted outages that started in the window
   * @param endedOutages outages that ended in the window (they may have started earlier)
   * @param openOutageStart start of the outage still ongoing at the window end, or {@code null}
   * @param last the last heartbeat known at the window end, carried into the next window
   */
  public record Slice(
      long expectedMs,
      long uptimeMs,
      long downtimeMs,
      int heartbeats,
      int outagesStarted,
      List<OutageSpan> endedOutages,
      Long openOutageStart,
      Beat last) {}
}
