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
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Delivery against a real HTTP receiver on an ephemeral port. */
class AlertDeliveryTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant T = Instant.parse("2026-03-01T12:00:00Z");
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final List<Map<String, Object>> received = new CopyOnWriteArrayList<>();
  private final AtomicInteger failuresLeft = new AtomicInteger();
  private volatile int failStatus = 503;
  private Javalin receiver;

  @BeforeEach
  void startReceiver() {
    receiver =
        Javalin.create(c -> c.showJavalinBanner = false)
            .post(
                "/*",
                ctx -> {
                  if (failuresLeft.getAndDecrement() > 0) {
                    ctx.status(failStatus);
                    return;
                  }
                  received.add(
                      Map.of(
                          "path",
                          ctx.path(),
                          "idempotencyKey",
                          String.valueOf(ctx.header("Idempotency-Key")),
                          "body",
                          JSON.readTree(ctx.body())));
                  ctx.status(200);
                })
            .start("127.0.0.1", 0);
  }

  @AfterEach
  void stopReceiver() {
    receiver.stop();
  }

  private Subscription subscription(Subscription.Kind kind, String path) {
    return new Subscription(
        "test",
        kind,
        URI.create("http://127.0.0.1:" + receiver.port() + path),
        Map.of(),
        Subscription.Filter.ALL,
        Duration.ofMillis(10),
        Duration.ofMillis(40));
  }

  private static AuditAlert alert(AlertStatus status) {
    return AuditAlert.newBuilder()
        .setAlertId("eq-1")
        .setType(AlertType.EQUIVOCATION)
        .setSeverity(Severity.CRITICAL)
        .setStatus(status)
        .setGroup("payments")
        .setEntityKey("acct-1")
        .setVersion(7L)
        .setNodes(List.of("node-c"))
        .setDetail("node-c signed two states for acct-1 v7")
        .setDetectedAt(T)
        .setFirstEventTime(T)
        .setResolvedAt(status == AlertStatus.RESOLVED ? T.plusSeconds(60) : null)
        .build();
  }

  @Test
  void retriesWithBackoffUntilTheReceiverAccepts() {
    failuresLeft.set(3);
    AlertDelivery delivery =
        new AlertDelivery(
            subscription(Subscription.Kind.WEBHOOK, "/hook"), HttpClient.newHttpClient(), meters);

    AlertDelivery.Outcome outcome = delivery.deliver(alert(AlertStatus.OPEN), () -> true, () -> {});

    assertThat(outcome).isEqualTo(AlertDelivery.Outcome.DELIVERED);
    assertThat(received).hasSize(1);
    assertThat(received.get(0).get("idempotencyKey")).isEqualTo("eq-1:OPEN");
    assertThat(((JsonNode) received.get(0).get("body")).get("alertId").asText()).isEqualTo("eq-1");
    assertThat(meters.get("herald.subscription.delivery.failures").counter().count())
        .isEqualTo(3.0);
    assertThat(
            meters
                .get("herald.subscription.deliveries")
                .tag("outcome", "delivered")
                .counter()
                .count())
        .isEqualTo(1.0);
  }

  @Test
  void aPermanentRefusalIsNotRetried() {
    failuresLeft.set(1);
    failStatus = 400;
    AlertDelivery delivery =
        new AlertDelivery(
            subscription(Subscription.Kind.WEBHOOK, "/hook"), HttpClient.newHttpClient(), meters);

    assertThat(delivery.deliver(alert(AlertStatus.OPEN), () -> true, () -> {}))
        .isEqualTo(AlertDelivery.Outcome.REJECTED);
    assertThat(received).isEmpty();
  }

  @Test
  void stopsRetryingWhenShutDown() {
    failuresLeft.set(Integer.MAX_VALUE);
    AtomicInteger attempts = new AtomicInteger();
    AlertDelivery delivery =
        new AlertDelivery(
            subscription(Subscription.Kind.WEBHOOK, "/hook"), HttpClient.newHttpClient(), meters);

    AlertDelivery.Outcome outcome =
        delivery.deliver(alert(AlertStatus.OPEN), () -> attempts.incrementAndGet() < 50, () -> {});

    assertThat(outcome).isEqualTo(AlertDelivery.Outcome.ABORTED);
  }

  @Test
  void postsToAlertmanagerWithLabelsActiveUntilTheNextResendsAndEndsAtNowWhenResolved() {
    AlertDelivery delivery =
        new AlertDelivery(
            subscription(Subscription.Kind.ALERTMANAGER, "/"), HttpClient.newHttpClient(), meters);

    Instant before = Instant.now();
    delivery.deliver(alert(AlertStatus.OPEN), () -> true, () -> {});
    delivery.deliver(alert(AlertStatus.RESOLVED), () -> true, () -> {});
    Instant after = Instant.now();

    assertThat(received).extracting(m -> m.get("path")).containsOnly("/api/v2/alerts");
    JsonNode open = ((JsonNode) received.get(0).get("body")).get(0);
    JsonNode resolved = ((JsonNode) received.get(1).get("body")).get(0);
    assertThat(open.get("labels").get("alertname").asText()).isEqualTo("HeraldEquivocation");
    assertThat(open.get("labels").get("severity").asText()).isEqualTo("critical");
    assertThat(open.get("labels").get("group").asText()).isEqualTo("payments");
    assertThat(open.get("labels").get("type").asText()).isEqualTo("EQUIVOCATION");
    assertThat(open.get("labels").has("entity")).isFalse();
    assertThat(open.get("startsAt").asText()).isEqualTo(T.toString());
    // active: ends four re-send intervals (default 1 min) after the post unless posted again
    assertThat(Instant.parse(open.get("endsAt").asText()))
        .isBetween(before.plus(Duration.ofMinutes(4)), after.plus(Duration.ofMinutes(4)));
    // resolved: ends now, i.e. at the post
    assertThat(Instant.parse(resolved.get("endsAt").asText())).isBetween(before, after);
    assertThat(resolved.get("labels")).isEqualTo(open.get("labels"));
  }
}
