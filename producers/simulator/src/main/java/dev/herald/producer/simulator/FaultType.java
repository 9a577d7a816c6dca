package dev.herald.producer.simulator;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The faults the {@link Simulator} can inject, by their scenario name, with the ground-truth line
 * (and so the auditor alert) each one yields. Every per-version fault uses an entity version of its
 * own, on an entity that gets no further operations, with a fault-free quorum of the other replicas
 * — so exactly one alert explains it. Window faults (lag, silent, flood) never overlap another
 * fault.
 */
public enum FaultType {
  /**
   * Divergent state: one replica reaches a different state for the same operation (alternately a
   * bit flip in its state hash and a non-deterministic operation that stamps the local time). The
   * others agree. Expect {@code DIVERGENCE} at (group, entity, version) blaming that replica.
   */
  DIVERGENCE("divergence", "DIVERGENCE"),
  /**
   * Network partition (split brain): the replicas split into sides smaller than a quorum that each
   * reach their own state for the same operation. Expect {@code NO_QUORUM} at (group, entity,
   * version), no nodes blamed.
   */
  PARTITION("partition", "NO_QUORUM"),
  /**
   * Lagging replica: one replica's reports are held back for {@code lagDuration} (longer than the
   * grace time), then delivered with the agreed hashes. Expect one {@code REPLICA_LAG} episode for
   * (group, node), entity and version null.
   */
  LAG("lag", "REPLICA_LAG"),
  /**
   * Crashed/silent node: one replica sends no heartbeats for {@code silentDuration} (twice the
   * silence threshold); its group applies no operations meanwhile, so no version misses it. Expect
   * {@code NODE_SILENT} for the node, group empty — and no {@code REPLICA_LAG}.
   */
  SILENT("silent", "NODE_SILENT"),
  /**
   * Equivocating node: one replica validly signs two different states for the same version (the
   * agreed one and another). Expect {@code EQUIVOCATION} at (group, entity, version) blaming it; it
   * leaves the vote, the others agree, so no {@code DIVERGENCE}.
   */
  EQUIVOCATION("equivocation", "EQUIVOCATION"),
  /**
   * Forger: a batch claiming to be from a member, for a version the members also report, signed
   * with a key that is not the member's. Expect one {@code FORGED_REPORT} for (the claimed node's
   * registered group, claimed node), naming it as the victim; its reports leave the vote.
   */
  FORGERY("forgery", "FORGED_REPORT"),
  /**
   * Unregistered reporter: a validly signed batch from a node id that is not in {@code
   * herald.nodes.v1}. Expect {@code UNKNOWN_NODE} for (group "", that node): the auditor takes
   * groups from the registry, never from a batch nobody can vouch for.
   */
  UNREGISTERED("unregistered", "UNKNOWN_NODE"),
  /**
   * Non-member: a registered replica of another group reports a version of this group. Expect
   * {@code NOT_A_MEMBER} for (this group, that node). Needs two groups or more.
   */
  NON_MEMBER("non-member", "NOT_A_MEMBER"),
  /**
   * History rewrite (fork): one replica reports a version whose {@code prevStateHash} is not the
   * agreed hash of the previous version (nor the one it reported). Expect {@code FORK} at (group,
   * entity, version) blaming it.
   */
  FORK("fork", "FORK"),
  /**
   * Conflicting concurrent writes (double spend): a quorum applies one withdrawal as version v, the
   * other replicas apply a different withdrawal of the same funds as the same version. Expect
   * {@code CONFLICTING_WRITE} at (group, entity, version) blaming the minority.
   */
  DOUBLE_SPEND("double-spend", "CONFLICTING_WRITE"),
  /**
   * Duplicate apply (replayed operation): every replica applies the same operation again as the
   * next version. Expect {@code DUPLICATE_APPLY} at (group, entity, second version) blaming all
   * replicas.
   */
  DUPLICATE_APPLY("duplicate-apply", "DUPLICATE_APPLY"),
  /**
   * Flood (DoS): one replica re-sends {@code floodFactor × (burst + rateBudget × flood window)}
   * copies of its latest report during the flood window; its group applies nothing meanwhile, so
   * none of its own reports is refused with the copies. Expect one {@code FLOOD} episode for
   * (group, node); the copies are duplicates, so nothing else.
   */
  FLOOD("flood", "FLOOD"),
  /**
   * Confusable node id: a new node is registered whose id differs from a member's only by a
   * Cyrillic look-alike letter ({@code node-1} with a Cyrillic {@code е}). Expect {@code
   * CONFUSABLE_IDENTITY} naming both ids, group empty.
   */
  CONFUSABLE_ID("confusable-id", "CONFUSABLE_IDENTITY"),
  /**
   * Identity conflict: a stand-by node id is registered, then registered again with a different key
   * and no declared rotation. Expect {@code IDENTITY_CONFLICT} for that id, group empty. (A
   * stand-by id is used so that whichever key the auditor keeps, no honest traffic is affected.)
   */
  IDENTITY_CONFLICT("identity-conflict", "IDENTITY_CONFLICT"),
  /**
   * Benign duplicate delivery: a batch already written is written again, byte for byte (same
   * batchSeq). Ground truth {@code BENIGN_DUPLICATE}: no alert is expected.
   */
  BENIGN_DUPLICATE("benign-duplicate", "BENIGN_DUPLICATE"),
  /**
   * Malformed record: bytes that are not a wire-format Avro record on {@code
   * herald.state-changes.v1}. Ground truth {@code MALFORMED_RECORD}: expected in the DLQ, no alert.
   */
  MALFORMED("malformed", "MALFORMED_RECORD");

  private final String scenarioName;
  private final String expectedType;

  FaultType(String scenarioName, String expectedType) {
    this.scenarioName = scenarioName;
    this.expectedType = expectedType;
  }

  /** The name used in scenario files and {@code --faults}. */
  public String scenarioName() {
    return scenarioName;
  }

  /** The ground-truth type (an {@code AlertType} name, or MALFORMED_RECORD / BENIGN_DUPLICATE). */
  public String expectedType() {
    return expectedType;
  }

  /** Whether the fault lasts a window of time (and so blocks other faults meanwhile). */
  public boolean windowed() {
    return this == LAG || this == SILENT || this == FLOOD;
  }

  /** Parses a scenario name (case-insensitive; {@code _} and {@code -} are the same). */
  public static FaultType parse(String name) {
    String n = name.trim().toLowerCase(Locale.ROOT).replace('_', '-');
    for (FaultType t : values()) {
      if (t.scenarioName.equals(n)
          || t.expectedType.toLowerCase(Locale.ROOT).replace('_', '-').equals(n)) {
        return t;
      }
    }
    throw new IllegalArgumentException(
        "unknown fault type '"
            + name
            + "'; allowed: "
            + names().stream().collect(Collectors.joining(", ")));
  }

  /** Every scenario name. */
  public static List<String> names() {
    return Arrays.stream(values()).map(FaultType::scenarioName).toList();
  }
}
