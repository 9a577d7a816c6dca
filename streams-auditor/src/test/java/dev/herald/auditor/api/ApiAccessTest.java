package dev.herald.auditor.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.herald.schema.ReportBatch;
import dev.herald.schema.registry.InMemorySchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.signing.Ed25519;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The locked-down API: bearer tokens with roles, 401 without data, the Host check against DNS
 * rebinding, the safe default on a non-loopback bind and per-client stream limits.
 */
class ApiAccessTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant T = Instant.parse("2026-03-01T12:00:00Z");
  private static final String VIEWER = "viewer-token-0123456789abcdef";
  private static final String OPERATOR = "operator-token-0123456789abcdef";
  private static final ApiTokens TOKENS =
      ApiTokens.parse(
          "tokens:\n"
              + "  - {name: grafana, role: viewer, sha256: "
              + ApiTokens.digestHex(VIEWER)
              + "}\n"
              + "  - {name: oncall, role: operator, sha256: "
              + ApiTokens.digestHex(OPERATOR)
              + "}\n");

  private final HttpClient http = HttpClient.newHttpClient();
  private final AvroWireFormat<ReportBatch> batches =
      new AvroWireFormat<>(ReportBatch.class, new InMemorySchemaRegistryClient());
  private final Ed25519.KeyPair key = Fixtures.key(5);
  private final PrometheusMeterRegistry meters =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final AlertView alerts = new AlertView(100, meters);
  private final NodeView nodes = new NodeView(Duration.ofSeconds(10), Clock.systemUTC(), meters);
  private AuditorHttpServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  /** An entity state as the auditor keeps it: open reports and closed hashes. */
  private static Map<String, Object> entityState() {
    Map<String, Object> report = new TreeMap<>();
    report.put("nodeId", "node-a");
    report.put("stateHash", "aa11");
    report.put("prevStateHash", "bb22");
    report.put("opId", "op-7");
    report.put("opDigest", "cc33");
    Map<String, Object> slot = new TreeMap<>();
    slot.put("version", 7);
    slot.put("reports", Map.of("node-a", report));
    Map<String, Object> closed = new TreeMap<>();
    closed.put("version", 6);
    closed.put("agreedHash", "dd44");
    closed.put("agreedOp", "op-6");
    closed.put("hashes", Map.of("node-a", "dd44", "node-b", "dd44"));
    Map<String, Object> state = new TreeMap<>();
    state.put("open", Map.of("7", slot));
    state.put("closed", Map.of("6", closed));
    return state;
  }

  private void start(ApiAccess access, int maxSsePerClient) {
    nodes.register(Fixtures.node("node-c", key, "payments"));
    alerts.apply(Fixtures.equivocation(batches, key, T));
    server =
        AuditorHttpServer.builder()
            .host("127.0.0.1")
            .port(0)
            .access(access)
            .alerts(alerts)
            .nodes(nodes)
            .verifier(new EvidenceVerifier(batches, nodes))
            .meterRegistry(meters)
            .entityLookup((g, k) -> new EntityStateLookup.Local(entityState()))
            .maxSsePerClient(maxSsePerClient)
            .build()
            .start();
  }

  private HttpResponse<String> get(String path, String token)
      throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + path));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void withoutATokenEveryDataEndpointAnswers401WithAClearJsonMessageAndNoData() throws Exception {
    start(ApiAccess.of("127.0.0.1", TOKENS, Set.of()), 4);

    for (String path :
        List.of(
            "/api/alerts",
            "/api/alerts/" + alerts.all().get(0).getAlertId(),
            "/api/nodes",
            "/api/groups/payments/entities/acct-1",
            "/metrics")) {
      HttpResponse<String> r = get(path, null);
      assertThat(r.statusCode()).as(path).isEqualTo(401);
      JsonNode body = JSON.readTree(r.body());
      assertThat(body.get("error").asText()).isEqualTo("authentication required");
      assertThat(body.get("detail").asText()).contains("Authorization: Bearer");
      assertThat(r.body()).doesNotContain("node-c").doesNotContain("herald_");
    }
    assertThat(get("/api/alerts", "wrong-token-0123456789").statusCode()).isEqualTo(401);
    assertThat(get("/health", null).statusCode()).isIn(200, 503);
    assertThat(get("/", null).body()).contains("<title>Herald");
  }

  @Test
  void aNonLoopbackBindWithoutATokenFileRefusesEverythingButHealth() throws Exception {
    // the access of a 0.0.0.0 bind (the socket itself stays on loopback in this test)
    start(ApiAccess.of("0.0.0.0", null, Set.of()), 4);

    HttpResponse<String> r = get("/api/alerts", null);

    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(JSON.readTree(r.body()).get("detail").asText()).contains("--api-tokens");
    assertThat(get("/api/alerts", OPERATOR).statusCode()).isEqualTo(401);
    assertThat(get("/health", null).statusCode()).isIn(200, 503);
  }

  @Test
  void aLoopbackBindWithoutATokenFileIsOpenAsTheDemoNeeds() throws Exception {
    start(ApiAccess.of("127.0.0.1", null, Set.of()), 4);

    assertThat(get("/api/alerts", null).statusCode()).isEqualTo(200);
    String id = alerts.all().get(0).getAlertId();
    assertThat(get("/api/alerts/" + id + "/evidence", null).statusCode()).isEqualTo(200);
  }

  @Test
  void aViewerSeesAlertsWithoutEvidenceBytesAndEntitiesWithoutHashes() throws Exception {
    start(ApiAccess.of("127.0.0.1", TOKENS, Set.of()), 4);
    String id = alerts.all().get(0).getAlertId();

    JsonNode alert = JSON.readTree(get("/api/alerts/" + id, VIEWER).body());
    HttpResponse<String> evidence = get("/api/alerts/" + id + "/evidence", VIEWER);
    JsonNode entity = JSON.readTree(get("/api/groups/payments/entities/acct-1", VIEWER).body());

    assertThat(alert.get("evidence")).hasSize(2);
    assertThat(alert.get("evidence").get(0).has("record")).isFalse();
    assertThat(evidence.statusCode()).isEqualTo(403);
    assertThat(JSON.readTree(evidence.body()).get("detail").asText()).contains("operator role");
    String state = entity.get("state").toString();
    assertThat(state)
        .doesNotContain("aa11", "bb22", "cc33", "dd44", "op-7", "op-6")
        .contains("node-a", "node-b", "\"version\":7");
    assertThat(entity.get("redacted").asText()).contains("operator");
    assertThat(get("/metrics", VIEWER).body()).contains("herald_alerts_total");
  }

  @Test
  void anOperatorSeesEvidenceAndFullEntityState() throws Exception {
    start(ApiAccess.of("127.0.0.1", TOKENS, Set.of()), 4);
    String id = alerts.all().get(0).getAlertId();

    JsonNode alert = JSON.readTree(get("/api/alerts/" + id, OPERATOR).body());
    HttpResponse<String> evidence = get("/api/alerts/" + id + "/evidence", OPERATOR);
    String entity = get("/api/groups/payments/entities/acct-1", OPERATOR).body();

    assertThat(alert.get("evidence").get(0).get("record").asText()).isNotEmpty();
    assertThat(evidence.statusCode()).isEqualTo(200);
    assertThat(entity).contains("aa11", "dd44", "op-7");
  }

  @Test
  void onlyAnOperatorMayChangeAnything() throws Exception {
    start(ApiAccess.of("127.0.0.1", TOKENS, Set.of()), 4);
    String id = alerts.all().get(0).getAlertId();

    HttpResponse<String> viewer = post("/api/alerts/" + id + "/ack", VIEWER);
    HttpResponse<String> operator = post("/api/alerts/" + id + "/ack", OPERATOR);

    assertThat(viewer.statusCode()).isEqualTo(403);
    assertThat(JSON.readTree(viewer.body()).get("detail").asText()).contains("operator role");
    assertThat(operator.statusCode()).isNotIn(401, 403); // past the gate (no such route yet: 404)
  }

  private HttpResponse<String> post(String path, String token)
      throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
            .header("Authorization", "Bearer " + token)
            .POST(HttpRequest.BodyPublishers.ofString("{}"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aForeignHostHeaderIsRefusedAgainstDnsRebinding() throws Exception {
    start(ApiAccess.of("127.0.0.1", null, Set.of("auditor.example")), 4);

    String rebound = rawGet("/api/alerts", "evil.example:" + server.port());
    String allowed = rawGet("/api/alerts", "auditor.example:" + server.port());
    String local = rawGet("/api/alerts", "localhost:" + server.port());

    assertThat(rebound).startsWith("HTTP/1.1 403").contains("host not allowed");
    assertThat(rebound).doesNotContain("node-c");
    assertThat(allowed).startsWith("HTTP/1.1 200");
    assertThat(local).startsWith("HTTP/1.1 200");
  }

  @Test
  void oneClientCannotHoldMoreStreamsThanItsLimit() throws Exception {
    start(ApiAccess.of("127.0.0.1", TOKENS, Set.of()), 2);
    List<HttpResponse<Stream<String>>> open = new ArrayList<>();
    try {
      for (int i = 0; i < 2; i++) {
        open.add(stream(VIEWER));
        assertThat(open.get(i).body().iterator().next()).isEqualTo(": connected");
      }

      HttpResponse<Stream<String>> third = stream(VIEWER);
      HttpResponse<Stream<String>> other = stream(OPERATOR);

      List<String> refused = third.body().limit(3).toList();
      assertThat(String.join("\n", refused)).contains("too many stream clients", "grafana");
      assertThat(other.body().iterator().next()).isEqualTo(": connected");
      other.body().close();
    } finally {
      open.forEach(r -> r.body().close());
    }
  }

  private HttpResponse<Stream<String>> stream(String token)
      throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/alerts/stream"))
            .header("Accept", "text/event-stream")
            .header("Authorization", "Bearer " + token)
            .build(),
        HttpResponse.BodyHandlers.ofLines());
  }

  /** The JDK client cannot set Host; a socket can. */
  private String rawGet(String path, String host) throws IOException {
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      s.setSoTimeout(5_000);
      OutputStream out = s.getOutputStream();
      out.write(
          ("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      BufferedReader in =
          new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
      StringBuilder sb = new StringBuilder();
      for (String line; (line = in.readLine()) != null; ) {
        sb.append(line).append('\n');
      }
      return sb.toString();
    }
  }

  @Test
  void tokenFilesAreValidatedNamingTheEntryAndKey() {
    assertThatThrownBy(() -> ApiTokens.parse("tokens:\n  - {name: a, role: admin, sha256: x}\n"))
        .hasMessageContaining("tokens[0].role: 'admin' is not one of viewer, operator");
    assertThatThrownBy(
            () -> ApiTokens.parse("tokens:\n  - {name: a, role: viewer, sha256: plaintext}\n"))
        .hasMessageContaining("tokens[0].sha256")
        .hasMessageContaining("not the token itself");
    assertThatThrownBy(() -> ApiTokens.parse("tokens: []\n")).hasMessageContaining("empty");
    String digest = "a".repeat(64);
    assertThatThrownBy(
            () ->
                ApiTokens.parse(
                    "tokens:\n  - name: a\n    role: viewer\n    sha256: "
                        + digest
                        + "\n    expires: 2027-01-01\n"))
        .hasMessageContaining("line 5")
        .hasMessageContaining("tokens[0].expires: unknown key; allowed: name, role, sha256");
    assertThatThrownBy(
            () ->
                ApiTokens.parse(
                    "tokens:\n  - {name: a, role: viewer, sha256: "
                        + digest
                        + "}\n  - {name: a, role: operator, sha256: "
                        + "b".repeat(64)
                        + "}\n"))
        .hasMessageContaining("tokens[1].name: 'a' is used twice");
    assertThatThrownBy(
            () ->
                ApiTokens.parse(
                    "tokens:\n  - {name: a, role: viewer, sha256: "
                        + digest
                        + "}\n  - {name: b, role: viewer, sha256: "
                        + digest.toUpperCase(Locale.ROOT)
                        + "}\n"))
        .hasMessageContaining("tokens[1].sha256")
        .hasMessageContaining("same token");
    assertThatThrownBy(() -> ApiTokens.parse("tokens:\n  - {role: viewer}\n"))
        .hasMessageContaining("tokens[0].name")
        .hasMessageContaining("required");
    assertThatThrownBy(() -> ApiTokens.parse("token: []\n"))
        .hasMessageContaining("token: unknown key; allowed: tokens");
    assertThatThrownBy(() -> ApiTokens.parse("tokens: [\n"))
        .hasMessageContaining("is not valid YAML");
    assertThatThrownBy(() -> ApiTokens.parse("")).hasMessageContaining("tokens: is required");
    assertThat(TOKENS.authenticate(VIEWER))
        .hasValue(new ApiTokens.Principal("grafana", ApiTokens.Role.VIEWER));
    assertThat(TOKENS.authenticate("short")).isEmpty();
  }
}
