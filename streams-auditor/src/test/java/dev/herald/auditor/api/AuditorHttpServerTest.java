package dev.herald.auditor.api;

import static java.net.http.HttpResponse.BodyHandlers.ofString;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.herald.auditor.health.AuditorHealth;
import dev.herald.schema.AlertStatus;
import dev.herald.schema.AlertType;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.ReportBatch;
import dev.herald.schema.Severity;
import dev.herald.schema.registry.InMemorySchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.signing.Ed25519;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The HTTP layer over views fed directly (the broker-backed feed is tested in integration-tests).
 */
class AuditorHttpServerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant T = Instant.parse("2026-03-01T12:00:00Z");
  private final HttpClient http = HttpClient.newHttpClient();
  private final AvroWireFormat<ReportBatch> batches =
      new AvroWireFormat<>(ReportBatch.class, new InMemorySchemaRegistryClient());
  private final Ed25519.KeyPair key = Fixtures.key(5);
  private PrometheusMeterRegistry meters;
  private AlertView alerts;
  private NodeView nodes;
  private AuditorHttpServer server;
  private AuditorHttpServer other;

  @BeforeEach
  void start() {
    meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    alerts = new AlertView(1_000, meters);
    nodes = new NodeView(Duration.ofSeconds(10), Clock.systemUTC(), meters);
    nodes.register(Fixtures.node("node-c", key, "payments"));
    server =
        server(
            meters,
            (g, k) ->
                k.equals("known")
                    ? new EntityStateLookup.Local(Map.of("version", 7))
                    : new EntityStateLookup.NotFound());
  }

  private AuditorHttpServer server(PrometheusMeterRegistry m, EntityStateLookup lookup) {
    return AuditorHttpServer.builder()
        .host("127.0.0.1")
        .port(0)
        .alerts(alerts)
        .nodes(nodes)
        .verifier(new EvidenceVerifier(batches, nodes))
        .meterRegistry(m)
        .entityLookup(lookup)
        .build()
        .start();
  }

  @AfterEach
  void stop() {
    server.close();
    if (other != null) {
      other.close();
    }
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create(server.baseUrl() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode json(HttpResponse<String> r) throws IOException {
    return JSON.readTree(r.body());
  }

  @Test
  void filtersAndPagesAlerts() throws Exception {
    alerts.apply(Fixtures.alert("a1", AlertType.FORK, Severity.HIGH, "payments", T).build());
    alerts.apply(
        Fixtures.alert(
                "a2", AlertType.EQUIVOCATION, Severity.CRITICAL, "payments", T.plusSeconds(1))
            .build());
    alerts.apply(
        Fixtures.alert("a3", AlertType.FORK, Severity.HIGH, "orders", T.plusSeconds(2))
            .setStatus(AlertStatus.RESOLVED)
            .build());

    JsonNode body = json(get("/api/alerts?type=FORK&status=OPEN"));
    JsonNode page = json(get("/api/alerts?limit=1&offset=1"));

    assertThat(body.get("total").asInt()).isEqualTo(1);
    assertThat(body.get("alerts").get(0).get("alertId").asText()).isEqualTo("a1");
    assertThat(page.get("total").asInt()).isEqualTo(3);
    assertThat(page.get("alerts").get(0).get("alertId").asText()).isEqualTo("a2");
  }

  @Test
  void badParametersAre400NamingTheParameter() throws Exception {
    HttpResponse<String> r = get("/api/alerts?severity=SEVERE");

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.headers().firstValue("Content-Type"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
    assertThat(json(r).get("error").asText()).isEqualTo("bad parameter 'severity'");
    assertThat(json(r).get("detail").asText()).contains("SEVERE");
    assertThat(get("/api/alerts/rate?buckets=x").statusCode()).isEqualTo(400);
  }

  @Test
  void unknownAlertsAndPathsAre404Json() throws Exception {
    HttpResponse<String> alert = get("/api/alerts/nope");
    HttpResponse<String> path = get("/api/nothing-here");

    assertThat(alert.statusCode()).isEqualTo(404);
    assertThat(json(alert).get("error").asText()).isEqualTo("alert not found");
    assertThat(path.statusCode()).isEqualTo(404);
    assertThat(json(path).has("detail")).isTrue();
  }

  @Test
  void evidenceEndpointVerifiesBothSignedReports() throws Exception {
    AuditAlert eq = Fixtures.equivocation(batches, key, T);
    alerts.apply(eq);

    JsonNode ev = json(get("/api/alerts/" + eq.getAlertId() + "/evidence"));

    assertThat(ev.get("checks")).hasSize(2);
    assertThat(ev.get("checks").findValuesAsText("verdict")).containsExactly("VALID", "VALID");
    assertThat(ev.get("confirmed").asBoolean()).isTrue();
  }

  @Test
  void streamsNewAlertsToSubscribersMatchingTheirFilter() throws Exception {
    List<String> lines = new CopyOnWriteArrayList<>();
    CompletableFuture<HttpResponse<Stream<String>>> stream =
        http.sendAsync(
            HttpRequest.newBuilder(
                    URI.create(server.baseUrl() + "/api/alerts/stream?type=EQUIVOCATION"))
                .header("Accept", "text/event-stream")
                .build(),
            HttpResponse.BodyHandlers.ofLines());
    stream.thenAccept(r -> r.body().forEach(lines::add));
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(lines).anyMatch(l -> l.contains("connected")));

    alerts.apply(Fixtures.alert("fork-1", AlertType.FORK, Severity.HIGH, "payments", T).build());
    alerts.apply(Fixtures.equivocation(batches, key, T));

    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                lines.stream().anyMatch(l -> l.startsWith("data:") && l.contains("EQUIVOCATION")));
    assertThat(lines).contains("event: alert").noneMatch(l -> l.contains("fork-1"));
    stream.cancel(true);
  }

  @Test
  void streamWithABadFilterGetsAnErrorEventNamingTheParameterAndIsClosed() throws Exception {
    // When: the body completes only because the server closes the stream
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(server.baseUrl() + "/api/alerts/stream?severity=SEVERE"))
                .header("Accept", "text/event-stream")
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    // Then
    assertThat(r.body())
        .contains("event: error")
        .contains("bad parameter 'severity'")
        .doesNotContain("connected");
  }

  @Test
  void streamWithoutEventStreamAcceptIs406() throws Exception {
    HttpResponse<String> r = get("/api/alerts/stream");

    assertThat(r.statusCode()).isEqualTo(406);
    assertThat(json(r).get("detail").asText()).contains("text/event-stream");
  }

  @Test
  void nodesShowSuspectFlagAndAlertCounts() throws Exception {
    alerts.apply(Fixtures.equivocation(batches, key, T));

    JsonNode node = json(get("/api/nodes")).get("nodes").get(0);
    JsonNode group = json(get("/api/groups")).get("groups").get(0);

    assertThat(node.get("nodeId").asText()).isEqualTo("node-c");
    assertThat(node.get("suspect").asBoolean()).isTrue();
    assertThat(node.get("silent").asBoolean()).isTrue(); // no heartbeat yet
    assertThat(node.get("openAlerts").asInt()).isEqualTo(1);
    assertThat(group.get("health").asText()).isEqualTo("CRITICAL");
  }

  @Test
  void metricsFollowPrometheusConventions() throws Exception {
    alerts.apply(Fixtures.equivocation(batches, key, T));

    HttpResponse<String> r = get("/metrics");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body())
        .contains(
            "herald_alerts_total{severity=\"CRITICAL\",status=\"OPEN\",type=\"EQUIVOCATION\"} 1.0")
        .contains("herald_detection_latency_seconds_bucket")
        .contains("herald_view_alerts ")
        .doesNotContain("acct-1");
  }

  @Test
  void entityLookupAnswersLocallyAnd404sAndForwardsToTheOwner() throws Exception {
    other =
        server(
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
            (g, k) -> new EntityStateLookup.Remote("127.0.0.1", server.port()));
    HttpResponse<String> local = get("/api/groups/payments/entities/known");
    HttpResponse<String> missing = get("/api/groups/payments/entities/unknown");
    HttpResponse<String> forwarded =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(other.baseUrl() + "/api/groups/payments/entities/known"))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(local.statusCode()).isEqualTo(200);
    assertThat(json(local).get("state").get("version").asInt()).isEqualTo(7);
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(forwarded.statusCode()).isEqualTo(200);
    assertThat(forwarded.headers().firstValue("X-Herald-Served-By"))
        .contains("127.0.0.1:" + server.port());
    assertThat(json(forwarded).get("state").get("version").asInt()).isEqualTo(7);
  }

  @Test
  void entityLookupIs503WhileTheAuditorIsNotRunning() throws Exception {
    other =
        AuditorHttpServer.builder()
            .host("127.0.0.1")
            .port(0)
            .alerts(alerts)
            .nodes(nodes)
            .meterRegistry(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))
            .build()
            .start();

    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(other.baseUrl() + "/api/groups/g/entities/k"))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(json(r).get("detail").asText()).contains("not running");
  }

  @Test
  void everyPathInTheOpenApiDocumentIsServed() throws Exception {
    AuditAlert eq = Fixtures.equivocation(batches, key, T);
    alerts.apply(eq);
    JsonNode doc =
        new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
            .readTree(java.nio.file.Path.of("../docs/openapi.yaml").toFile());
    List<String> paths = new java.util.ArrayList<>();
    doc.get("paths").fieldNames().forEachRemaining(paths::add);

    assertThat(paths).contains("/api/alerts", "/api/nodes", "/metrics", "/health");
    for (String path : paths) {
      if (path.endsWith("/stream")) {
        continue; // endless; covered by the stream tests
      }
      String concrete =
          path.replace("{alertId}", eq.getAlertId())
              .replace("{group}", "payments")
              .replace("{key}", "known");
      assertThat(get(concrete).statusCode()).as(concrete).isEqualTo(200);
    }
  }

  @Test
  void servesTheDashboardAndHealth() throws Exception {
    HttpResponse<String> index = get("/");
    HttpResponse<String> health = get("/health");

    assertThat(index.statusCode()).isEqualTo(200);
    assertThat(index.body()).contains("<title>Herald");
    assertThat(get("/app.js").statusCode()).isEqualTo(200);
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(json(health).get("status").asText()).isEqualTo("UP");
  }

  @Test
  void healthIsTheAuditorsAnd503WithTheReasonsWhenNotUp() throws Exception {
    // Given: an auditor whose health the test sets
    AtomicReference<AuditorHealth> auditor = new AtomicReference<>(AuditorHealth.UP);
    other =
        AuditorHttpServer.builder()
            .host("127.0.0.1")
            .port(0)
            .alerts(alerts)
            .nodes(nodes)
            .meterRegistry(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))
            .health(auditor::get)
            .build()
            .start();
    URI health = URI.create(other.baseUrl() + "/health");
    // When
    HttpResponse<String> up = http.send(HttpRequest.newBuilder(health).build(), ofString());
    auditor.set(
        AuditorHealth.builder()
            .down("herald-auditor task 0_3 failed 3 times in the last 300 s")
            .degraded("schema registry unreachable")
            .build());
    HttpResponse<String> down = http.send(HttpRequest.newBuilder(health).build(), ofString());
    // Then
    assertThat(up.statusCode()).isEqualTo(200);
    assertThat(json(up).get("status").asText()).isEqualTo("UP");
    assertThat(down.statusCode()).isEqualTo(503);
    assertThat(json(down).get("status").asText()).isEqualTo("DOWN");
    assertThat(json(down).get("reasons").get(0).asText()).contains("task 0_3");
    assertThat(json(down).get("reasons")).hasSize(2);
  }
}
