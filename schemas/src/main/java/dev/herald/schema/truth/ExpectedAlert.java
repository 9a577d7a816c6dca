package dev.herald.schema.truth;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.herald.schema.AuditAlert;
import java.util.List;
import java.util.Set;

/**
 * One line of the simulator's ground truth: a fault it injected, written exactly as the auditor's
 * alert should identify it. Tests and benchmarks compare the auditor's alerts with these by {@link
 * #identity()} to compute precision and recall per type.
 *
 * <p>Identity rules, shared by the simulator and the auditor (DESIGN.md "Detection semantics"):
 *
 * <ul>
 *   <li>Per entity version ({@code DIVERGENCE, NO_QUORUM, EQUIVOCATION, FORK, CONFLICTING_WRITE,
 *       DUPLICATE_APPLY}): group, entityKey and version set; {@code nodes} = the blamed nodes
 *       (DIVERGENCE: the minority; NO_QUORUM: none; EQUIVOCATION and FORK: the offender;
 *       CONFLICTING_WRITE: the nodes that applied a non-majority op, all reporters if no op has a
 *       majority; DUPLICATE_APPLY: the nodes that applied the op a second time, at the second
 *       version).
 *   <li>Episodes per node and group ({@code REPLICA_LAG, FLOOD, UNKNOWN_NODE, NOT_A_MEMBER,
 *       FORGED_REPORT, VERSION_JUMP}): group and nodes set, entityKey and version null. For {@code
 *       FORGED_REPORT} and {@code UNKNOWN_NODE} the group is the claimed node's first registered
 *       group (sorted), or empty for an id nobody registered — never a group the unverifiable batch
 *       names.
 *   <li>Node-level ({@code NODE_SILENT, IDENTITY_CONFLICT, CONFUSABLE_IDENTITY}): group empty,
 *       entityKey and version null; nodes = the node, or both confusable / conflicting ids.
 *   <li>Not alerts: {@code MALFORMED_RECORD} (expected in the DLQ) and {@code BENIGN_DUPLICATE}
 *       (expected to raise nothing).
 * </ul>
 *
 * @param faultId unique id of the injected fault
 * @param type an {@code AlertType} name, or MALFORMED_RECORD / BENIGN_DUPLICATE
 * @param group replication group, empty for node-level faults
 * @param entityKey entity, or null
 * @param version version, or null
 * @param nodes blamed nodes, sorted
 * @param time epoch millis when the fault was injected
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record ExpectedAlert(
    String faultId,
    String type,
    String group,
    String entityKey,
    Long version,
    List<String> nodes,
    long time) {

  /** Ground-truth types that are not alerts. */
  public static final Set<String> NON_ALERT_TYPES = Set.of("MALFORMED_RECORD", "BENIGN_DUPLICATE");

  /**
   * Alert types that follow from injected faults rather than being faults of their own, so the
   * ground truth has no line for them and precision ignores them: {@code CONSISTENCY_BURN} (the
   * consistency SLO burning because of injected divergences), scored by its own test.
   */
  public static final Set<String> DERIVED_ALERT_TYPES = Set.of("CONSISTENCY_BURN");

  private static final ObjectMapper JSON =
      JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

  public ExpectedAlert {
    nodes = nodes == null ? List.of() : nodes.stream().sorted().toList();
    group = group == null ? "" : group;
  }

  /** What an alert and a ground-truth line are matched on. */
  public record Identity(
      String type, String group, String entityKey, Long version, List<String> nodes) {}

  /** This fault's identity. */
  public Identity identity() {
    return new Identity(type, group, entityKey, version, nodes);
  }

  /** The identity an auditor alert claims, by the same rules. */
  public static Identity identityOf(AuditAlert alert) {
    return new Identity(
        alert.getType().name(),
        alert.getGroup() == null ? "" : alert.getGroup(),
        alert.getEntityKey(),
        alert.getVersion(),
        alert.getNodes().stream().map(Object::toString).sorted().toList());
  }

  /** One JSON line. */
  public String toJson() {
    try {
      return JSON.writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Parses one JSON line. */
  public static ExpectedAlert fromJson(String line) {
    try {
      return JSON.readValue(line, ExpectedAlert.class);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not a ground-truth line: " + e.getOriginalMessage(), e);
    }
  }
}
