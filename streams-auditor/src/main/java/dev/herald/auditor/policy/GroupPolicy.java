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
 * @param resolveAfter per alert type, the quiet period after which an episode of that type resolves
 *     by itself (and a later occurrence opens a new episode); types absent never resolve by quiet
 *     (per-version findings, identity findings and NODE_SILENT, which its heartbeat resolves): an
 *     operator acknowledges them
 * @param consistency the consistency SLO of the group (M and the target), stamped on every verdict
 *     of the group at its close (docs/consistency-slo.md)
 */
public record GroupPolicy(
    int quorum,
    Duration reportGrace,
    Duration silenceThreshold,
    double reportsPerSecond,
    double burst,
    int maxInFlightVersions,
    boolean requireSignatures,
    Map<AlertType, Severity> severities,
    Map<AlertType, Duration> resolveAfter,
    Consistency consistency) {

  /**
   * The consistency SLO of a group: "the share of versions every member agreed on within {@code
   * within} of their first report meets {@code target}".
   *
   * @param within M, longer than zero
   * @param target the SLO target, strictly between 0 and 1 (e.g. 0.999)
   */
  public record Consistency(Duration within, double target) {
    /** Documented defaults: within 5 s, target 0.999. */
    public static final Consistency DEFAULTS = new Consistency(Duration.ofSeconds(5), 0.999);

    public Consistency {
      if (within == null || within.isNegative() || within.isZero()) {
        throw new IllegalArgumentException(
            "consistency.within must be longer than zero: " + within);
      }
      if (!(target > 0 && target < 1)) {
        throw new IllegalArgumentException(
            "consistency.target must be strictly between 0 and 1: " + target);
      }
    }
  }

  /** The default quiet periods of the episode types. */
  public static final Map<AlertType, Duration> DEFAULT_RESOLVE_AFTER =
      Map.of(
          AlertType.FLOOD, Duration.ofMinutes(2),
          AlertType.REPLICA_LAG, Duration.ofMinutes(10),
          AlertType.FORGED_REPORT, Duration.ofMinutes(10),
          AlertType.UNKNOWN_NODE, Duration.ofMinutes(10),
          AlertType.NOT_A_MEMBER, Duration.ofMinutes(10),
          AlertType.VERSION_JUMP, Duration.ofMinutes(10),
          AlertType.CONSISTENCY_BURN, Duration.ofMinutes(5));

  /** Documented defaults: majority quorum, 2 s grace, 5 s silence, generous rate budget. */
  public static final GroupPolicy DEFAULTS =
      new GroupPolicy(
          0,
          Duration.ofSeconds(2),
          Duration.ofSeconds(5),
          5_000,
          10_000,
          1_000,
          true,
          Map.of(),
          DEFAULT_RESOLVE_AFTER,
          Consistency.DEFAULTS);

  public GroupPolicy {
    severities = Map.copyOf(severities);
    resolveAfter = Map.copyOf(resolveAfter);
    consistency = consistency == null ? Consistency.DEFAULTS : consistency;
  }

  /** A policy with the default consistency SLO. */
  public GroupPolicy(
      int quorum,
      Duration reportGrace,
      Duration silenceThreshold,
      double reportsPerSecond,
      double burst,
      int maxInFlightVersions,
      boolean requireSignatures,
      Map<AlertType, Severity> severities,
      Map<AlertType, Duration> resolveAfter) {
    this(
        quorum,
        reportGrace,
        silenceThreshold,
        reportsPerSecond,
        burst,
        maxInFlightVersions,
        requireSignatures,
        severities,
        resolveAfter,
        Consistency.DEFAULTS);
  }

  /** A policy with the default quiet periods. */
  public GroupPolicy(
      int quorum,
      Duration reportGrace,
      Duration silenceThreshold,
      double reportsPerSecond,
      double burst,
      int maxInFlightVersions,
      boolean requireSignatures,
      Map<AlertType, Severity> severities) {
    this(
        quorum,
        reportGrace,
        silenceThreshold,
        reportsPerSecond,
        burst,
        maxInFlightVersions,
        requireSignatures,
        severities,
        DEFAULT_RESOLVE_AFTER);
  }

  /** The quiet period after which an episode of {@code type} resolves, or null (never). */
  public Duration quietPeriodOf(AlertType type) {
    return resolveAfter.get(type);
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
