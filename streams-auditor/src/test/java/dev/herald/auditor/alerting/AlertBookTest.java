package dev.herald.auditor.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.auditor.detect.Finding;
import dev.herald.auditor.policy.AuditPolicy;
import dev.herald.schema.AlertStatus;
import dev.herald.schema.AlertType;
import dev.herald.schema.AuditAlert;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The alert lifecycle: one OPEN per episode, counts, RESOLVED with the same id. */
class AlertBookTest {
  private static Finding lag(String kind, long version) {
    return new Finding(
        Finding.Kind.valueOf(kind),
        AlertType.REPLICA_LAG,
        "g",
        null,
        null,
        List.of("n3"),
        null,
        "lag",
        version,
        version,
        Map.of("entityKey", "e", "version", Long.toString(version)),
        List.of());
  }

  @Test
  void episodeOpensOnceCountsAndResolvesWithTheSameId() {
    AlertBook.Step first = AlertBook.apply(null, lag("EPISODE", 1), AuditPolicy.DEFAULT, false);
    AuditAlert opened = first.first().orElseThrow();
    AlertBook.Step second =
        AlertBook.apply(first.record(), lag("EPISODE", 2), AuditPolicy.DEFAULT, false);
    assertThat(second.publish()).isEmpty();
    assertThat(second.record().count).isEqualTo(2);
    AlertBook.Step caught =
        AlertBook.apply(second.record(), lag("CAUGHT_UP", 1), AuditPolicy.DEFAULT, false);
    assertThat(caught.publish()).isEmpty();
    AlertBook.Step resolved =
        AlertBook.apply(caught.record(), lag("CAUGHT_UP", 2), AuditPolicy.DEFAULT, false);
    AuditAlert closed = resolved.first().orElseThrow();
    assertThat(closed.getStatus()).isEqualTo(AlertStatus.RESOLVED);
    assertThat(closed.getAlertId()).isEqualTo(opened.getAlertId());
    assertThat(closed.getAttributes()).containsEntry("count", "2").containsEntry("last", "e@2");
  }

  @Test
  void aNewEpisodeAfterResolutionGetsANewId() {
    AlertBook.Step first = AlertBook.apply(null, lag("EPISODE", 1), AuditPolicy.DEFAULT, false);
    AlertBook.Step resolved =
        AlertBook.apply(first.record(), lag("CAUGHT_UP", 1), AuditPolicy.DEFAULT, false);
    AlertBook.Step again =
        AlertBook.apply(resolved.record(), lag("EPISODE", 5), AuditPolicy.DEFAULT, false);
    assertThat(again.first().orElseThrow().getAlertId())
        .isNotEqualTo(first.first().orElseThrow().getAlertId());
    assertThat(again.record().episode).isEqualTo(2);
  }

  @Test
  void lagOfASilentNodeIsNotAlerted() {
    assertThat(AlertBook.apply(null, lag("EPISODE", 1), AuditPolicy.DEFAULT, true).publish())
        .isEmpty();
  }

  private static Finding forged(long detectedAt, String offset) {
    return Finding.episode(
        AlertType.FORGED_REPORT,
        "g",
        "n1",
        "junk in n1's name",
        detectedAt,
        detectedAt,
        Map.of(),
        List.of(
            new dev.herald.auditor.detect.EvidenceRef(
                "t", 0, Long.parseLong(offset), "n1", "", -1, null, false)));
  }

  @Test
  void laterOccurrencesAreUpdatesAtABoundedRateWithTheLatestEvidence() {
    AuditPolicy policy = AuditPolicy.DEFAULT;
    AlertBook.Step first = AlertBook.apply(null, forged(1_000, "1"), policy, false, 100_000);
    // a real forgery 2 s later: within the update interval, pending
    AlertBook.Step second =
        AlertBook.apply(first.record(), forged(3_000, "2"), policy, false, 102_000);
    assertThat(second.publish()).isEmpty();
    assertThat(AlertBook.nextDue(second.record(), policy)).isEqualTo(105_000);
    // the clock publishes it as UPDATED, same id, count 2, first and latest evidence
    AlertBook.Step ticked = AlertBook.tick(second.record(), policy, 105_000);
    AuditAlert updated = ticked.first().orElseThrow();
    assertThat(updated.getStatus()).isEqualTo(AlertStatus.UPDATED);
    assertThat(updated.getAlertId()).isEqualTo(first.first().orElseThrow().getAlertId());
    assertThat(updated.getAttributes()).containsEntry("count", "2");
    assertThat(updated.getEvidence()).extracting(e -> e.getOffset()).containsExactly(1L, 2L);
    // one more occurrence after the interval is published at once
    AlertBook.Step third =
        AlertBook.apply(ticked.record(), forged(9_000, "3"), policy, false, 111_000);
    assertThat(third.first().orElseThrow().getStatus()).isEqualTo(AlertStatus.UPDATED);
  }

