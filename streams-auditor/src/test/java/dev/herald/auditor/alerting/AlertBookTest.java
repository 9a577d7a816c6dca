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
    AuditAlert opened = first.publish().orElseThrow();
    AlertBook.Step second =
        AlertBook.apply(first.record(), lag("EPISODE", 2), AuditPolicy.DEFAULT, false);
    assertThat(second.publish()).isEmpty();
    assertThat(second.record().count).isEqualTo(2);
    AlertBook.Step caught =
        AlertBook.apply(second.record(), lag("CAUGHT_UP", 1), AuditPolicy.DEFAULT, false);
    assertThat(caught.publish()).isEmpty();
    AlertBook.Step resolved =
        AlertBook.apply(caught.record(), lag("CAUGHT_UP", 2), AuditPolicy.DEFAULT, false);
    AuditAlert closed = resolved.publish().orElseThrow();
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
    assertThat(again.publish().orElseThrow().getAlertId())
        .isNotEqualTo(first.publish().orElseThrow().getAlertId());
    assertThat(again.record().episode).isEqualTo(2);
  }

  @Test
  void lagOfASilentNodeIsNotAlerted() {
    assertThat(AlertBook.apply(null, lag("EPISODE", 1), AuditPolicy.DEFAULT, true).publish())
        .isEmpty();
  }
}
