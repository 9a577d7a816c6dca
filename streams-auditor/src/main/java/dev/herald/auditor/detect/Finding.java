package dev.herald.auditor.detect;

import dev.herald.schema.AlertType;
import java.util.List;
import java.util.Map;

/**
 * What a detector found, before the alert lifecycle turns it into an {@code AuditAlert}.
 *
 * <ul>
 *   <li>{@link Kind#OPEN}: a one-off alert (per entity version, or per identity fact).
 *   <li>{@link Kind#EPISODE}: one more occurrence of an episode per (type, group, node); the first
 *       opens the alert, later ones only count.
 *   <li>{@link Kind#CAUGHT_UP}: a lagging node delivered the agreed hash of a version it missed.
 *   <li>{@link Kind#RESOLVE}: the condition cleared (a silent node is back).
 *   <li>{@link Kind#ACK}: an operator acknowledged the alert {@code attributes.alertId}.
 * </ul>
 *
 * @param kind see above
 * @param type alert type
 * @param group group, empty for node-level alerts
 * @param entityKey entity for per-version alerts, else null
 * @param version version for per-version alerts, else null
 * @param nodes blamed nodes, sorted
 * @param majorityHash the agreed hash (hex) where there is one, else null
 * @param detail a sentence for humans
 * @param firstEventTime event time of the first report involved
 * @param detectedAt stream time of the decision
 * @param attributes extra facts (entity and version of an episode occurrence, counts)
 * @param evidence the signed batches that prove it
 */
public record Finding(
    Kind kind,
    AlertType type,
    String group,
    String entityKey,
    Long version,
    List<String> nodes,
    String majorityHash,
    String detail,
    long firstEventTime,
    long detectedAt,
    Map<String, String> attributes,
    List<EvidenceRef> evidence) {

  /** How a finding changes the alert it belongs to. */
  public enum Kind {
    OPEN,
    EPISODE,
    CAUGHT_UP,
    RESOLVE,
    ACK
  }

  public Finding {
    group = group == null ? "" : group;
    nodes = nodes.stream().sorted().toList();
    attributes = Map.copyOf(attributes);
    evidence = List.copyOf(evidence);
  }

  /** A one-off alert about one entity version. */
  static Finding versionAlert(
      AlertType type,
      String group,
      String entityKey,
      long version,
      List<String> nodes,
      String majorityHash,
      String detail,
      long firstEventTime,
      long detectedAt,
      List<EvidenceRef> evidence) {
    return new Finding(
        Kind.OPEN,
        type,
        group,
        entityKey,
        version,
        nodes,
        majorityHash,
        detail,
        firstEventTime,
        detectedAt,
        Map.of(),
        evidence);
  }

  /** One occurrence of an episode of {@code type} for {@code node} in {@code group}. */
  public static Finding episode(
      AlertType type,
      String group,
      String node,
      String detail,
      long eventTime,
      long detectedAt,
      Map<String, String> attributes,
      List<EvidenceRef> evidence) {
    return new Finding(
        Kind.EPISODE,
        type,
        group,
        null,
        null,
        List.of(node),
        null,
        detail,
        eventTime,
        detectedAt,
        attributes,
        evidence);
  }

  /** The identity this finding's alert is matched on (see {@code ExpectedAlert}). */
  public String identityKey() {
    return AlertIds.identityKey(type, group, entityKey, version, nodes);
  }
}
