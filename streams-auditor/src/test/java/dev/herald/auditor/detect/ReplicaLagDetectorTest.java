package dev.herald.auditor.detect;

import static dev.herald.auditor.detect.Replicas.ENTITY;
import static dev.herald.auditor.detect.Replicas.GROUP;
import static dev.herald.auditor.detect.Replicas.hash;
import static dev.herald.auditor.detect.Replicas.honest;
import static dev.herald.auditor.detect.Replicas.report;
import static dev.herald.auditor.detect.Replicas.state;
import static dev.herald.auditor.detect.Votes.NOW;
import static dev.herald.auditor.detect.Votes.agreedUpTo;
import static dev.herald.auditor.detect.Votes.closing;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.schema.AlertType;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** REPLICA_LAG alone: the members silent about an agreed version. */
class ReplicaLagDetectorTest {
  private static final Set<String> FIVE = Set.of("n5", "n4", "n3", "n2", "n1");
  private final ReplicaLagDetector detector = new ReplicaLagDetector();

  @Test
  void anEpisodePerSilentMemberOfAnAgreedVersionInNodeOrder() {
    // Given version 4 agreed by n1..n3 while n4 and n5 said nothing
    EntityState state = agreedUpTo(3, FIVE);
    Vote vote = closing(state, FIVE, honest("n1", 4), honest("n2", 4), honest("n3", 4));
    vote.agreeOnState(state(4));

    // When
    detector.detect(vote);

    // Then
    assertThat(vote.findings())
        .extracting(Finding::nodes)
        .containsExactly(List.of("n4"), List.of("n5"));
    assertThat(vote.findings())
        .first()
        .satisfies(
            f -> {
              assertThat(f.kind()).isEqualTo(Finding.Kind.EPISODE);
              assertThat(f.type()).isEqualTo(AlertType.REPLICA_LAG);
              assertThat(f.group()).isEqualTo(GROUP);
              assertThat(f.entityKey()).isNull();
              assertThat(f.version()).isNull();
              assertThat(f.detail())
                  .isEqualTo("node n4 has not reported the agreed version 4 of " + ENTITY);
              assertThat(f.attributes()).isEqualTo(Map.of("entityKey", ENTITY, "version", "4"));
              assertThat(f.firstEventTime()).isEqualTo(vote.slot().firstEventTime());
              assertThat(f.detectedAt()).isEqualTo(NOW);
              assertThat(f.evidence()).isEmpty();
            });
    assertThat(vote.lagging()).containsExactlyInAnyOrder("n4", "n5");
  }

  @Test
  void withoutAnAgreedStateNobodyLags() {
    EntityState state = agreedUpTo(3, FIVE);
    Vote vote = closing(state, FIVE, honest("n1", 4));

    detector.detect(vote);

    assertThat(vote.findings()).isEmpty();
    assertThat(vote.lagging()).isEmpty();
  }

  @Test
  void aMemberWhoseReportAnAlertExplainedDidReportSoDoesNotLag() {
    // Given n3 reported version 4, but on a forked base, and left the vote
    EntityState state = agreedUpTo(3, FIVE);
    Vote vote =
        closing(
            state,
            FIVE,
            honest("n1", 4),
            honest("n2", 4),
            honest("n4", 4),
            honest("n5", 4),
            report("n3", 4, hash("forked"), hash("z"), "op4"));
    vote.explain("n3");
    vote.agreeOnState(state(4));

    detector.detect(vote);

    assertThat(vote.findings()).isEmpty();
    assertThat(vote.lagging()).isEmpty();
  }
}
