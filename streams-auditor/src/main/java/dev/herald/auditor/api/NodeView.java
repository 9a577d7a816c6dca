package dev.herald.auditor.api;

import dev.herald.auditor.identity.NodeHistory;
import dev.herald.auditor.identity.RegisteredNode;
import dev.herald.auditor.identity.RegistryRules;
import dev.herald.schema.AlertType;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.Heartbeat;
import dev.herald.schema.NodeRecord;
import dev.herald.schema.NodeStatus;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Registered nodes ({@code herald.nodes.v1}, applied by the auditor's {@link RegistryRules}: each
 * node's key history, quarantines and tombstones) and their last heartbeat ({@code
 * herald.heartbeats.v1}), with the flags the dashboard shows: <em>silent</em> (no heartbeat for
 * longer than the silence threshold, or an open {@code NODE_SILENT} alert) and <em>suspect</em>
 * (revoked, or blamed by an open Byzantine alert: equivocation, forgery, fork, identity conflict).
 *
 * <pre>{@code
 * NodeView nodes = new NodeView(Duration.ofSeconds(10), Clock.systemUTC(), meterRegistry);
 * nodes.apply(recordKey, nodeRecord, recordTimestamp, offset);
 * nodes.heartbeat(heartbeat);
 * List<NodeView.NodeStatusView> all = nodes.list(alertView);
 * }</pre>
 */
public final class NodeView implements KeyDirectory {
  /**
   * Alert types that make the named node a suspect. Not FORGED_REPORT: it names the node an
   * unverifiable record claimed to be — the victim of someone else's forgery.
   */
  static final Set<AlertType> BYZANTINE =
      Set.of(
          AlertType.EQUIVOCATION,
          AlertType.VERSION_JUMP,
          AlertType.FORK,
          AlertType.IDENTITY_CONFLICT,
          AlertType.CONFUSABLE_IDENTITY);

  /** What {@code GET /api/nodes} returns per node. */
  public record NodeStatusView(
      String nodeId,
      String displayName,
      String region,
      List<String> groups,
      String registryStatus,
      String keyId,
      Instant lastHeartbeat,
      Long heartbeatSequence,
      String heartbeatStatus,
      boolean silent,
      boolean suspect,
      int openAlerts,
      int totalAlerts) {}

  /** What {@code GET /api/groups} returns per group. */
  public record GroupStatusView(
      String group, List<String> members, String health, Map<String, Integer> openBySeverity) {}

  private final Duration silenceThreshold;
  private final Clock clock;
  private final Map<String, NodeHistory> histories = new TreeMap<>();
  private final Map<String, Heartbeat> lastHeartbeat = new HashMap<>();

  public NodeView(Duration silenceThreshold, Clock clock, MeterRegistry meters) {
    this.silenceThreshold = silenceThreshold;
    this.clock = clock;
    Gauge.builder("herald.view.nodes", this, NodeView::size)
        .description("Nodes known to the node view (registered or heard from)")
        .register(meters);
  }

  /**
   * Applies one record of {@code herald.nodes.v1} (in topic order) by the registry's rules ({@link
   * RegistryRules}), as the auditor does: the key history, quarantines and tombstones included.
   *
   * @param key the record key (null: none)
   * @param record the registration, or null for a tombstone
   * @param brokerTime the record's timestamp
   * @param offset its offset (-1 when unknown)
   * @return what the rules decided
   */
  public synchronized RegistryRules.Decision apply(
      String key, NodeRecord record, long brokerTime, long offset) {
    RegistryRules.Decision d = RegistryRules.apply(rulesView(), key, record, brokerTime, offset);
    if (d instanceof RegistryRules.Applied a) {
      histories.put(a.history().nodeId(), a.history());
    }
    return d;
  }

  /** Records a registration keyed by its own node id, timed at the beginning of time (tests). */
  public void register(NodeRecord node) {
    apply(node.getNodeId(), node, 0L, -1L);
  }

  /** Applies a tombstone for {@code nodeId}. */
  public void unregister(String nodeId) {
    apply(nodeId, null, clock.millis(), -1L);
  }

  private RegistryRules.View rulesView() {
    return RegistryRules.View.of(histories);
  }

  /** Records a heartbeat when it is newer than the last one of its node. */
  public synchronized void heartbeat(Heartbeat hb) {
    Heartbeat last = lastHeartbeat.get(hb.getNodeId());
    if (last == null || hb.getSequence() >= last.getSequence()) {
      lastHeartbeat.put(hb.getNodeId(), hb);
    }
  }

  public synchronized int size() {
    Set<String> ids = new TreeSet<>(registered().keySet());
    ids.addAll(lastHeartbeat.keySet());
    return ids.size();
  }

