package dev.herald.auditor.subscribe;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.herald.schema.AlertStatus;
import dev.herald.schema.AlertType;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.Severity;
import io.javalin.Javalin;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What one re-send posts (the Alertmanager binary itself is exercised in integration-tests'
 * AlertmanagerIT): active alerts end four intervals later, recently resolved ones now, the watchdog
 * only while healthy.
 */
class AlertmanagerResenderTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
  private final List<JsonNode> posts = new CopyOnWriteArrayList<>();
  private final List<AuditAlert> alerts = new ArrayList<>();
  private final AtomicBoolean healthy = new AtomicBoolean(true);
  private Javalin alertmanager;
  private AlertmanagerResender resender;

  @BeforeEach
  void start() {
    alertmanager =
        Javalin.create(c -> c.showJavalinBanner = false)
            .post("/api/v2/alerts", ctx -> posts.add(JSON.readTree(ctx.body())))
            .start("127.0.0.1", 0);
    Subscription s =
        new Subscription(
            "am",
            Subscription.Kind.ALERTMANAGER,
            URI.create("http://127.0.0.1:" + alertmanager.port()),
            Map.of(),
            new Subscription.Filter(
                java.util.Set.of(),
                java.util.Set.of(),
                java.util.Set.of("payments"),
                java.util.Set.of()),
            Duration.ofMillis(10),
            Duration.ofMillis(40),
            Duration.ofSeconds(30),
            true);
    resender =
        new AlertmanagerResender(
            s,
            HttpClient.newHttpClient(),
            () -> alerts,
            healthy::get,
            "auditor-0:8080",
            new SimpleMeterRegistry(),
            Clock.fixed(NOW, ZoneOffset.UTC));
  }

  @AfterEach
  void stop() {
    alertmanager.stop();
  }

  private static AuditAlert alert(String id, String group, AlertStatus status, Instant resolved) {
    return AuditAlert.newBuilder()
        .setAlertId(id)
        .setType(AlertType.EQUIVOCATION)
        .setSeverity(Severity.CRITICAL)
        .setStatus(status)
        .setGroup(group)
        .setNodes(List.of("node-c"))
        .setDetail("x")
        .setDetectedAt(NOW.minusSeconds(600))
        .setFirstEventTime(NOW.minusSeconds(601))
        .setResolvedAt(resolved)
        .build();
  }

  private Map<String, JsonNode> byAlertname(JsonNode post) {
    Map<String, JsonNode> out = new java.util.TreeMap<>();
    post.forEach(
        a ->
            out.put(
                a.get("labels").path("alert_id").asText(a.get("labels").get("alertname").asText()),
                a));
    return out;
  }

  @Test
  void resendsActiveAndRecentlyResolvedMatchingAlertsAndTheWatchdog() {
    alerts.add(alert("open-1", "payments", AlertStatus.OPEN, null));
    alerts.add(alert("resolved-recently", "payments", AlertStatus.RESOLVED, NOW.minusSeconds(60)));
    alerts.add(alert("resolved-long-ago", "payments", AlertStatus.RESOLVED, NOW.minusSeconds(600)));
    alerts.add(alert("other-group", "orders", AlertStatus.OPEN, null));

    resender.resendOnce();

    assertThat(posts).hasSize(1);
    Map<String, JsonNode> sent = byAlertname(posts.get(0));
    assertThat(sent).containsOnlyKeys("open-1", "resolved-recently", "HeraldWatchdog");
    assertThat(sent.get("open-1").get("endsAt").asText())
        .isEqualTo(NOW.plus(Duration.ofMinutes(2)).toString());
    assertThat(sent.get("resolved-recently").get("endsAt").asText()).isEqualTo(NOW.toString());
    JsonNode watchdog = sent.get("HeraldWatchdog");
    assertThat(watchdog.get("labels").get("severity").asText()).isEqualTo("none");
    assertThat(watchdog.get("labels").get("instance").asText()).isEqualTo("auditor-0:8080");
    assertThat(watchdog.get("endsAt").asText())
        .isEqualTo(NOW.plus(Duration.ofMinutes(2)).toString());
  }

  @Test
  void theWatchdogStopsWhileTheAuditorIsUnhealthy() {
    healthy.set(false);

    resender.resendOnce();

    // nothing active and no watchdog: nothing to post, so Alertmanager's watchdog expires
    assertThat(posts).isEmpty();
  }
}
