package dev.herald.auditor.detect;

import static dev.herald.auditor.detect.Replicas.ENTITY;
import static dev.herald.auditor.detect.Replicas.GROUP;
import static dev.herald.auditor.detect.Replicas.hash;
import static dev.herald.auditor.detect.Replicas.honest;
import static dev.herald.auditor.detect.Replicas.report;
import static dev.herald.auditor.detect.Replicas.state;
import static dev.herald.auditor.detect.Votes.onlyFinding;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.auditor.policy.GroupPolicy;
import dev.herald.schema.AlertType;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The per-entity detectors without Kafka: one fault at a time, exact identities. */
class ReconcilerTest {
  private static final Set<String> MEMBERS = Set.of("n1", "n2", "n3");
  private static final GroupPolicy POLICY = GroupPolicy.DEFAULTS;

  private final EntityState state = new EntityState(GROUP, ENTITY);
  private final List<Finding> findings = new ArrayList<>();

  private Reconciler.Outcome feed(ReplicaReport r) {
    Reconciler.Outcome out = Reconciler.onReport(state, r, MEMBERS, POLICY, r.eventTime());
    findings.addAll(out.findings());
    return out;
  }

  private void closeAfterGrace(long v) {
    findings.addAll(Reconciler.close(state, v, MEMBERS, POLICY, 1_000 * v + 2_000));
  }

  private void agreedVersion(long v) {
    for (String n : List.of("n1", "n2", "n3")) {
      feed(honest(n, v));
    }
  }

  @Test
  void honestReplicasRaiseNothingAndClosedVersionsLeaveTheOpenSet() {
    // Given / When
    for (long v = 1; v <= 5; v++) {
      agreedVersion(v);
    }
    // Then
    assertThat(findings).isEmpty();
    assertThat(state.openVersions()).isEmpty();
    assertThat(state.closedVersions()).hasSize(5);
  }

  @Test
  void versionClosesAsSoonAsEveryMemberReported() {
    feed(honest("n1", 1));
    feed(honest("n2", 1));
    Reconciler.Outcome last = feed(honest("n3", 1));
    assertThat(last.closedVersion()).isEqualTo(1L);
    assertThat(state.openVersions()).isEmpty();
  }

  @Test
  void flagsMinorityNodeWhenQuorumAgrees() {
    agreedVersion(1);
    feed(honest("n1", 2));
    feed(honest("n2", 2));
    feed(report("n3", 2, state(1), hash("bad"), "op2"));
    Finding found = onlyFinding(findings, AlertType.DIVERGENCE, "n3");
    assertThat(found.version()).isEqualTo(2L);
    assertThat(found.majorityHash()).isEqualTo(state(2));
  }

  @Test
  void splitBrainHasNoQuorum() {
    feed(report("n1", 1, "", hash("a"), "op1"));
    feed(report("n2", 1, "", hash("b"), "op1"));
    feed(report("n3", 1, "", hash("c"), "op1"));
    onlyFinding(findings, AlertType.NO_QUORUM);
  }

  @Test
  void tooFewReportsAtGraceHaveNoQuorum() {
    feed(honest("n1", 1));
    closeAfterGrace(1);
    assertThat(findings).extracting(Finding::type).containsExactly(AlertType.NO_QUORUM);
  }

