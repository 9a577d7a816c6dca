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

  /** A stable text of the identity; fields separated by a character ids never contain. */
  public static String identityKey(
      AlertType type, String group, String entityKey, Long version, List<String> nodes) {
    return String.join(
        "\u001f",
        type.name(),
        group == null ? "" : group,
        entityKey == null ? "\u0000" : entityKey,
        version == null ? "\u0000" : Long.toString(version),
        String.join(",", nodes.stream().sorted().toList()));
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
