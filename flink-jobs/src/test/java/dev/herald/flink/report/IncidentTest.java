package dev.herald.flink.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.schema.AlertStatus;
import dev.herald.schema.AlertType;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.Severity;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class IncidentTest {

  @ParameterizedTest
  @EnumSource(AlertStatus.class)
  void anIncidentIsOpenWhileItsAlertStillFires(AlertStatus status) {
    Instant at = Instant.parse("2026-12-06T10:00:00Z");
    AuditAlert alert =
        AuditAlert.newBuilder()
            .setAlertId("a-1")
            .setType(AlertType.EQUIVOCATION)
            .setSeverity(Severity.CRITICAL)
            .setStatus(status)
            .setGroup("payments")
            .setEntityKey("acct-1")
            .setVersion(7L)
            .setNodes(List.of("node-c"))
            .setDetail("EQUIVOCATION on acct-1 v7")
            .setEvidence(List.of())
            .setDetectedAt(at)
            .setFirstEventTime(at)
            .setAttributes(Map.of())
            .build();

    // an UPDATED alert (a later occurrence, same episode) still fires; an acknowledged one does not
    assertThat(Incident.of(alert).open())
        .as(status.name())
        .isEqualTo(status == AlertStatus.OPEN || status == AlertStatus.UPDATED);
  }
}
