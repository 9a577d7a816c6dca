package dev.herald.it.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.herald.infra.cli.HeraldCli;
import dev.herald.infra.demo.Demo;
import dev.herald.infra.demo.DemoScenario;
import dev.herald.infra.report.OscalValidator;
import dev.herald.it.support.HeraldRun;
import dev.herald.producer.simulator.Scenario;
import dev.herald.schema.truth.ExpectedAlert;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the demo entry point headless, as {@code herald demo} does, for one round of its scenario
 * (compressed to about a minute and a half), then checks through the REST API that an alert of
 * every injected type exists and that every alert raised is one the simulator injected (its ground
 * truth, matched by identity), that the dashboard page loads, and that a risk report renders from
 * what the Flink jobs published, as HTML and as OSCAL assessment results that validate, and that an
 * alert of the demo's auditor verifies with {@code herald verify --require-auditor-signature} (its
 * registered key, its inclusion in a signed tree head) and its log with {@code herald audit-log
 * check}.
 */
@Tag("slow")
class DemoIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();

  @TempDir Path dataDir;
  @TempDir Path reportDir;

  @Test
  void theDemoShowsEveryInjectedFaultTypeOnTheDashboardAndRendersARiskReport() throws Exception {
    // Given the bundled scenario, compressed into one short round
    Scenario scenario =
        DemoScenario.mixedFaults().toBuilder()
            .duration(Duration.ofSeconds(75))
            .spacing(Duration.ofSeconds(3))
            .build();
    ByteArrayOutputStream steps = new ByteArrayOutputStream();

    // When the demo runs it
    try (Demo demo =
        Demo.start(
            new Demo.Options(dataDir, 0, 0, 0, scenario, scenario.duration(), true, true),
            new PrintStream(steps, true, StandardCharsets.UTF_8))) {
      demo.awaitSimulator();
      assertThat(demo.simulatorFailure()).isNull();

      // Then every alert type the simulator injected shows up through the REST API
      Set<String> injected =
          demo.simulator().groundTruth().stream()
              .map(ExpectedAlert::type)
              .filter(t -> !ExpectedAlert.NON_ALERT_TYPES.contains(t))
              .collect(Collectors.toCollection(TreeSet::new));
      assertThat(injected)
          .as("every alert type of the scenario injected in its one round")
          .hasSize(alertTypesOf(scenario));
      String base = demo.dashboardUrl();
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofSeconds(1))
          .untilAsserted(
              () ->
                  assertThat(alerts(base))
                      .extracting(ExpectedAlert.Identity::type)
                      .containsAll(injected));

      // And every alert raised is one the simulator injected (precision), by identity
      Set<ExpectedAlert.Identity> truth =
          demo.simulator().groundTruth().stream()
              .map(ExpectedAlert::identity)
              .collect(Collectors.toSet());
      assertThat(alerts(base)).isNotEmpty().allSatisfy(a -> assertThat(truth).contains(a));

      // And the malformed records were dead-lettered, not lost
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(() -> assertThat(demo.summary().dlq()).isPositive());

      // And the dashboard page loads
      HttpResponse<String> page = get(base);
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.body()).contains("Herald");

      // And a risk report renders from the Flink jobs' output
      await()
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofSeconds(2))
          .until(() -> JSON.readTree(get(base + "api/risk").body()).size() > 0);
      for (String format : List.of("html", "oscal")) {
        int exit =
            HeraldCli.run(
                "report",
                "--group",
                "g1",
                "--window",
                "24h",
                "-o",
                format,
                "--out",
                reportDir.toString(),
                "--bootstrap-server",
                demo.bootstrapServers(),
                "--schema-registry-url",
                demo.registryUrl());
        assertThat(exit).as(format).isZero();
      }
      assertThat(Files.readString(reportDir.resolve("herald-report-g1-24h.html")))
          .contains("<svg")
          .contains("27001");
      // And its OSCAL assessment results validate (schema and constraints)
      Path oscal = reportDir.resolve("herald-report-g1-24h.oscal.json");
      OscalValidator.Result validation = OscalValidator.validate(oscal);
      assertThat(validation.valid()).as(validation.findings().toString()).isTrue();
      assertThat(Files.readString(oscal)).contains("\"findings\"", "iso27001-a.8.14");

      // And an alert the demo auditor published verifies end to end: signed by its registered
      // key, included in its log under a signed tree head (5 s apart: the report took longer)
      JsonNode alert =
          signedAlerts(base).stream()
              .filter(a -> Set.of("EQUIVOCATION", "DIVERGENCE").contains(a.path("type").asText()))
              .findFirst()
              .orElseThrow();
      String keyId = alert.path("auditorKeyId").asText();
      assertThat(steps.toString(StandardCharsets.UTF_8))
          .contains("signing alerts as " + Demo.AUDITOR_ID + " (key id " + keyId)
          .contains(dataDir.resolve(Demo.AUDITOR_KEY_FILE).toString());
      HeraldRun verified =
          herald(demo, "verify", alert.path("alertId").asText(), "--require-auditor-signature");
      assertThat(verified.code()).as(verified.out() + verified.err()).isZero();
      assertThat(verified.out())
          .contains("signed by auditor " + Demo.AUDITOR_ID + " key " + keyId)
          .containsPattern("auditor inclusion +OK");
      // And its log only grew
      HeraldRun consistent =
          herald(demo, "audit-log", "check", "--log-id", alert.path("logId").asText());
      assertThat(consistent.code()).as(consistent.out() + consistent.err()).isZero();
      assertThat(consistent.out()).contains("CONSISTENT").doesNotContain("FAILED");
      System.out.println(verified.out() + consistent.out());
    }
    assertThat(steps.toString(StandardCharsets.UTF_8)).contains("[1/8]").contains("[8/8]");
  }

  /** {@code herald ARGS} in process, against the demo's broker and schema registry. */
  private static HeraldRun herald(Demo demo, String... args) {
    return HeraldRun.against(demo.bootstrapServers(), demo.registryUrl(), args);
  }

  /** The alerts the REST API lists that carry an auditor's signature (all of them, here). */
  private List<JsonNode> signedAlerts(String base) throws Exception {
    JsonNode page = JSON.readTree(get(base + "api/alerts?limit=500").body());
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode a : page.path("alerts")) {
      assertThat(a.path("auditorId").asText()).as(a.toString()).isEqualTo(Demo.AUDITOR_ID);
      out.add(a);
    }
    return out;
  }

  /** The identities (ExpectedAlert's rules) of the alerts the REST API lists. */
  private List<ExpectedAlert.Identity> alerts(String base) throws Exception {
    JsonNode page = JSON.readTree(get(base + "api/alerts?limit=500").body());
    assertThat(page.path("total").asInt()).as("all alerts on one page").isLessThanOrEqualTo(500);
    List<ExpectedAlert.Identity> out = new ArrayList<>();
    for (JsonNode a : page.path("alerts")) {
      if (ExpectedAlert.DERIVED_ALERT_TYPES.contains(a.path("type").asText())) {
        continue; // follows from injected faults; ConsistencySloIT scores it
      }
      List<String> nodes = new ArrayList<>();
      a.path("nodes").forEach(n -> nodes.add(n.asText()));
      out.add(
          new ExpectedAlert.Identity(
              a.path("type").asText(),
              a.path("group").isNull() ? "" : a.path("group").asText(),
              a.path("entityKey").isNull() ? null : a.path("entityKey").asText(),
              a.path("version").isNull() ? null : a.path("version").asLong(),
              nodes.stream().sorted().toList()));
    }
    return out;
  }

  private static int alertTypesOf(Scenario scenario) {
    return (int)
        scenario.faults().stream()
            .map(f -> f.type().expectedType())
            .filter(t -> !ExpectedAlert.NON_ALERT_TYPES.contains(t))
            .distinct()
            .count();
  }

  private HttpResponse<String> get(String url) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
