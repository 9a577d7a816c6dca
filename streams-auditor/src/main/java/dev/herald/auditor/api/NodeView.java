package dev.herald.auditor.api;

import dev.herald.schema.AlertType;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.Heartbeat;
import dev.herald.schema.NodeRecord;
import dev.herald.schema.NodeStatus;
import dev.herald.schema.signing.Ed25519;
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
 * Registered nodes ({@code herald.nodes.v1}) and their last heartbeat ({@code
 * herald.heartbeats.v1}), with the flags the dashboard shows: <em>silent</em> (no heartbeat for
 * longer than the silence threshold, or an open {@code NODE_SILENT} alert) and <em>suspect</em>
 * (revoked, or blamed by an open Byzantine alert: equivocation, forgery, fork, identity conflict).
 *
 * <pre>{@code
 * NodeView nodes = new NodeView(Duration.ofSeconds(10), Clock.systemUTC(), meterRegistry);
 * nodes.register(nodeRecord);
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
  private final Map<String, NodeRecord> registry = new HashMap<>();
  private final Map<String, Heartbeat> lastHeartbeat = new HashMap<>();

  public NodeView(Duration silenceThreshold, Clock clock, MeterRegistry meters) {
    this.silenceThreshold = silenceThreshold;
    this.clock = clock;
    Gauge.builder("herald.view.nodes", this, NodeView::size)
        .description("Nodes known to the node view (registered or heard from)")
        .register(meters);
  }

  /** Records a registration (the latest per node id wins, as on the compacted topic). */
  public synchronized void register(NodeRecord node) {
    registry.put(node.getNodeId(), node);
  }

  /** Forgets a node (a tombstone on the compacted topic). */
  public synchronized void unregister(String nodeId) {
    registry.remove(nodeId);
  }

  /** Records a heartbeat when it is newer than the last one of its node. */
  public synchronized void heartbeat(Heartbeat hb) {
    Heartbeat last = lastHeartbeat.get(hb.getNodeId());
    if (last == null || hb.getSequence() >= last.getSequence()) {
      lastHeartbeat.put(hb.getNodeId(), hb);
    }
  }

  public synchronized int size() {
    Set<String> ids = new TreeSet<>(registry.keySet());
    ids.addAll(lastHeartbeat.keySet());
    return ids.size();
  }

  /** The registration of a node. */
  public synchronized Optional<NodeRecord> node(String nodeId) {
    return Optional.ofNullable(registry.get(nodeId));
  }

  @Override
  public synchronized Optional<byte[]> publicKey(String nodeId, String keyId) {
    NodeRecord node = registry.get(nodeId);
    if (node == null) {
      return Optional.empty();
    }
    byte[] current = bytes(node.getPublicKey());
    if (Ed25519.keyId(current).equals(keyId)) {
      return Optional.of(current);
    }
    if (node.getRotatesFrom() != null) {
      byte[] previous = bytes(node.getRotatesFrom());
      if (Ed25519.keyId(previous).equals(keyId)) {
        return Optional.of(previous);
      }
    }
    return Optional.empty();
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
      Set<String> ids = new TreeSet<>(registry.keySet());
      ids.addAll(lastHeartbeat.keySet());
      for (String id : ids) {
        NodeRecord reg = registry.get(id);
        Heartbeat hb = lastHeartbeat.get(id);
        Instant last = hb == null ? null : hb.getEventTime();
        boolean silent =
            silentByAlert.contains(id)
                || last == null
                || Duration.between(last, now).compareTo(silenceThreshold) > 0;
        boolean suspect =
            suspectByAlert.contains(id) || (reg != null && reg.getStatus() == NodeStatus.REVOKED);
        AlertView.NodeCounts c = counts.getOrDefault(id, new AlertView.NodeCounts(0, 0));
        List<String> groups =
            reg != null
                ? List.copyOf(reg.getGroups())
                : hb != null ? List.copyOf(hb.getGroups()) : List.of();
        out.add(
            new NodeStatusView(
                id,
                reg == null ? null : reg.getDisplayName(),
                reg != null ? reg.getRegion() : hb != null ? hb.getRegion() : null,
                groups,
                reg == null ? "UNREGISTERED" : reg.getStatus().name(),
                reg == null ? null : Ed25519.keyId(bytes(reg.getPublicKey())),
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
      for (NodeRecord n : registry.values()) {
        for (String g : n.getGroups()) {
          members.computeIfAbsent(g, k -> new TreeSet<>()).add(n.getNodeId());
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
