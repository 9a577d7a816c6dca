package dev.herald.flink.window;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What one scope (a node, region or group) contributed to one window, and the sum of such
 * contributions: the single value both Flink jobs aggregate with {@link #merge}.
 *
 * <p>Immutable; collections are fresh mutable copies so Flink's Kryo fallback can copy them.
 *
 * <pre>{@code
 * Tally total = Tally.empty("group", "payments").merge(fromNode).merge(fromAlert);
 * }</pre>
 *
 * @param scope NODE, REGION or GROUP
 * @param scopeId node id, region or group name
 * @param expectedMs time the scope's nodes were expected up (summed over nodes)
 * @param uptimeMs time they were up
 * @param downtimeMs time they were down
 * @param heartbeats heartbeats seen
 * @param lateEvents events that arrived after their window had closed
 * @param outagesStarted outages that started
 * @param repairs outages that ended
 * @param repairMs summed duration of the outages that ended
 * @param divergences alerts of the divergence family (see {@link AlertClasses})
 * @param byzantine alerts of the Byzantine family
 * @param alertsBySeverity opened alerts per severity name
 * @param incidentsByType opened alerts per alert type
 * @param incidentWeight severity-weighted incidents, for the risk score
 * @param nodes node-windows counted for the quorum (per-minute group tallies only)
 * @param nodesDown of those, nodes down for most of the window
 * @param quorumLossMs time the group had no quorum of its nodes up
 * @param endedOutages outages that ended, with start and end
 * @param openOutages outages still ongoing, one per node (the latest)
 * @param latestMs the latest event time that contributed
 */
public record Tally(
    String scope,
    String scopeId,
    long expectedMs,
    long uptimeMs,
    long downtimeMs,
    long heartbeats,
    long lateEvents,
    int outagesStarted,
    int repairs,
    long repairMs,
    long divergences,
    long byzantine,
    Map<String, Long> alertsBySeverity,
    Map<String, Long> incidentsByType,
    double incidentWeight,
    int nodes,
    int nodesDown,
    long quorumLossMs,
    List<OutageSpan> endedOutages,
    Map<String, OutageSpan> openOutages,
    long latestMs) {

  public static final String NODE = "NODE";
  public static final String REGION = "REGION";
  public static final String GROUP = "GROUP";

  /** A tally with nothing in it. */
  public static Tally empty(String scope, String scopeId) {
    return new Tally(
        scope,
        scopeId,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        new HashMap<>(),
        new HashMap<>(),
        0,
        0,
        0,
        0,
        new ArrayList<>(),
        new HashMap<>(),
        Long.MIN_VALUE);
  }

  /** The liveness of one node in one window, re-scoped to {@code scope}/{@code scopeId}. */
  public static Tally ofSlice(String scope, String scopeId, NodeSlice slice) {
    List<OutageSpan> ended = new ArrayList<>(slice.endedOutages());
    Map<String, OutageSpan> open = new HashMap<>();
    if (slice.openOutageStart() != null) {
      open.put(slice.nodeId(), new OutageSpan(slice.nodeId(), slice.openOutageStart(), null));
    }
    long repairMs = 0;
    for (OutageSpan o : ended) {
      repairMs += o.end() - o.start();
    }
    boolean mostlyDown = slice.expectedMs() > 0 && slice.downtimeMs() * 2 > slice.expectedMs();
    return new Tally(
        scope,
        scopeId,
        slice.expectedMs(),
        slice.uptimeMs(),
        slice.downtimeMs(),
        slice.heartbeats(),
        slice.lateEvents(),
        slice.outagesStarted(),
        ended.size(),
        repairMs,
        0,
        0,
        new HashMap<>(),
        new HashMap<>(),
        0,
        slice.expectedMs() > 0 ? 1 : 0,
        mostlyDown ? 1 : 0,
        0,
        ended,
        open,
        slice.windowEnd() - 1);
  }

  /** One opened alert, in {@code scope}/{@code scopeId}. */
  public static Tally ofAlert(
      String scope, String scopeId, String type, String severity, long eventTime) {
    Tally t = empty(scope, scopeId);
    Map<String, Long> bySeverity = new HashMap<>();
    bySeverity.put(severity, 1L);
    Map<String, Long> byType = new HashMap<>();
    byType.put(type, 1L);
    return new Tally(
        scope,
        scopeId,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        AlertClasses.isDivergence(type) ? 1 : 0,
        AlertClasses.isByzantine(type) ? 1 : 0,
        bySeverity,
        byType,
        AlertClasses.weight(severity),
        0,
        0,
        0,
        t.endedOutages(),
        t.openOutages(),
        eventTime);
  }

  /** The sum of this tally and {@code other} (same scope; the scope of this one is kept). */
  public Tally merge(Tally other) {
    List<OutageSpan> ended = new ArrayList<>(endedOutages);
    ended.addAll(other.endedOutages);
    Map<String, OutageSpan> open = new HashMap<>(openOutages);
    other.openOutages.forEach(
        (node, o) -> open.merge(node, o, (a, b) -> a.start() >= b.start() ? a : b));
    for (OutageSpan e : ended) {
      OutageSpan o = open.get(e.nodeId());
      if (o != null && o.start() == e.start()) {
        open.remove(e.nodeId());
      }
    }
    return new Tally(
        scope,
        scopeId,
        expectedMs + other.expectedMs,
        uptimeMs + other.uptimeMs,
        downtimeMs + other.downtimeMs,
        heartbeats + other.heartbeats,
        lateEvents + other.lateEvents,
        outagesStarted + other.outagesStarted,
        repairs + other.repairs,
        repairMs + other.repairMs,
        divergences + other.divergences,
        byzantine + other.byzantine,
        sum(alertsBySeverity, other.alertsBySeverity),
        sum(incidentsByType, other.incidentsByType),
        incidentWeight + other.incidentWeight,
        nodes + other.nodes,
        nodesDown + other.nodesDown,
        quorumLossMs + other.quorumLossMs,
        ended,
        open,
        Math.max(latestMs, other.latestMs));
  }

  /**
   * This per-window group tally with its quorum judged: if fewer than a majority of the nodes seen
   * in the window were mostly up, the whole window counts as quorum loss.
   */
  public Tally withQuorumJudged(long windowMs) {
    boolean lost = nodes > 0 && (nodes - nodesDown) < nodes / 2 + 1;
    return new Tally(
        scope,
        scopeId,
        expectedMs,
        uptimeMs,
        downtimeMs,
        heartbeats,
        lateEvents,
        outagesStarted,
        repairs,
        repairMs,
        divergences,
        byzantine,
        alertsBySeverity,
        incidentsByType,
        incidentWeight,
        0,
        0,
        quorumLossMs + (lost ? windowMs : 0),
        endedOutages,
        openOutages,
        latestMs);
  }

  /** Up-time fraction; 1.0 when nothing was expected. */
  public double upFraction() {
    return expectedMs == 0 ? 1.0 : (double) uptimeMs / expectedMs;
  }

  /** Mean time to repair, or {@code null} if no outage ended. */
  public Long mttrMs() {
    return repairs == 0 ? null : repairMs / repairs;
  }

  /** Mean time between failures (up-time per outage started), or {@code null} without outages. */
  public Long mtbfMs() {
    return outagesStarted == 0 ? null : uptimeMs / outagesStarted;
  }

  private static Map<String, Long> sum(Map<String, Long> a, Map<String, Long> b) {
    Map<String, Long> out = new HashMap<>(a);
    b.forEach((k, v) -> out.merge(k, v, Long::sum));
    return out;
  }
}
