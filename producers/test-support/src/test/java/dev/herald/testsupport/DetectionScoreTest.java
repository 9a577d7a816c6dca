package dev.herald.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.schema.AlertStatus;
import dev.herald.schema.AlertType;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.Severity;
import dev.herald.schema.truth.ExpectedAlert;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Precision and recall per type, matched on the shared alert identity. */
class DetectionScoreTest {

  @Test
  void scoresAMissedFaultAndAFalseAlarmPerType() {
    // Given
    List<ExpectedAlert> truth =
        List.of(
            expected("DIVERGENCE", "g1", "acct-1", 3L, List.of("g1-node-2")),
            expected("DIVERGENCE", "g1", "acct-2", 5L, List.of("g1-node-4")),
            expected("FORK", "g2", "acct-9", 2L, List.of("g2-node-1")),
            expected("MALFORMED_RECORD", "", null, null, List.of()));
    List<AuditAlert> alerts =
        List.of(
            alert(AlertType.DIVERGENCE, "g1", "acct-1", 3L, List.of("g1-node-2")),
            alert(AlertType.FORK, "g2", "acct-9", 2L, List.of("g2-node-1")),
            alert(AlertType.FORK, "g2", "acct-7", 4L, List.of("g2-node-3")));

    // When
    Map<String, DetectionScore.Row> scores = DetectionScore.ofEveryStatus(truth, alerts).byType();

    // Then
    assertThat(scores.get("DIVERGENCE").precision()).isEqualTo(1.0);
    assertThat(scores.get("DIVERGENCE").recall()).isEqualTo(0.5);
    assertThat(scores.get("FORK").precision()).isEqualTo(0.5);
    assertThat(scores.get("FORK").recall()).isEqualTo(1.0);
    assertThat(scores).doesNotContainKey("MALFORMED_RECORD");
    assertThat(scores.get("ALL")).isEqualTo(new DetectionScore.Row("ALL", 3, 3, 2));
  }

  @Test
  void aRepeatedAlertOfOneIdentityCountsOnce() {
    // Given
    List<ExpectedAlert> truth =
        List.of(expected("FORGED_REPORT", "g1", null, null, List.of("g1-node-1")));
    AuditAlert open = alert(AlertType.FORGED_REPORT, "g1", null, null, List.of("g1-node-1"));

    // When
    DetectionScore.Row score = DetectionScore.ofEveryStatus(truth, List.of(open, open)).all();

    // Then
    assertThat(score.precision()).isEqualTo(1.0);
    assertThat(score.recall()).isEqualTo(1.0);
  }

  private static ExpectedAlert expected(
      String type, String group, String entity, Long version, List<String> nodes) {
    return new ExpectedAlert("f-" + entity, type, group, entity, version, nodes, 0L);
  }

  private static AuditAlert alert(
      AlertType type, String group, String entity, Long version, List<String> nodes) {
    return AuditAlert.newBuilder()
        .setAlertId("a-" + entity + "-" + version)
        .setType(type)
        .setSeverity(Severity.HIGH)
        .setStatus(AlertStatus.OPEN)
        .setGroup(group)
        .setEntityKey(entity)
        .setVersion(version)
        .setNodes(List.copyOf(nodes))
        .setMajorityHash(null)
        .setDetail("")
        .setEvidence(List.of())
        .setDetectedAt(Instant.EPOCH)
        .setFirstEventTime(Instant.EPOCH)
        .build();
  }
}
