package dev.herald.auditor.detect;

import dev.herald.schema.AlertType;
import dev.herald.schema.canonical.Hashing;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Deterministic alert ids: the hex SHA-256 (first 16 bytes) of an alert's identity (type, group,
 * entity, version, sorted nodes), as {@code ExpectedAlert} defines it. A replay of the same input
 * yields the same ids. A later episode of the same identity (after the first was resolved) gets
 * {@code #n} appended to the hashed text, so an id is OPEN at most once.
 *
 * <pre>{@code
 * String id = AlertIds.alertId(AlertIds.identityKey(AlertType.FORK, "g", "k", 7L, List.of("n2")), 1);
 * }</pre>
 */
public final class AlertIds {
  private AlertIds() {}

  /**
   * A stable text of the identity that no two identities share: every field is written as its
   * length, ':' and its characters (an absent entity or version as '-'), the nodes as their count
   * and each node so; a separator inside a group, entity key or node id can therefore never make
   * two identities one (e.g. group {@code a} + entity {@code b|c} vs group {@code a|b} + entity
   * {@code c}).
   */
  public static String identityKey(
      AlertType type, String group, String entityKey, Long version, List<String> nodes) {
    StringBuilder b = new StringBuilder(64);
    b.append(type.name());
    field(b, group == null ? "" : group);
    field(b, entityKey);
    field(b, version == null ? null : Long.toString(version));
    List<String> sorted = nodes.stream().sorted().toList();
    b.append('|').append(sorted.size());
    sorted.forEach(n -> field(b, n));
    return b.toString();
  }

  private static void field(StringBuilder b, String value) {
    b.append('|');
    if (value == null) {
      b.append('-');
    } else {
      b.append(value.length()).append(':').append(value);
    }
  }

  /**
   * The key findings (and acknowledgements) of an identity are partitioned by on their way to the
   * alert lifecycle: the node, for alerts that name one node (so a node's NODE_SILENT or FLOOD can
   * explain its REPLICA_LAG on the same partition), else the identity itself.
   */
  public static String routingKey(
      AlertType type, String group, String entityKey, Long version, List<String> nodes) {
    return nodes.size() == 1 ? nodes.get(0) : identityKey(type, group, entityKey, version, nodes);
  }

  /** The alert id of episode {@code episode} (1-based) of an identity. */
  public static String alertId(String identityKey, int episode) {
    String text = episode <= 1 ? identityKey : identityKey + "#" + episode;
    byte[] digest = Hashing.sha256(text.getBytes(StandardCharsets.UTF_8));
    return Hashing.hex(digest).substring(0, 32);
  }
}
