package dev.herald.auditor.detect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.auditor.policy.GroupPolicy;
import dev.herald.schema.ConsistencyVerdict;
import dev.herald.schema.VerdictOutcome;
import dev.herald.schema.canonical.Hashing;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The verdict on a closed version follows what the reconciler decided, names no node, and has a
 * time to agreement only when every member agreed.
 */
class ConsistencyVerdictsTest {
  private static final Set<String> MEMBERS = Set.of("n1", "n2", "n3");
  private static final GroupPolicy POLICY = GroupPolicy.DEFAULTS;

  private final EntityState state = new EntityState("payments", "acct-1");
  private final List<Finding> findings = new ArrayList<>();
  private Optional<ConsistencyVerdict> verdict = Optional.empty();

  private static String hash(String s) {
    return Hashing.hex(Hashing.sha256(s.getBytes(StandardCharsets.UTF_8)));
  }

  private static ReplicaReport report(String node, long v, String state, long at) {
    return new ReplicaReport(
        node + "-" + v + "-" + state,
        "payments",
        "acct-1",
        v,
        node,
        v == 1 ? "" : hash("s" + (v - 1)),
        hash(state),
        "op" + v,
        hash("op" + v),
        at,
        new EvidenceRef("t", 0, v, node, "k", v, null, true));
  }

  /** Feeds a report at auditor time {@code at}, as the topology does, keeping the verdict. */
  private void feed(ReplicaReport r, long at) {
    EntityState.VersionSlot slot = state.openVersions().get(r.version());
    Reconciler.Outcome out = Reconciler.onReport(state, r, MEMBERS, POLICY, at);
    findings.addAll(out.findings());
    if (out.closedVersion() != null) {
      verdict =
          ConsistencyVerdicts.of(
              state,
              out.closedVersion(),
              slot == null ? at : slot.openedAt(),
              slot == null ? Set.of() : slot.equivocators(),
              MEMBERS,
              out.findings(),
              at);
    }
  }

  private void closeByGrace(long v, long at) {
    EntityState.VersionSlot slot = state.openVersions().get(v);
    List<Finding> closed = Reconciler.close(state, v, MEMBERS, POLICY, at);
    findings.addAll(closed);
    verdict =
        ConsistencyVerdicts.of(state, v, slot.openedAt(), slot.equivocators(), MEMBERS, closed, at);
  }

  @Test
  void everyMemberAgreeingIsAgreedWithTheTimeFromTheFirstToTheLastReport() {
    // When the three members report the same state at 1 000, 1 200 and 1 450
    feed(report("n1", 1, "s1", 1_000), 1_000);
    feed(report("n2", 1, "s1", 1_200), 1_200);
    feed(report("n3", 1, "s1", 1_450), 1_450);

    // Then
    ConsistencyVerdict v = verdict.orElseThrow();
    assertThat(v.getOutcome()).isEqualTo(VerdictOutcome.AGREED);
    assertThat(v.getReplicasExpected()).isEqualTo(3);
    assertThat(v.getReplicasAgreeing()).isEqualTo(3);
    assertThat(v.getMsToAgreement()).isEqualTo(450L);
    assertThat(v.getFirstReportAt().toEpochMilli()).isEqualTo(1_000L);
    assertThat(v.getClosedAt().toEpochMilli()).isEqualTo(1_450L);
    assertThat(ConsistencyVerdicts.key(v)).isEqualTo("8:payments/acct-1#1");
  }

  @Test
  void aMinorityWithAnotherStateIsDivergedWithoutATimeToAgreement() {
    feed(report("n1", 1, "s1", 1_000), 1_000);
    feed(report("n2", 1, "s1", 1_000), 1_000);
    feed(report("n3", 1, "other", 1_000), 1_000);

    ConsistencyVerdict v = verdict.orElseThrow();
    assertThat(v.getOutcome()).isEqualTo(VerdictOutcome.DIVERGED);
    assertThat(v.getReplicasAgreeing()).isEqualTo(2);
    assertThat(v.getMsToAgreement()).isNull();
    assertThat(v.getAgreedAt()).isNull();
  }

  @Test
  void aMemberSilentUntilTheGraceEndsIsLaggingNotAgreed() {
    feed(report("n1", 1, "s1", 1_000), 1_000);
    feed(report("n2", 1, "s1", 1_000), 1_000);
    closeByGrace(1, 3_000);

    assertThat(verdict.orElseThrow().getOutcome()).isEqualTo(VerdictOutcome.LAGGING);
    assertThat(verdict.orElseThrow().getReplicasAgreeing()).isEqualTo(2);
  }

  @Test
  void threeDifferentStatesAreNoQuorum() {
    feed(report("n1", 1, "a", 1_000), 1_000);
    feed(report("n2", 1, "b", 1_000), 1_000);
    feed(report("n3", 1, "c", 1_000), 1_000);

    assertThat(verdict.orElseThrow().getOutcome()).isEqualTo(VerdictOutcome.NO_QUORUM);
    assertThat(verdict.orElseThrow().getReplicasAgreeing()).isZero();
  }

  @Test
  void aNodeSigningTwoClaimsMakesTheVersionAnEquivocation() {
    feed(report("n1", 1, "s1", 1_000), 1_000);
    feed(report("n1", 1, "s1-bis", 1_000), 1_000);
    feed(report("n2", 1, "s1", 1_000), 1_000);
    closeByGrace(1, 3_000);

    assertThat(verdict.orElseThrow().getOutcome()).isEqualTo(VerdictOutcome.EQUIVOCATION);
  }

  @Test
  void aVersionThatIsNotClosedHasNoVerdict() {
    assertThat(ConsistencyVerdicts.of(state, 7, 0, Set.of(), MEMBERS, List.of(), 1_000)).isEmpty();
  }
}
