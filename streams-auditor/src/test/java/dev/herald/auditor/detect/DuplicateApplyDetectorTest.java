package dev.herald.auditor.detect;

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
import java.util.Set;
import org.junit.jupiter.api.Test;

/** DUPLICATE_APPLY alone: an operation agreed earlier in the window, applied again. */
class DuplicateApplyDetectorTest {
  private static final Set<String> FOUR = Set.of("n1", "n2", "n3", "n4");
  private final DuplicateApplyDetector detector = new DuplicateApplyDetector();

  @Test
  void namesEveryNodeReplayingAnAgreedOperationInOneAlert() {
    // Given versions 1..3 agreed; at version 4, n2 and n3 apply op2 again
    EntityState state = agreedUpTo(3, FOUR);
    ReplicaReport replayN3 = report("n3", 4, state(3), hash("again"), "op2");
    ReplicaReport replayN2 = report("n2", 4, state(3), hash("again"), "op2");
    Vote vote = closing(state, FOUR, honest("n1", 4), replayN3, replayN2, honest("n4", 4));

    // When
    detector.detect(vote);

    // Then
    Finding found = onlyFinding(vote.findings(), AlertType.DUPLICATE_APPLY, "n2", "n3");
    assertThat(found.version()).isEqualTo(4L);
    assertThat(found.detail())
        .isEqualTo("operation op2 was applied at version 2 and again at version 4 by [n2, n3]");
    assertThat(found.firstEventTime()).isEqualTo(4_000);
    assertThat(found.detectedAt()).isEqualTo(NOW);
    assertThat(found.evidence()).containsExactly(replayN2.evidence(), replayN3.evidence());
    assertThat(vote.voters()).containsOnlyKeys("n1", "n4");
  }

  @Test
  void raisesOneAlertPerReplayedOperationInOperationOrder() {
    EntityState state = agreedUpTo(3, THREE);
    Vote vote =
        closing(
            state,
            THREE,
            report("n1", 4, state(3), hash("x"), "op2"),
            report("n2", 4, state(3), hash("y"), "op1"),
            honest("n3", 4));

    detector.detect(vote);

    assertThat(vote.findings())
        .extracting(Finding::nodes)
        .containsExactly(List.of("n2"), List.of("n1"));
    assertThat(vote.findings().get(0).detail())
        .startsWith("operation op1 was applied at version 1");
    assertThat(vote.voters()).containsOnlyKeys("n3");
  }

  @Test
  void anOperationOnlyALiarClaimedEarlierIsNoDuplicate() {
    // Given version 2 agreed on op2 although n3 claimed op3 there
    EntityState state = agreedUpTo(1, THREE);
    Reconciler.onReport(state, honest("n1", 2), THREE, POLICY, 2_000);
    Reconciler.onReport(state, honest("n2", 2), THREE, POLICY, 2_000);
    Reconciler.onReport(state, report("n3", 2, state(1), state(3), "op3"), THREE, POLICY, 2_000);
    assertThat(state.closedVersion(2).agreedOp()).isEqualTo("op2");
    // When everyone applies op3 at version 3
    Vote vote = closing(state, THREE, honest("n1", 3), honest("n2", 3), honest("n3", 3));
    detector.detect(vote);

    // Then nobody applied it twice
    assertThat(vote.findings()).isEmpty();
    assertThat(vote.voters()).containsOnlyKeys("n1", "n2", "n3");
  }

  @Test
  void aVoterAnEarlierDetectorExplainedIsNotBlamedAgain() {
    EntityState state = agreedUpTo(3, THREE);
    Vote vote =
        closing(
            state,
            THREE,
            honest("n1", 4),
            honest("n2", 4),
            report("n3", 4, hash("forked"), hash("z"), "op1"));
    vote.explain("n3");

    detector.detect(vote);

    assertThat(vote.findings()).isEmpty();
  }
}