  @Test
  void aQuietEpisodeResolvesByTheClockAndAnOccurrenceAfterTheQuietPeriodOpensANewOne() {
    AuditPolicy policy = AuditPolicy.DEFAULT; // FORGED_REPORT: 10 min
    AlertBook.Step first = AlertBook.apply(null, forged(1_000, "1"), policy, false, 0);
    AlertBook.Step quiet = AlertBook.tick(first.record(), policy, 600_001);
    AuditAlert resolved = quiet.first().orElseThrow();
    assertThat(resolved.getStatus()).isEqualTo(AlertStatus.RESOLVED);
    // within the quiet period by detection time (a replay, a lagging auditor): the same episode
    AlertBook.Step again =
        AlertBook.apply(quiet.record(), forged(500_000, "2"), policy, false, 600_002);
    assertThat(again.first().orElseThrow().getStatus()).isEqualTo(AlertStatus.UPDATED);
    assertThat(again.first().orElseThrow().getAlertId()).isEqualTo(resolved.getAlertId());
    // after it: a new episode, a new id
    AlertBook.Step later =
        AlertBook.apply(again.record(), forged(2_000_000, "3"), policy, false, 600_003);
    assertThat(later.publish())
        .extracting(AuditAlert::getStatus)
        .containsExactly(AlertStatus.RESOLVED, AlertStatus.OPEN);
    assertThat(later.publish().get(1).getAlertId()).isNotEqualTo(resolved.getAlertId());
    assertThat(later.record().episode).isEqualTo(2);
  }

  @Test
  void episodeBoundariesDependOnDetectionTimesNotOnTheWallClock() {
    AuditPolicy policy = AuditPolicy.DEFAULT;
    AlertRecord live = null;
    AlertRecord replay = null;
    List<String> liveIds = new java.util.ArrayList<>();
    List<String> replayIds = new java.util.ArrayList<>();
    long[] detected = {1_000, 2_000, 900_000, 901_000, 2_000_000};
    for (int i = 0; i < detected.length; i++) {
      AlertBook.Step a =
          AlertBook.apply(live, forged(detected[i], "" + i), policy, false, detected[i]);
      a.publish().forEach(x -> liveIds.add(x.getAlertId()));
      live = a.record();
      // the replay reads the same findings within one second of wall time
      AlertBook.Step b = AlertBook.apply(replay, forged(detected[i], "" + i), policy, false, 5);
      b.publish().forEach(x -> replayIds.add(x.getAlertId()));
      replay = b.record();
    }
    assertThat(new java.util.TreeSet<>(replayIds)).isEqualTo(new java.util.TreeSet<>(liveIds));
    assertThat(live.episode).isEqualTo(3).isEqualTo(replay.episode);
  }

  @Test
  void anAcknowledgementClosesItsAlertOnlyAndALaterOccurrenceOpensANewEpisode() {
    AuditPolicy policy = AuditPolicy.DEFAULT;
    AlertBook.Step first = AlertBook.apply(null, forged(1_000, "1"), policy, false, 0);
    String id = first.first().orElseThrow().getAlertId();
    Finding wrongAck = ack("0123", 2_000);
    assertThat(AlertBook.apply(first.record(), wrongAck, policy, false, 1).publish()).isEmpty();
    AlertBook.Step acked = AlertBook.apply(first.record(), ack(id, 2_000), policy, false, 2);
    AuditAlert a = acked.first().orElseThrow();
    assertThat(a.getStatus()).isEqualTo(AlertStatus.ACKNOWLEDGED);
    assertThat(a.getDetail()).contains("acknowledged by alice: known pen test");
    AlertBook.Step next = AlertBook.apply(acked.record(), forged(3_000, "2"), policy, false, 3);
    assertThat(next.publish())
        .singleElement()
        .satisfies(
            x -> {
              assertThat(x.getStatus()).isEqualTo(AlertStatus.OPEN);
              assertThat(x.getAlertId()).isNotEqualTo(id);
            });
  }

  private static Finding ack(String alertId, long at) {
    return new Finding(
        Finding.Kind.ACK,
        AlertType.FORGED_REPORT,
        "g",
        null,
        null,
        List.of("n1"),
        null,
        "acknowledged by alice: known pen test",
        at,
        at,
        Map.of("alertId", alertId, "by", "alice", "reason", "known pen test"),
        List.of());
  }
}
