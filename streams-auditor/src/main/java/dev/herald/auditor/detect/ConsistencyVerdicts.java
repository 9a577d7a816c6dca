package dev.herald.auditor.detect;

import dev.herald.auditor.policy.GroupPolicy;
import dev.herald.schema.AlertType;
import dev.herald.schema.ConsistencyVerdict;
import dev.herald.schema.VerdictOutcome;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The verdict on one closed version, from what the close left behind: the closed summary of the
 * entity, the findings of the close and the members it was judged against. A pure function; the
 * topology forwards its result to {@code herald.verdicts.v1}.
 *
 * <p>Only admitted reports ever reach the reconciler (signature, registry, membership, budget), so
 * a forged or foreign report cannot make a version look diverged. A verdict names no node: it
 * counts, the alerts blame. A version closed as NO_QUORUM only because flooding nodes alone
 * reported it (the topology drops that NO_QUORUM as explained by FLOOD) yields no verdict.
 *
 * <pre>{@code
 * long openedAt = slot.openedAt;                      // before the close removes the slot
 * List<Finding> findings = Reconciler.close(state, v, members, policy, now);
 * ConsistencyVerdict verdict =
 *     ConsistencyVerdicts.of(state, v, openedAt, slot.equivocators, members, findings, now);
 * }</pre>
 */
public final class ConsistencyVerdicts {
  private ConsistencyVerdicts() {}

  /**
   * The record key of a verdict: the entity id (length-prefixed group, so keys never collide) and
   * the version. A replay or a restart writes the same key.
   */
  public static String key(ConsistencyVerdict v) {
    return EntityState.entityId(v.getGroup(), v.getEntityKey()) + "#" + v.getVersion();
  }

  /**
   * The verdict on {@code version}, just closed at {@code closedAt}; empty if the entity holds no
   * summary of it (nothing was closed).
   *
   * @param state the entity after the close
   * @param version the closed version
   * @param firstReportAt auditor time of the version's first admitted report
   * @param equivocators nodes caught signing two claims for the version (they left the vote)
   * @param members the group's members the close judged against
   * @param findings what the close found (after the topology's own filtering)
   * @param closedAt auditor time of the close
   */
  public static Optional<ConsistencyVerdict> of(
      EntityState state,
      long version,
      long firstReportAt,
      Collection<String> equivocators,
      Set<String> members,
      List<Finding> findings,
      long closedAt) {
    EntityState.ClosedVersion c = state.closedVersion(version);
    if (c == null) {
      return Optional.empty();
    }
    int agreeing = 0;
    if (c.agreedHash() != null) {
      for (String m : members) {
        if (c.agreedHash().equals(c.hashOf(m)) && !equivocators.contains(m)) {
          agreeing++;
        }
      }
    }
    VerdictOutcome outcome = outcome(c, equivocators, members, agreeing, findings, version);
    if (outcome == VerdictOutcome.NO_QUORUM && !found(findings, AlertType.NO_QUORUM, version)) {
      // a version only flooding nodes reported: explained by FLOOD, not judged (its reports were
      // over budget), so it neither counts for nor against the group
      return Optional.empty();
    }
    boolean agreed = outcome == VerdictOutcome.AGREED;
    long first = Math.min(firstReportAt, closedAt);
    return Optional.of(
        ConsistencyVerdict.newBuilder()
            .setGroup(state.group())
            .setEntityKey(state.entityKey())
            .setVersion(version)
            .setOutcome(outcome)
            .setReplicasExpected(members.size())
            .setReplicasAgreeing(agreeing)
            .setFirstReportAt(Instant.ofEpochMilli(first))
            .setAgreedAt(agreed ? Instant.ofEpochMilli(closedAt) : null)
            .setMsToAgreement(agreed ? closedAt - first : null)
            .setClosedAt(Instant.ofEpochMilli(closedAt))
            .build());
  }

  /**
   * Stamps {@code verdict} with the group's consistency SLO at the close (M and the target of the
   * policy in force), so the policy file is the one source of truth of the SLO and a reload applies
   * to the verdicts written after it. Returns {@code verdict}.
   */
  public static ConsistencyVerdict stamped(
      ConsistencyVerdict verdict, GroupPolicy.Consistency slo) {
    verdict.setWithinMs(slo.within().toMillis());
    verdict.setTarget(slo.target());
    return verdict;
  }

  /** The outcome, the root cause first (the order of the detectors at close). */
  static VerdictOutcome outcome(
      EntityState.ClosedVersion c,
      Collection<String> equivocators,
      Set<String> members,
      int agreeing,
      List<Finding> findings,
      long version) {
    if (!equivocators.isEmpty()) {
      return VerdictOutcome.EQUIVOCATION;
    }
    if (found(findings, AlertType.FORK, version)) {
      return VerdictOutcome.FORKED;
    }
    if (found(findings, AlertType.DUPLICATE_APPLY, version)) {
      return VerdictOutcome.DUPLICATE_APPLY;
    }
    if (found(findings, AlertType.CONFLICTING_WRITE, version)) {
      return VerdictOutcome.CONFLICTING_WRITE;
    }
    if (c.agreedHash() == null) {
      return VerdictOutcome.NO_QUORUM;
    }
    if (found(findings, AlertType.DIVERGENCE, version)
        || c.hashes().values().stream().anyMatch(h -> !h.equals(c.agreedHash()))) {
      return VerdictOutcome.DIVERGED;
    }
    if (members.isEmpty() || agreeing < members.size()) {
      return VerdictOutcome.LAGGING;
    }
    return VerdictOutcome.AGREED;
  }

  private static boolean found(List<Finding> findings, AlertType type, long version) {
    return findings.stream()
        .anyMatch(
            f ->
                f.type() == type
                    && f.kind() == Finding.Kind.OPEN
                    && f.version() != null
                    && f.version() == version);
  }
}