  @Test
  void lagIsAnEpisodeAndCatchingUpIsReported() {
    feed(honest("n1", 1));
    feed(honest("n2", 1));
    closeAfterGrace(1);
    Finding found = onlyFinding(findings, AlertType.REPLICA_LAG, "n3");
    assertThat(found.kind()).isEqualTo(Finding.Kind.EPISODE);
    assertThat(found.entityKey()).isNull();
    findings.clear();
    feed(honest("n3", 1));
    assertThat(findings)
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.kind()).isEqualTo(Finding.Kind.CAUGHT_UP);
              assertThat(f.nodes()).containsExactly("n3");
            });
  }

  @Test
  void aLateReportOnAWrongBaseIsAForkNotADivergence() {
    // Given versions 1 and 2 agreed, and version 3 closed at its grace without n3
    agreedVersion(1);
    agreedVersion(2);
    feed(honest("n1", 3));
    feed(honest("n2", 3));
    closeAfterGrace(3);
    findings.clear();
    // When n3's report of version 3 arrives, built on a base nobody had at version 2
    feed(report("n3", 3, hash("elsewhere"), hash("forked"), "op3"));
    // Then one FORK naming n3, as had it come on time: neither a DIVERGENCE nor a catching up
    Finding found = onlyFinding(findings, AlertType.FORK, "n3");
    assertThat(found.version()).isEqualTo(3L);
    assertThat(found.evidence()).hasSize(1);
    // and its claim is kept: a second, different one for the version is an equivocation
    findings.clear();
    feed(report("n3", 3, state(2), state(3), "op3"));
    onlyFinding(findings, AlertType.EQUIVOCATION, "n3");
  }

  @Test
  void aLateReportOnItsOwnPreviousStateIsJudgedOnItsState() {
    // Given version 1 agreed, version 2 closed without n3, which then reports it on its own
    // (agreed) base: a divergence when its state differs — no fork
    agreedVersion(1);
    feed(honest("n1", 2));
    feed(honest("n2", 2));
    closeAfterGrace(2);
    findings.clear();
    feed(report("n3", 2, state(1), hash("bad"), "op2"));
    onlyFinding(findings, AlertType.DIVERGENCE, "n3");
  }

  @Test
  void equivocationIsBlamedOnceAndLeavesTheVote() {
    feed(honest("n1", 1));
    feed(report("n1", 1, "", hash("other"), "op1"));
    feed(report("n1", 1, "", hash("third"), "op1"));
    feed(honest("n2", 1));
    feed(honest("n3", 1));
    Finding found = onlyFinding(findings, AlertType.EQUIVOCATION, "n1");
    assertThat(found.version()).isEqualTo(1L);
    assertThat(found.evidence()).hasSize(2);
  }

  @Test
  void anEquivocationAfterTheCloseCarriesBothSignedClaims() {
    // Given version 1 agreed and closed
    feed(honest("n1", 1));
    feed(honest("n2", 1));
    feed(honest("n3", 1));
    assertThat(state.closedVersions()).containsKey(1L);
    // When n1 signs a second, different claim for it
    feed(report("n1", 1, "", hash("other"), "op1"));
    // Then the alert carries where both were read: herald verify can fetch and compare them
    Finding found = onlyFinding(findings, AlertType.EQUIVOCATION, "n1");
    assertThat(found.evidence()).hasSize(2);
    assertThat(found.evidence().get(0).nodeId()).isEqualTo("n1");
    assertThat(found.evidence().get(0).record()).isNull();
  }

  @Test
  void duplicateDeliveriesAreIdempotent() {
    feed(honest("n1", 1));
    Reconciler.Outcome dup = feed(honest("n1", 1));
    feed(honest("n2", 1));
    feed(honest("n3", 1));
    feed(honest("n3", 1));
    assertThat(dup.effect()).isEqualTo(Reconciler.Effect.DUPLICATE);
    assertThat(findings).isEmpty();
  }

  @Test
  void reportOnAWrongBaseIsAFork() {
    agreedVersion(1);
    feed(honest("n1", 2));
    feed(honest("n2", 2));
    feed(report("n3", 2, hash("rewritten"), state(2), "op2"));
    Finding found = onlyFinding(findings, AlertType.FORK, "n3");
    assertThat(found.version()).isEqualTo(2L);
  }

  @Test
  void differentOpsAtOneVersionAreAConflictingWrite() {
    agreedVersion(1);
    feed(honest("n1", 2));
    feed(honest("n2", 2));
    feed(report("n3", 2, state(1), hash("x"), "opX"));
    onlyFinding(findings, AlertType.CONFLICTING_WRITE, "n3");
  }

  @Test
  void theSameOpAtTwoVersionsIsADuplicateApply() {
    agreedVersion(1);
    agreedVersion(2);
    feed(honest("n1", 3));
    feed(honest("n2", 3));
    feed(report("n3", 3, state(2), hash("twice"), "op2"));
    Finding found = onlyFinding(findings, AlertType.DUPLICATE_APPLY, "n3");
    assertThat(found.version()).isEqualTo(3L);
  }

  @Test
  void closedWindowIsBounded() {
    for (long v = 1; v <= EntityState.CLOSED_WINDOW + 10; v++) {
      agreedVersion(v);
    }
    assertThat(state.closedVersions()).hasSize(EntityState.CLOSED_WINDOW);
    assertThat(feed(honest("n1", 2)).effect()).isEqualTo(Reconciler.Effect.TOO_LATE);
    assertThat(state.openVersions()).isEmpty();
  }

  @Test
  void aVersionFarBeyondTheHighestClosedOneIsAJumpAndIsNotVoted() {
    agreedVersion(1);
    long far = 1 + POLICY.maxInFlightVersions() + 1;
    ReplicaReport jump = report("n3", far, state(far - 1), state(far), "op" + far);
    assertThat(Reconciler.classify(state, jump, POLICY)).isEqualTo(Reconciler.Effect.JUMP);
    assertThat(feed(jump).effect()).isEqualTo(Reconciler.Effect.JUMP);
    assertThat(state.openVersions()).isEmpty();
    long edge = 1 + POLICY.maxInFlightVersions();
    ReplicaReport inWindow = report("n3", edge, state(edge - 1), state(edge), "op" + edge);
    assertThat(Reconciler.classify(state, inWindow, POLICY)).isEqualTo(Reconciler.Effect.ACCEPTED);
  }

  @Test
  void versionsNobodyAgreedOnNeverMoveTheForgettingHorizon() {
    agreedVersion(1);
    // a liar alone closes 40 versions ahead of the honest ones
    for (long v = 100; v < 140; v++) {
      feed(report("n3", v, "x", hash("x" + v), "opx" + v));
      findings.addAll(Reconciler.close(state, v, MEMBERS, POLICY, 1_000 * v + 2_000));
    }
    assertThat(state.closedVersions()).hasSize(EntityState.CLOSED_WINDOW);
    assertThat(state.forgottenBelow()).isLessThanOrEqualTo(2);
    findings.clear();
    feed(honest("n1", 2));
    feed(honest("n2", 2));
    assertThat(feed(report("n3", 2, state(1), hash("bad"), "op2")).closedVersion()).isEqualTo(2L);
    assertThat(findings).extracting(Finding::type).containsExactly(AlertType.DIVERGENCE);
  }

  @Test
  void duplicateClaimsAreClassifiedSoTheyCostNothing() {
    feed(honest("n1", 1));
    assertThat(Reconciler.classify(state, honest("n1", 1), POLICY))
        .isEqualTo(Reconciler.Effect.DUPLICATE);
    agreedVersion(1);
    assertThat(Reconciler.classify(state, honest("n2", 1), POLICY))
        .isEqualTo(Reconciler.Effect.DUPLICATE);
    assertThat(Reconciler.classify(state, report("n2", 1, "", hash("x"), "op1"), POLICY))
        .isEqualTo(Reconciler.Effect.LATE);
  }

  @Test
  void theSameOpIdWithAnotherOperationBodyIsAConflictingWrite() {
    feed(honest("n1", 1));
    feed(honest("n2", 1));
    ReplicaReport h = honest("n3", 1);
    feed(
        new ReplicaReport(
            h.eventId(),
            h.group(),
            h.entityKey(),
            h.version(),
            h.nodeId(),
            h.prevHash(),
            h.stateHash(),
            h.opId(),
            hash("another body"),
            h.eventTime(),
            h.evidence()));
    onlyFinding(findings, AlertType.CONFLICTING_WRITE, "n3");
  }

  @Test
  void aNoQuorumVersionIsDecidedWhenALateVoteCompletesAQuorum() {
    agreedVersion(1);
    feed(honest("n1", 2));
    feed(report("n3", 2, state(1), hash("lie"), "op2"));
    closeAfterGrace(2);
    assertThat(findings).extracting(Finding::type).containsExactly(AlertType.NO_QUORUM);
    findings.clear();
    feed(honest("n2", 2));
    assertThat(findings)
        .extracting(Finding::kind, Finding::type, Finding::nodes)
        .containsExactlyInAnyOrder(
            org.assertj.core.api.Assertions.tuple(
                Finding.Kind.RESOLVE, AlertType.NO_QUORUM, List.of()),
            org.assertj.core.api.Assertions.tuple(
                Finding.Kind.OPEN, AlertType.DIVERGENCE, List.of("n3")));
    findings.clear();
    feed(honest("n2", 2));
    assertThat(findings).isEmpty();
  }

  @Test
  void onlyAgreedOperationsCountAsAppliedBefore() {
    agreedVersion(1);
    // n3 alone claims op3 at version 2; the quorum applies op2
    feed(honest("n1", 2));
    feed(honest("n2", 2));
    feed(report("n3", 2, state(1), state(2), "op3"));
    findings.clear();
    agreedVersion(3);
    assertThat(findings).isEmpty();
  }
}
