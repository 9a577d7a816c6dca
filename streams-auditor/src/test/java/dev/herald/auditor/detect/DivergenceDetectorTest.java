package dev.herald.auditor.detect;

import static dev.herald.auditor.detect.Replicas.hash;
import static dev.herald.auditor.detect.Replicas.honest;
import static dev.herald.auditor.detect.Replicas.report;
import static dev.herald.auditor.detect.Replicas.state;
import static dev.herald.auditor.detect.Votes.NOW;
import static dev.herald.auditor.detect.Votes.THREE;
import static dev.herald.auditor.detect.Votes.agreedUpTo;
import static dev.herald.auditor.detect.Votes.closing;
import static dev.herald.auditor.detect.Votes.onlyFinding;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.schema.AlertType;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** DIVERGENCE / NO_QUORUM alone: one operation, the states its voters reached. */
class DivergenceDetectorTest {
  private final DivergenceDetector detector = new DivergenceDetector();

  @Test
  void namesTheNodesOutsideTheQuorumStateAndAgreesOnIt() {
    // Given n3 reached another state with the same operation
    EntityState state = agreedUpTo(3, THREE);
    ReplicaReport diverged = report("n3", 4, state(3), hash("drift"), "op4");
    Vote vote = closing(state, THREE, honest("n1", 4), honest("n2", 4), diverged);

    // When
    detector.detect(vote);

    // Then
    Finding found = onlyFinding(vote.findings(), AlertType.DIVERGENCE, "n3");
    assertThat(found.version()).isEqualTo(4L);
    assertThat(found.majorityHash()).isEqualTo(state(4));
    assertThat(found.detail())
        .isEqualTo(
            "1 node(s) disagree with the quorum state "
                + state(4).substring(0, 12)
                + " at version 4");
    assertThat(found.detectedAt()).isEqualTo(NOW);
    assertThat(found.evidence()).containsExactly(diverged.evidence());
    assertThat(vote.agreedHash()).isEqualTo(state(4));
    assertThat(vote.agreedOp()).isEqualTo("op4");
  }

  @Test
  void statesSplitWithoutAQuorumAreANoQuorum() {
    // Given two voters of three members, on two states
    EntityState state = agreedUpTo(3, THREE);
    ReplicaReport a = report("n1", 4, state(3), hash("a"), "op4");
    ReplicaReport b = report("n2", 4, state(3), hash("b"), "op4");
    Vote vote = closing(state, THREE, a, b);

    detector.detect(vote);

    Finding found = onlyFinding(vote.findings(), AlertType.NO_QUORUM);
    assertThat(found.majorityHash()).isNull();
    assertThat(found.detail())
        .isEqualTo(
            "no state has the 2 votes of a quorum at version 4: 2 of 3 members voted"
                + " for 2 state(s)");
    assertThat(found.evidence()).containsExactly(a.evidence(), b.evidence());
    assertThat(vote.agreedHash()).isNull();
    assertThat(vote.agreedOp()).isNull();
  }

  @Test
  void aLoneUnexplainedVoteShortOfAQuorumIsANoQuorum() {
    EntityState state = agreedUpTo(3, THREE);
    Vote vote = closing(state, THREE, honest("n1", 4));

    detector.detect(vote);

    assertThat(vote.findings()).extracting(Finding::type).containsExactly(AlertType.NO_QUORUM);
  }

  @Test
  void aVoteShortOfAQuorumBecauseOfAnEarlierAlertRaisesNoSecondAlert() {
    // Given n2 and n3 were already explained by an earlier detector's alert
    EntityState state = agreedUpTo(3, THREE);
    Vote vote =
        closing(
            state,
            THREE,
            honest("n1", 4),
            report("n2", 4, hash("x"), hash("y"), "op4"),
            report("n3", 4, hash("x"), hash("y"), "op4"));
    new ForkDetector().detect(vote);
    int earlier = vote.findings().size();

    // When
    detector.detect(vote);

    // Then one root cause, one alert: no NO_QUORUM on top of the forks
    assertThat(earlier).isEqualTo(2);
    assertThat(vote.findings()).hasSize(2).extracting(Finding::type).containsOnly(AlertType.FORK);
    assertThat(vote.agreedHash()).isNull();
  }

  @Test
  void aVoteShortOfAQuorumBecauseOfAnEquivocatorRaisesNoNoQuorum() {
    EntityState state = agreedUpTo(3, THREE);
    Vote vote =
        closing(
            state,
            Set.of("n1", "n2", "n3"),
            Set.of("n2", "n3"),
            honest("n1", 4),
            honest("n2", 4),
            honest("n3", 4));

    detector.detect(vote);

    assertThat(vote.voters()).containsOnlyKeys("n1");
    assertThat(vote.findings()).isEmpty();
  }

  @Test
  void keepsTheOperationAConflictAlreadyAgreed() {
    EntityState state = agreedUpTo(3, THREE);
    Vote vote = closing(state, THREE, honest("n1", 4), honest("n2", 4));
    vote.agreeOnOperation("op4-as-agreed-by-the-conflict-vote");

    detector.detect(vote);

    assertThat(vote.agreedHash()).isEqualTo(state(4));
    assertThat(vote.agreedOp()).isEqualTo("op4-as-agreed-by-the-conflict-vote");
    assertThat(vote.findings()).isEmpty();
  }

  @Test
  void noVoterLeftIsNoVote() {
    EntityState state = agreedUpTo(3, THREE);
    Vote vote = closing(state, THREE, honest("n1", 4), honest("n2", 4));
    vote.explainAll();

    detector.detect(vote);

    assertThat(vote.findings()).isEmpty();
    assertThat(vote.agreedHash()).isNull();
    assertThat(vote.voters()).isEmpty();
  }
}