  /** The node as registered now (null: unknown or deleted). */
  public synchronized Optional<RegisteredNode> node(String nodeId) {
    NodeHistory h = histories.get(nodeId);
    return Optional.ofNullable(h == null ? null : h.latest());
  }

  @Override
  public synchronized Optional<NodeHistory> history(String nodeId) {
    return Optional.ofNullable(histories.get(nodeId));
  }

  /** Every registered node as it is now (deleted ids left out). */
  private Map<String, RegisteredNode> registered() {
    Map<String, RegisteredNode> out = new TreeMap<>();
    histories.forEach(
        (id, h) -> {
          RegisteredNode n = h.latest();
          if (n != null) {
            out.put(id, n);
          }
        });
    return out;
  }

  /** Every known node with its flags and alert counts, sorted by node id. */
  public List<NodeStatusView> list(AlertView alerts) {
    Map<String, AlertView.NodeCounts> counts = alerts.countsByNode();
    Set<String> silentByAlert = new TreeSet<>();
    Set<String> suspectByAlert = new TreeSet<>();
    for (List<AuditAlert> open : alerts.openByGroup().values()) {
      for (AuditAlert a : open) {
        if (a.getType() == AlertType.NODE_SILENT) {
          silentByAlert.addAll(a.getNodes());
        } else if (BYZANTINE.contains(a.getType())) {
          suspectByAlert.addAll(a.getNodes());
        }
      }
    }
    Instant now = clock.instant();
    List<NodeStatusView> out = new ArrayList<>();
    synchronized (this) {
      Map<String, RegisteredNode> registry = registered();
      Set<String> ids = new TreeSet<>(registry.keySet());
      ids.addAll(lastHeartbeat.keySet());
      for (String id : ids) {
        RegisteredNode reg = registry.get(id);
        Heartbeat hb = lastHeartbeat.get(id);
        Instant last = hb == null ? null : hb.getEventTime();
        boolean silent =
            silentByAlert.contains(id)
                || last == null
                || Duration.between(last, now).compareTo(silenceThreshold) > 0;
        boolean suspect =
            suspectByAlert.contains(id) || (reg != null && reg.status() == NodeStatus.REVOKED);
        AlertView.NodeCounts c = counts.getOrDefault(id, new AlertView.NodeCounts(0, 0));
        List<String> groups =
            reg != null ? reg.groups() : hb != null ? List.copyOf(hb.getGroups()) : List.of();
        out.add(
            new NodeStatusView(
                id,
                reg == null ? null : reg.displayName(),
                reg != null ? reg.region() : hb != null ? hb.getRegion() : null,
                groups,
                reg == null ? "UNREGISTERED" : reg.status().name(),
                reg == null ? null : reg.keyId(),
                last,
                hb == null ? null : hb.getSequence(),
                hb == null ? null : hb.getStatus().name(),
                silent,
                suspect,
                c.open(),
                c.total()));
      }
    }
    return out;
  }

  /**
   * Every group named by a registration or an open alert, with its members and health: {@code
   * CRITICAL} with an open critical alert, {@code DEGRADED} with any other open alert, else {@code
   * OK}.
   */
  public List<GroupStatusView> groups(AlertView alerts) {
    Map<String, Set<String>> members = new TreeMap<>();
    synchronized (this) {
      for (RegisteredNode n : registered().values()) {
        for (String g : n.groups()) {
          members.computeIfAbsent(g, k -> new TreeSet<>()).add(n.nodeId());
        }
      }
    }
    Map<String, List<AuditAlert>> open = alerts.openByGroup();
    for (String g : open.keySet()) {
      if (!g.isEmpty()) {
        members.computeIfAbsent(g, k -> new TreeSet<>());
      }
    }
    List<GroupStatusView> out = new ArrayList<>();
    members.forEach(
        (group, nodes) -> {
          Map<String, Integer> bySeverity = new TreeMap<>();
          String health = "OK";
          for (AuditAlert a : open.getOrDefault(group, List.of())) {
            bySeverity.merge(a.getSeverity().name(), 1, Integer::sum);
            health =
                a.getSeverity().name().equals("CRITICAL")
                    ? "CRITICAL"
                    : health.equals("CRITICAL") ? health : "DEGRADED";
          }
          out.add(new GroupStatusView(group, List.copyOf(nodes), health, bySeverity));
        });
    return out;
  }

  static byte[] bytes(ByteBuffer buffer) {
    if (buffer == null) {
      return new byte[0];
    }
    ByteBuffer b = buffer.duplicate();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }
}
