package dev.herald.auditor.policy;

import dev.herald.schema.AlertType;
import dev.herald.schema.Severity;
import java.time.Duration;
import java.util.Map;

/**
 * The auditing rules of one replication group (or the defaults).
 *
 * @param quorum votes a state hash needs; 0 means a majority of the registered members
 * @param reportGrace time after the first report of a version within which every member must report
 * @param silenceThreshold time without a heartbeat after which a node is silent
 * @param reportsPerSecond per-node report budget (token bucket refill rate, per partition task)
 * @param burst per-node token bucket size
 * @param maxInFlightVersions per-node cap on open versions it reported (per partition task)
 * @param requireSignatures whether batches must verify against the registered key
 * @param severities severity overrides by alert type
 */
public record GroupPolicy(
    int quorum,
    Duration reportGrace,
    Duration silenceThreshold,
    double reportsPerSecond,
    double burst,
    int maxInFlightVersions,
    boolean requireSignatures,
    Map<AlertType, Severity> severities) {

  /** Documented defaults: majority quorum, 2 s grace, 5 s silence, generous rate budget. */
  public static final GroupPolicy DEFAULTS =
      new GroupPolicy(
          0, Duration.ofSeconds(2), Duration.ofSeconds(5), 5_000, 10_000, 1_000, true, Map.of());

  public GroupPolicy {
    severities = Map.copyOf(severities);
  }

  /** Votes needed out of {@code members} registered members. */
  public int quorumOf(int members) {
    return quorum > 0 ? quorum : members / 2 + 1;
  }

  /** Severity of an alert type: the override if any, else the DESIGN.md default. */
  public Severity severityOf(AlertType type) {
    return severities.getOrDefault(type, defaultSeverity(type));
  }

  /** DESIGN.md "Detection semantics" severities. */
  public static Severity defaultSeverity(AlertType type) {
    return switch (type) {
      case NO_QUORUM, EQUIVOCATION, FORGED_REPORT, CONFLICTING_WRITE -> Severity.CRITICAL;
      case REPLICA_LAG -> Severity.LOW;
      case NODE_SILENT, NODE_STATUS_CHANGED -> Severity.MEDIUM;
      default -> Severity.HIGH;
    };
  }
}
