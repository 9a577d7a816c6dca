package dev.herald.it.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.herald.auditor.subscribe.SubscriptionConfig;
import dev.herald.auditor.subscribe.SubscriptionService;
import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.schema.AlertStatus;
import dev.herald.schema.AlertType;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.Severity;
import dev.herald.schema.Topics;
import dev.herald.schema.registry.InMemorySchemaRegistryClient;
import io.javalin.Javalin;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The auditor's REST/SSE API against a real KRaft broker: records are produced to Herald's topics
 * and must show up through the views, the stream, the evidence check, the metrics and the
 * subscriptions; bad requests answer JSON errors.
 */
class DashboardApiIT {
  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final InMemorySchemaRegistryClient REGISTRY = new InMemorySchemaRegistryClient();
  private static SignedRecords records;
  private static AuditorWeb web;
  private static AuditAlert equivocation;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() {
    records = new SignedRecords(KAFKA.bootstrapServers(), REGISTRY);
    records.register("node-a", "payments");
    records.register("node-b", "payments");
    records.register("node-c", "payments");
    records.heartbeat("node-a", "payments", 1);
    equivocation = records.equivocation("eq-api-1", "node-c", "payments", "acct-42", 7);
    records.alert(equivocation);
    records.alert(
        SignedRecords.simple("lag-1", AlertType.REPLICA_LAG, Severity.LOW, "payments", "node-b"));
    web = new AuditorWeb(KAFKA.bootstrapServers(), REGISTRY);
    await().atMost(Duration.ofSeconds(30)).until(() -> web.ready() && web.alerts.size() == 2);
  }

  @AfterAll
  static void stop() {
    if (web != null) {
      web.close();
    }
    if (records != null) {
      records.close();
    }
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create(web.url(path))).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode json(String path) throws IOException, InterruptedException {
    HttpResponse<String> r = get(path);
    assertThat(r.statusCode()).as(path + " -> " + r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  @Test
  void alertsFromTheTopicAreListedAndFiltered() throws Exception {
    JsonNode all = json("/api/alerts");
    JsonNode critical = json("/api/alerts?severity=CRITICAL&group=payments");
    JsonNode byNode = json("/api/alerts?node=node-b&type=REPLICA_LAG,FORK");

    assertThat(all.get("alerts").findValuesAsText("alertId")).contains("eq-api-1", "lag-1");
    assertThat(critical.get("alerts").findValuesAsText("alertId")).containsExactly("eq-api-1");
    assertThat(byNode.get("alerts").findValuesAsText("alertId")).containsExactly("lag-1");
  }

  @Test
  void evidenceOfAnEquivocationIsBothSignedReportsVerified() throws Exception {
    JsonNode ev = json("/api/alerts/eq-api-1/evidence");

    assertThat(ev.get("checks").findValuesAsText("verdict")).containsExactly("VALID", "VALID");
    assertThat(ev.get("confirmed").asBoolean()).isTrue();
    assertThat(ev.get("checks").get(0).get("reports").get(0).get("entityKey").asText())
        .isEqualTo("acct-42");
  }

  @Test
  void nodesCarryHeartbeatsFlagsAndCounts() throws Exception {
    JsonNode nodes = json("/api/nodes").get("nodes");

    assertThat(nodes.findValuesAsText("nodeId")).containsExactly("node-a", "node-b", "node-c");
    assertThat(nodes.get(0).get("silent").asBoolean()).isFalse();
    assertThat(nodes.get(0).get("lastHeartbeat").isNull()).isFalse();
    assertThat(nodes.get(2).get("suspect").asBoolean()).isTrue();
    assertThat(nodes.get(2).get("openAlerts").asInt()).isEqualTo(1);
  }

  @Test
  void errorsAreJsonWithStatusAndParameter() throws Exception {
    HttpResponse<String> badType = get("/api/alerts?type=BOGUS");
    HttpResponse<String> badLimit = get("/api/alerts?limit=100000");
    HttpResponse<String> missing = get("/api/alerts/no-such-alert");
    HttpResponse<String> entity = get("/api/groups/payments/entities/acct-42");

    assertThat(badType.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(badType.body()).get("error").asText()).contains("'type'");
    assertThat(badLimit.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(badLimit.body()).get("error").asText()).contains("'limit'");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(JSON.readTree(missing.body()).has("detail")).isTrue();
    assertThat(entity.statusCode()).isEqualTo(503);
    assertThat(JSON.readTree(entity.body()).get("error").asText()).isEqualTo("auditor unavailable");
  }

  @Test
  void healthAndMetrics() throws Exception {
    HttpResponse<String> metrics = get("/metrics");

    assertThat(json("/health").get("status").asText()).isEqualTo("UP");
    assertThat(metrics.body())
        .contains("herald_view_records_total{topic=\"herald.alerts.v1\"}")
        .contains(
            "herald_alerts_total{severity=\"CRITICAL\",status=\"OPEN\",type=\"EQUIVOCATION\"}")
        .contains("herald_detection_latency_seconds_count")
        .doesNotContain("acct-42");
  }

  @Test
  void streamDeliversANewAlertAndItsResolutionLive() throws Exception {
    List<String> lines = new CopyOnWriteArrayList<>();
    CompletableFuture<HttpResponse<Stream<String>>> stream =
        http.sendAsync(
            HttpRequest.newBuilder(URI.create(web.url("/api/alerts/stream?type=NODE_SILENT")))
                .header("Accept", "text/event-stream")
                .build(),
            HttpResponse.BodyHandlers.ofLines());
    stream.thenAccept(r -> r.body().forEach(lines::add));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> lines.stream().anyMatch(l -> l.contains("connected")));
    AuditAlert silent =
        SignedRecords.simple("silent-1", AlertType.NODE_SILENT, Severity.MEDIUM, "", "node-b");

    records.alert(silent);
    records.alert(
        AuditAlert.newBuilder(silent)
            .setStatus(AlertStatus.RESOLVED)
            .setResolvedAt(Instant.now())
            .build());

    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                lines.stream()
                    .anyMatch(
                        l -> l.contains("\"alertId\":\"silent-1\"") && l.contains("RESOLVED")));
    assertThat(lines)
        .anyMatch(l -> l.contains("\"alertId\":\"silent-1\"") && l.contains("\"status\":\"OPEN\""));
    assertThat(lines).noneMatch(l -> l.contains("eq-api-1"));
    stream.cancel(true);
  }

