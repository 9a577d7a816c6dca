package dev.herald.auditor.detect;

import static dev.herald.auditor.detect.Replicas.ENTITY;
import static dev.herald.auditor.detect.Replicas.GROUP;
import static dev.herald.auditor.detect.Replicas.hash;
import static dev.herald.auditor.detect.Replicas.honest;
import static dev.herald.auditor.detect.Replicas.report;
import static dev.herald.auditor.detect.Replicas.state;
import static dev.herald.auditor.detect.Votes.NOW;
import static dev.herald.auditor.detect.Votes.POLICY;
import static dev.herald.auditor.detect.Votes.THREE;
import static dev.herald.auditor.detect.Votes.agreedUpTo;
import static dev.herald.auditor.detect.Votes.closing;
import static dev.herald.auditor.detect.Votes.onlyFinding;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.schema.AlertType;
import java.util.List;
import org.junit.jupiter.api.Test;

/** FORK alone: the base a report was built on, against the entity's history. */
class ForkDetectorTest {
  private final ForkDetector detector = new ForkDetector();

  @Test
  void namesANodeBuildingOnAStateNobodyAgreedOnAndTakesItOutOfTheVote() {
    // Given versions 1..2 agreed, and n3 building version 3 on another base
    EntityState state = agreedUpTo(2, THREE);
    ReplicaReport forked = report("n3", 3, hash("elsewhere"), state(3), "op3");
    Vote vote = closing(state, THREE, honest("n1", 3), honest("n2", 3), forked);

    // When
    detector.detect(vote);

    // Then
    Finding found = onlyFinding(vote.findings(), AlertType.FORK, "n3");
    assertThat(found.kind()).isEqualTo(Finding.Kind.OPEN);
    assertThat(found.group()).isEqualTo(GROUP);
    assertThat(found.entityKey()).isEqualTo(ENTITY);
    assertThat(found.version()).isEqualTo(3L);
    assertThat(found.majorityHash()).isNull();
    assertThat(found.detail())
        .contains("node n3 built version 3 on base " + hash("elsewhere").substring(0, 12))
        .contains("not the state agreed at version 2");
    assertThat(found.firstEventTime()).isEqualTo(forked.eventTime());
    assertThat(found.detectedAt()).isEqualTo(NOW);
    assertThat(found.evidence()).containsExactly(forked.evidence());
    assertThat(vote.voters()).containsOnlyKeys("n1", "n2");
  }

  @Test
  void aNodeBuildingOnItsOwnPreviousStateIsNotAFork() {
    // Given version 2 agreed on s2 while n3 alone reached another state
    EntityState state = agreedUpTo(1, THREE);
    for (String n : List.of("n1", "n2")) {
      Reconciler.onReport(state, honest(n, 2), THREE, POLICY, 2_000);
    }
    Reconciler.onReport(state, report("n3", 2, state(1), hash("own"), "op2"), THREE, POLICY, 2_000);
    // When n3 builds version 3 on its own state
    Vote vote =
        closing(
            state,
            THREE,
            honest("n1", 3),
            honest("n2", 3),
            report("n3", 3, hash("own"), hash("own3"), "op3"));
    detector.detect(vote);

    // Then it is a vote (a divergence at most), not a fork
    assertThat(vote.findings()).isEmpty();
    assertThat(vote.voters()).containsOnlyKeys("n1", "n2", "n3");
  }

  @Test
  void theFirstVersionMustBeBuiltOnTheEmptyState() {
    EntityState state = new EntityState(GROUP, ENTITY);
    Vote vote =
        closing(
            state,
            THREE,
            honest("n1", 1),
            honest("n2", 1),
            report("n3", 1, hash("seeded"), state(1), "op1"));

    detector.detect(vote);

    assertThat(vote.findings()).extracting(Finding::nodes).containsExactly(List.of("n3"));
    assertThat(vote.voters()).containsOnlyKeys("n1", "n2");
  }

  @Test
  void withNothingKnownOfThePreviousVersionNoBaseIsBlamed() {
    // Given an entity that never saw version 6
    EntityState state = agreedUpTo(2, THREE);
    Vote vote =
        closing(state, THREE, report("n1", 7, hash("any"), hash("s7"), "op7"), honest("n2", 7));

    detector.detect(vote);

    assertThat(vote.findings()).isEmpty();
    assertThat(vote.voters()).containsOnlyKeys("n1", "n2");
  }

  @Test
  void anOpenPreviousVersionIsComparedWithTheNodesOwnReportThere() {
    // Given version 3 still open, with n1's and n2's reports
    EntityState state = agreedUpTo(2, THREE);
    Reconciler.onReport(state, honest("n1", 3), THREE, POLICY, 3_000);
    Reconciler.onReport(state, honest("n2", 3), THREE, POLICY, 3_000);
    // When version 4 closes: n1 built on its own v3 state, n2 on another
    ReplicaReport onOwn = honest("n1", 4);
    ReplicaReport onOther = report("n2", 4, hash("other"), state(4), "op4");
    Vote vote = closing(state, THREE, onOwn, onOther);
    detector.detect(vote);

    // Then only n2 forked
    assertThat(vote.findings()).extracting(Finding::nodes).containsExactly(List.of("n2"));
    assertThat(vote.voters()).containsOnlyKeys("n1");
  }

  @Test
  void aPreviousVersionClosedWithoutAgreementIsComparedWithEachNodesOwnState() {
    // Given version 2 closed by its grace as NO_QUORUM: n1 and n2 each on a state of their own,
    // n3 never reported
    EntityState state = agreedUpTo(1, THREE);
    Reconciler.onReport(state, report("n1", 2, state(1), hash("a2"), "op2"), THREE, POLICY, 2_000);
    Reconciler.onReport(state, report("n2", 2, state(1), hash("b2"), "op2"), THREE, POLICY, 2_000);
    Reconciler.close(state, 2, THREE, POLICY, 5_000);
    assertThat(state.closedVersion(2).agreedHash()).isNull();
    // When version 3 closes: n1 built on its own state, n2 on n1's, n3 on anything
    Vote vote =
        closing(
            state,
            THREE,
            report("n1", 3, hash("a2"), hash("a3"), "op3"),
            report("n2", 3, hash("a2"), hash("a3"), "op3"),
            report("n3", 3, hash("any"), hash("a3"), "op3"));
    detector.detect(vote);

    // Then only n2 forked: n1 kept its own history, and nothing is known of n3's
    assertThat(vote.findings()).extracting(Finding::nodes).containsExactly(List.of("n2"));
    assertThat(vote.voters()).containsOnlyKeys("n1", "n3");
  }
}
