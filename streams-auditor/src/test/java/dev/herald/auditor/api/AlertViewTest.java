package dev.herald.auditor.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.schema.AlertStatus;
import dev.herald.schema.AlertType;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.Severity;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AlertViewTest {
  private static final Instant T = Instant.parse("2026-03-01T12:00:00Z");
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  @Test
  void resolvedReplacesOpenAndListenersHearEachChangeOnce() {
    AlertView view = new AlertView(100, meters);
    List<AlertView.Change> heard = new ArrayList<>();
    view.onChange(heard::add);
    AuditAlert open = Fixtures.alert("a1", AlertType.REPLICA_LAG, Severity.LOW, "g", T).build();
    AuditAlert resolved =
        AuditAlert.newBuilder(open)
            .setStatus(AlertStatus.RESOLVED)
            .setResolvedAt(T.plusSeconds(5))
            .build();

    view.apply(open);
    view.apply(open); // replayed duplicate
    view.apply(resolved);

    assertThat(heard).hasSize(2);
    assertThat(heard.get(0).isNew()).isTrue();
    assertThat(heard.get(1).previous()).isEqualTo(open);
    assertThat(view.get("a1")).contains(resolved);
    assertThat(view.size()).isEqualTo(1);
  }

  @Test
  void staleOpenAfterResolvedIsIgnored() {
    AlertView view = new AlertView(100, meters);
    AuditAlert open = Fixtures.alert("a1", AlertType.NODE_SILENT, Severity.MEDIUM, "", T).build();
    AuditAlert resolved = AuditAlert.newBuilder(open).setStatus(AlertStatus.RESOLVED).build();

    view.apply(resolved);

    assertThat(view.apply(open)).isEmpty();
    assertThat(view.get("a1").orElseThrow().getStatus()).isEqualTo(AlertStatus.RESOLVED);
  }

  @Test
  void evictsResolvedFirstWhenFull() {
    AlertView view = new AlertView(2, meters);
    view.apply(Fixtures.alert("open-old", AlertType.FORK, Severity.HIGH, "g", T).build());
    view.apply(
        Fixtures.alert("resolved", AlertType.FORK, Severity.HIGH, "g", T.plusSeconds(1))
            .setStatus(AlertStatus.RESOLVED)
            .build());

    view.apply(Fixtures.alert("new", AlertType.FORK, Severity.HIGH, "g", T.plusSeconds(2)).build());

    assertThat(view.get("resolved")).isEmpty();
    assertThat(view.get("open-old")).isPresent();
    assertThat(view.size()).isEqualTo(2);
  }

  @Test
  void pagesNewestFirst() {
    AlertView view = new AlertView(100, meters);
    for (int i = 0; i < 5; i++) {
      view.apply(
          Fixtures.alert("a" + i, AlertType.DIVERGENCE, Severity.HIGH, "g", T.plusSeconds(i))
              .build());
    }

    AlertView.Page page =
        view.query(AlertQuery.parse(Map.of("offset", List.of("1"), "limit", List.of("2"))));

    assertThat(page.total()).isEqualTo(5);
    assertThat(page.alerts()).extracting(AuditAlert::getAlertId).containsExactly("a3", "a2");
  }

  @Test
  void countsAlertsAndRecordsDetectionLatency() {
    AlertView view = new AlertView(100, meters);

    view.apply(Fixtures.alert("a1", AlertType.EQUIVOCATION, Severity.CRITICAL, "g", T).build());

    assertThat(meters.get("herald.alerts").tag("type", "EQUIVOCATION").counter().count())
        .isEqualTo(1.0);
    assertThat(
            meters
                .get("herald.detection.latency")
                .timer()
                .totalTime(java.util.concurrent.TimeUnit.MILLISECONDS))
        .isEqualTo(250.0);
  }

  @Test
  void ratesBucketAlertsByType() {
    AlertView view = new AlertView(100, meters);
    view.apply(
        Fixtures.alert("a1", AlertType.FORK, Severity.HIGH, "g", T.minusSeconds(30)).build());
    view.apply(
        Fixtures.alert("a2", AlertType.FORK, Severity.HIGH, "g", T.minusSeconds(90)).build());
    view.apply(
        Fixtures.alert("a3", AlertType.FORK, Severity.HIGH, "g", T.minusSeconds(3600)).build());

    Map<String, long[]> rate = view.rate(T, Duration.ofMinutes(1), 3);

    assertThat(rate.get("FORK")).containsExactly(0, 1, 1);
  }
}