  @Test
  void malformedAlertRecordsAreSkippedAndCounted() throws Exception {
    records.sendRaw(Topics.ALERTS, new byte[] {1, 2, 3});
    records.alert(
        SignedRecords.simple("after-junk", AlertType.FLOOD, Severity.HIGH, "orders", "node-a"));

    await().atMost(Duration.ofSeconds(20)).until(() -> web.alerts.get("after-junk").isPresent());
    assertThat(get("/metrics").body())
        .contains(
            "herald_view_malformed_records_total{reason=\"BAD_MAGIC_BYTE\",topic=\"herald.alerts.v1\"} 1.0");
  }

  @Test
  void viewsWaitForAnUnavailableRegistryInsteadOfDroppingAlerts() {
    records.alert(
        SignedRecords.simple(
            "while-registry-down", AlertType.FORK, Severity.HIGH, "orders", "node-a"));
    java.util.concurrent.atomic.AtomicBoolean down =
        new java.util.concurrent.atomic.AtomicBoolean(true);
    dev.herald.schema.registry.SchemaRegistryClient flaky =
        (dev.herald.schema.registry.SchemaRegistryClient)
            java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(),
                new Class<?>[] {dev.herald.schema.registry.SchemaRegistryClient.class},
                (proxy, method, args) -> {
                  if (down.get() && method.getName().equals("getById")) {
                    throw new dev.herald.schema.registry.SchemaRegistryException(
                        "connection refused", new java.net.ConnectException());
                  }
                  try {
                    return method.invoke(REGISTRY, args);
                  } catch (java.lang.reflect.InvocationTargetException e) {
                    throw e.getCause();
                  }
                });
    try (AuditorWeb second = new AuditorWeb(KAFKA.bootstrapServers(), flaky)) {
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  second.meters.find("herald.view.records").tag("topic", Topics.ALERTS).counter()
                      != null);
      assertThat(second.alerts.get("while-registry-down")).isEmpty();
      assertThat(second.ready()).isFalse();

      down.set(false);

      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> second.alerts.get("while-registry-down").isPresent() && second.ready());
      assertThat(
              second
                  .meters
                  .find("herald.view.malformed.records")
                  .tag("reason", "REGISTRY_UNAVAILABLE")
                  .counters())
          .isEmpty();
    }
  }

  @Test
  void webhookReceivesMatchingAlertsAtLeastOnceThroughOutages() throws Exception {
    List<JsonNode> received = new CopyOnWriteArrayList<>();
    AtomicInteger failFirst = new AtomicInteger(2);
    Javalin receiver =
        Javalin.create(c -> c.showJavalinBanner = false)
            .post(
                "/hook",
                ctx -> {
                  if (failFirst.getAndDecrement() > 0) {
                    ctx.status(503);
                    return;
                  }
                  received.add(JSON.readTree(ctx.body()));
                })
            .start("127.0.0.1", 0);
    var props = new java.util.Properties();
    props.put("bootstrap.servers", KAFKA.bootstrapServers());
    var subs =
        SubscriptionConfig.parse(
            "subscriptions:\n  - name: it-hook\n    kind: webhook\n    url: http://127.0.0.1:"
                + receiver.port()
                + "/hook\n"
                + "    filter: {types: [FORK]}\n    retry: {initialBackoff: 20ms, maxBackoff: 100ms}\n");
    try (SubscriptionService service =
        new SubscriptionService(props, REGISTRY, subs, web.meters, 100).start()) {
      await().atMost(Duration.ofSeconds(30)).until(service::ready);

      records.alert(
          SignedRecords.simple("fork-hook", AlertType.FORK, Severity.HIGH, "payments", "node-a"));
      records.alert(
          SignedRecords.simple("flood-hook", AlertType.FLOOD, Severity.HIGH, "payments", "node-a"));

      await().atMost(Duration.ofSeconds(30)).until(() -> !received.isEmpty());
    } finally {
      receiver.stop();
    }
    assertThat(received).extracting(n -> n.get("alertId").asText()).containsExactly("fork-hook");
    assertThat(
            web.meters
                .get("herald.subscription.delivery.failures")
                .tag("subscription", "it-hook")
                .counter()
                .count())
        .isEqualTo(2.0);
  }
}
