package dev.herald.auditor.detect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.schema.AlertType;
import dev.herald.schema.HeartbeatStatus;
import java.util.List;
import org.junit.jupiter.api.Test;

class LivenessTest {
  private static final long THRESHOLD = 5_000;

  private static Liveness node() {
    Liveness l = new Liveness();
    l.nodeId = "n1";
    return l;
  }

  @Test
  void heartbeatsWithinTheThresholdProveNothing() {
    Liveness l = node();
    for (long t = 1_000; t <= 30_000; t += 4_000) {
      assertThat(Liveness.onHeartbeat(l, t, HeartbeatStatus.UP, THRESHOLD, t)).isEmpty();
    }
  }

  @Test
  void aGapBetweenTwoHeartbeatsProvesTheSilenceNobodyJudged() {
    // Given a heartbeat at 1 s, then none until 20 s, and no clock check in between
    Liveness l = node();
    Liveness.onHeartbeat(l, 1_000, HeartbeatStatus.UP, THRESHOLD, 1_000);
    // When the next heartbeat arrives
    List<Finding> found = Liveness.onHeartbeat(l, 20_000, HeartbeatStatus.UP, THRESHOLD, 20_000);
    // Then the silence and its end are both found, in that order
    assertThat(found)
        .extracting(Finding::kind, Finding::type)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(Finding.Kind.EPISODE, AlertType.NODE_SILENT),
            org.assertj.core.groups.Tuple.tuple(Finding.Kind.RESOLVE, AlertType.NODE_SILENT));
    assertThat(found.get(0).firstEventTime()).isEqualTo(1_000);
    assertThat(l.silent).isFalse();
  }

  @Test
  void aSilenceAlreadyRaisedIsOnlyResolved() {
    Liveness l = node();
    Liveness.onHeartbeat(l, 1_000, HeartbeatStatus.UP, THRESHOLD, 1_000);
    assertThat(l.check(7_000)).isPresent();
    assertThat(Liveness.onHeartbeat(l, 20_000, HeartbeatStatus.UP, THRESHOLD, 20_000))
        .extracting(Finding::kind)
        .containsExactly(Finding.Kind.RESOLVE);
  }

  @Test
  void aNodeThatSaidItWasStoppingIsNotSilentWhenItComesBack() {
    Liveness l = node();
    Liveness.onHeartbeat(l, 1_000, HeartbeatStatus.STOPPING, THRESHOLD, 1_000);
    assertThat(l.check(60_000)).isEmpty();
    assertThat(Liveness.onHeartbeat(l, 60_000, HeartbeatStatus.UP, THRESHOLD, 60_000)).isEmpty();
  }
}
