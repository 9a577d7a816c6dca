package dev.herald.auditor.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.schema.AlertStatus;
import dev.herald.schema.AlertType;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.Severity;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AlertQueryTest {
  private static final Instant T = Instant.parse("2026-03-01T12:00:00Z");

  @Test
  void parsesListsCaseInsensitivelyAndTimesInBothForms() {
    AlertQuery q =
        AlertQuery.parse(
            Map.of(
                "type", List.of("equivocation,FORK"),
                "severity", List.of("CRITICAL"),
                "from", List.of("2026-03-01T11:00:00Z"),
                "to", List.of(Long.toString(T.plusSeconds(60).toEpochMilli())),
                "limit", List.of("10")));

    assertThat(q.types()).containsExactlyInAnyOrder(AlertType.EQUIVOCATION, AlertType.FORK);
    assertThat(q.from()).isEqualTo(Instant.parse("2026-03-01T11:00:00Z"));
    assertThat(q.to()).isEqualTo(T.plusSeconds(60));
    assertThat(q.limit()).isEqualTo(10);
  }

  @Test
  void matchesOnEveryFilter() {
    AuditAlert a = Fixtures.alert("a", AlertType.FORK, Severity.HIGH, "payments", T).build();
    AlertQuery base = AlertQuery.all();

    assertThat(base.matches(a)).isTrue();
    assertThat(AlertQuery.parse(Map.of("node", List.of("node-c"))).matches(a)).isTrue();
    assertThat(AlertQuery.parse(Map.of("node", List.of("node-a"))).matches(a)).isFalse();
    assertThat(AlertQuery.parse(Map.of("group", List.of("orders"))).matches(a)).isFalse();
    assertThat(AlertQuery.parse(Map.of("status", List.of("RESOLVED"))).matches(a)).isFalse();
    assertThat(AlertQuery.parse(Map.of("status", List.of(AlertStatus.OPEN.name()))).matches(a))
        .isTrue();
    assertThat(AlertQuery.parse(Map.of("to", List.of(T.toString()))).matches(a)).isFalse();
    assertThat(AlertQuery.parse(Map.of("from", List.of(T.toString()))).matches(a)).isTrue();
  }

  @Test
  void refusesBadParametersNamingThem() {
    assertThatThrownBy(() -> AlertQuery.parse(Map.of("type", List.of("NOPE"))))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.status()).isEqualTo(400);
              assertThat(e.error()).contains("'type'");
              assertThat(e.detail()).contains("NOPE").contains("EQUIVOCATION");
            });
    assertThatThrownBy(() -> AlertQuery.parse(Map.of("limit", List.of("0"))))
        .hasMessageContaining("between 1 and 500");
    assertThatThrownBy(() -> AlertQuery.parse(Map.of("from", List.of("yesterday"))))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.error()).contains("'from'"));
    assertThatThrownBy(() -> AlertQuery.parse(Map.of("sevrity", List.of("HIGH"))))
        .isInstanceOfSatisfying(
            ApiException.class, e -> assertThat(e.error()).contains("'sevrity'"));
    assertThatThrownBy(
            () ->
                AlertQuery.parse(
                    Map.of("from", List.of(T.toString()), "to", List.of(T.toString()))))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.error()).contains("'to'"));
  }
}
