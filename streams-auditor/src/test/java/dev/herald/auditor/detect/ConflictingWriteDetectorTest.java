package dev.herald.auditor.detect;

import static dev.herald.auditor.detect.Replicas.hash;
import static dev.herald.auditor.detect.Replicas.honest;
import static dev.herald.auditor.detect.Replicas.state;
import static dev.herald.auditor.detect.Votes.NOW;
import static dev.herald.auditor.detect.Votes.THREE;
import static dev.herald.auditor.detect.Votes.agreedUpTo;
import static dev.herald.auditor.detect.Votes.closing;
import static dev.herald.auditor.detect.Votes.onlyFinding;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.schema.AlertType;
import org.junit.jupiter.api.Test;

/** CONFLICTING_WRITE alone: different operations applied as one version. */
class ConflictingWriteDetectorTest {
  private final ConflictingWriteDetector detector = new ConflictingWriteDetector();

  private static ReplicaReport applying(String node, long v, String opId, String digest) {
    return new ReplicaReport(
        node + "-" + v,
        Replicas.GROUP,
        Replicas.ENTITY,
        v,
        node,
        state(v - 1),
        hash(node + opId + digest),
        opId,
        digest,
        1_000 * v,
        new EvidenceRef("t", 0, v, node, "k", v, null, true));
  }

  @Test
  void blamesTheOperationsOutsideTheQuorumAndAgreesOnTheQuorumOperation() {
    // Given n3 applied another operation as version 4
    EntityState state = agreedUpTo(3, THREE);
    ReplicaReport other = applying("n3", 4, "op-other", hash("op-other"));
    Vote vote = closing(state, THREE, honest("n1", 4), honest("n2", 4), other);

    // When
    detector.detect(vote);

    // Then
    Finding found = onlyFinding(vote.findings(), AlertType.CONFLICTING_WRITE, "n3");
    assertThat(found.version()).isEqualTo(4L);
    assertThat(found.detail())
        .isEqualTo(
            "operations [op-other (digest "
                + hash("op-other").substring(0, 12)
                + "), op4 (digest "
                + hash("op4").substring(0, 12)
                + ")] were all applied as version 4; the quorum applied op4 (digest "
                + hash("op4").substring(0, 12)
                + ")");
    assertThat(found.firstEventTime()).isEqualTo(vote.slot().firstEventTime());
    assertThat(found.detectedAt()).isEqualTo(NOW);
    assertThat(found.evidence()).containsExactly(other.evidence());
    assertThat(vote.voters()).containsOnlyKeys("n1", "n2");
    assertThat(vote.agreedOp()).isEqualTo("op4");
  }

  @Test
  void theSameOperationIdCarryingAnotherOperationIsAConflict() {
    // Given n2 spent op4's id on another operation (a double spend)
    EntityState state = agreedUpTo(3, THREE);
    Vote vote =
        closing(
            state,
            THREE,
            honest("n1", 4),
            applying("n2", 4, "op4", hash("another spend")),
            honest("n3", 4));

    detector.detect(vote);

    assertThat(vote.findings())
        .singleElement()
        .satisfies(f -> assertThat(f.nodes()).containsExactly("n2"));
    assertThat(vote.voters()).containsOnlyKeys("n1", "n3");
    assertThat(vote.agreedOp()).isEqualTo("op4");
  }

  @Test
  void withoutAQuorumOnOneOperationEveryVoterIsNamedAndNoneIsLeft() {
    EntityState state = agreedUpTo(3, THREE);
    ReplicaReport a = applying("n1", 4, "opA", hash("opA"));
    ReplicaReport b = applying("n2", 4, "opB", hash("opB"));
    ReplicaReport c = applying("n3", 4, "opC", hash("opC"));
    Vote vote = closing(state, THREE, a, b, c);

    detector.detect(vote);

    assertThat(vote.findings())
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.nodes()).containsExactly("n1", "n2", "n3");
              assertThat(f.detail()).endsWith("; none has a quorum");
              assertThat(f.evidence()).containsExactly(a.evidence(), b.evidence(), c.evidence());
            });
    assertThat(vote.voters()).isEmpty();
    assertThat(vote.agreedOp()).isNull();
  }

  @Test
  void oneOperationWithDifferentResultsIsLeftToTheStateVote() {
    EntityState state = agreedUpTo(3, THREE);
    Vote vote =
        closing(
            state,
            THREE,
            honest("n1", 4),
            honest("n2", 4),
            Replicas.report("n3", 4, state(3), hash("diverged"), "op4"));

    detector.detect(vote);

    assertThat(vote.findings()).isEmpty();
    assertThat(vote.voters()).containsOnlyKeys("n1", "n2", "n3");
    assertThat(vote.agreedOp()).isNull();
  }
}
