package dev.herald.it.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.herald.auditor.HeraldAuditor;
import dev.herald.auditor.policy.PolicyLoader;
import dev.herald.infra.registry.EmbeddedSchemaRegistry;
import dev.herald.it.reliability.AlertLog;
import dev.herald.it.support.HeraldRun;
import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.it.support.RunningAuditor;
import dev.herald.producer.HeraldReporter;
import dev.herald.producer.Operation;
import dev.herald.producer.ReportReceipt;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.registry.RestSchemaRegistryClient;
import dev.herald.schema.truth.ExpectedAlert;
import dev.herald.testsupport.DetectionScore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reporter in another language, built from {@code docs/producer-protocol.md} alone, against a
 * real broker, the embedded schema registry and the real auditor:
 *
 * <ol>
 *   <li>three nodes get keys from {@code herald nodes keygen} (which {@code openssl pkey} reads)
 *       and are registered with {@code herald nodes register};
 *   <li>the Python reporter ({@code examples/python-reporter/replicas.py}) plays n1 and n2, the
 *       Java SDK plays n3, all reporting the same states — binary doubles, a non-ASCII string, 1e23
 *       — for four entities; n1 reports another state for one version, n2 signs two different
 *       reports for one version;
 *   <li>the alerts are exactly one DIVERGENCE naming n1 and one EQUIVOCATION naming n2 (nothing
 *       against anyone else: the Python and the Java replicas hash alike), every report except the
 *       second claim is accepted, no batch is forged, nothing is dead-lettered, and {@code herald
 *       verify} accepts the evidence of both alerts.
 * </ol>
 */
@Tag("slow")
class PythonReporterIT {
  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String GROUP = "payments";
  private static final String RUN = "it";
  private static final int ENTITIES = 4;

  @TempDir Path dir;
  @TempDir Path stateDir;

  @Test
  void pythonReportsAreAuditedLikeJavaOnesAndItsLiesAreCaughtWithVerifiableEvidence()
      throws Exception {
    String python = PythonReporter.python();
    String bootstrap = KAFKA.bootstrapServers();
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (EmbeddedSchemaRegistry registry =
            EmbeddedSchemaRegistry.builder().bootstrapServers(bootstrap).port(0).start();
        AlertLog alerts =
            new AlertLog(
                KAFKA.clientProperties(), new RestSchemaRegistryClient(registry.url(), Map.of()))) {
      // Given: three registered nodes whose key files any tool reads
      for (String node : List.of("n1", "n2", "n3")) {
        Path key = dir.resolve(node + ".pem");
        HeraldRun.succeeds("nodes", "keygen", "--node-id", node, "--out", key.toString());
        assertThat(Openssl.pkeyNoout(key)).as("openssl pkey -in " + key + " -noout").isZero();
        HeraldRun.succeeds(
            "nodes",
            "register",
            "--node-id",
            node,
            "--key",
            key.toString(),
            "--group",
            GROUP,
            "--region",
            "eu-west",
            "--bootstrap-server",
            bootstrap,
            "--schema-registry-url",
            registry.url());
      }
      try (HeraldAuditor auditor =
          RunningAuditor.start(
              RunningAuditor.config(
                      bootstrap,
                      "herald-it-python-reporter",
                      stateDir,
                      PolicyLoader.parse(
                          "defaults:\n  reportGrace: 30s\n  heartbeat:\n    silenceThreshold: 60s\n"),
                      registry.url())
                  .meters(meters))) {
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () ->
                    List.of("n1", "n2", "n3").stream()
                        .allMatch(n -> auditor.queries().registeredNode(n).isPresent()));

        // When: Python plays n1 (diverges) and n2 (equivocates), Java plays n3 honestly
        Path expected = dir.resolve("expected.jsonl");
        Path pythonLog = dir.resolve("replicas.log");
        Process replicas =
            PythonReporter.script(
                    python,
                    "replicas.py",
                    List.of(
                        "--bootstrap",
                        bootstrap,
                        "--registry",
                        registry.url(),
                        "--group",
                        GROUP,
                        "--node",
                        "n1=" + dir.resolve("n1.pem"),
                        "--node",
                        "n2=" + dir.resolve("n2.pem"),
                        "--run",
                        RUN,
                        "--entities",
                        Integer.toString(ENTITIES),
                        "--diverge",
                        "n1",
                        "--equivocate",
                        "n2",
                        "--expected",
                        expected.toString()))
                .redirectError(pythonLog.toFile())
                .start();
        try {
          int javaReports = playHonestly(bootstrap, registry.url(), dir.resolve("n3.pem"));
          BufferedReader out =
              new BufferedReader(
                  new InputStreamReader(replicas.getInputStream(), StandardCharsets.UTF_8));
          String summaryLine = out.readLine();
          assertThat(summaryLine)
              .as("replicas.py summary; its log:\n%s", log(pythonLog))
              .isNotNull();
          JsonNode summary = JSON.readTree(summaryLine);
          int pythonReports = summary.get("reports_sent").asInt();

          // Then: exactly the two lies, attributed to their liars
          List<ExpectedAlert> truth = new ArrayList<>();
          for (String line : Files.readAllLines(expected)) {
            JsonNode a = JSON.readTree(line);
            List<String> nodes = new ArrayList<>();
            a.get("nodes").forEach(n -> nodes.add(n.asText()));
            truth.add(
                new ExpectedAlert(
                    a.get("type").asText() + "-" + a.get("entityKey").asText(),
                    a.get("type").asText(),
                    a.get("group").asText(),
                    a.get("entityKey").asText(),
                    a.get("version").asLong(),
                    nodes,
                    0));
          }
          assertThat(truth).extracting(ExpectedAlert::type).contains("DIVERGENCE", "EQUIVOCATION");
          DetectionScore score =
              alerts.awaitGroundTruth(() -> truth, Duration.ofSeconds(90), Duration.ofSeconds(3));
          assertThat(score.perfect()).as(score.table()).isTrue();

          // ... every honest report accepted, nothing forged or dead-lettered
          double accepted = counter(meters, "herald_reports", "outcome", "accepted");
          assertThat(accepted)
              .as("reports accepted: all but n2's second claim")
              .isEqualTo(pythonReports - 1 + javaReports);
          assertThat(counter(meters, "herald_batches", "outcome", "forged")).isZero();
          assertThat(counter(meters, "herald_batches", "outcome", "unknown_node")).isZero();
          assertThat(
                  meters.find("herald_dead_letters").counters().stream()
                      .mapToDouble(Counter::count)
                      .sum())
              .as("dead letters")
              .isZero();
          assertThat(counter(meters, "herald_heartbeats", "outcome", "accepted")).isPositive();

          // ... and herald verify accepts the evidence of both
          List<AuditAlert> raised = alerts.alerts();
          for (String type : List.of("DIVERGENCE", "EQUIVOCATION")) {
            AuditAlert alert =
                raised.stream()
                    .filter(a -> a.getType().name().equals(type))
                    .findFirst()
                    .orElseThrow();
            assertThat(alert.getEvidence()).as(type + " evidence").isNotEmpty();
            HeraldRun.succeeds(
                "verify",
                alert.getAlertId(),
                "--bootstrap-server",
                bootstrap,
                "--schema-registry-url",
                registry.url());
          }
        } finally {
          replicas.getOutputStream().close(); // replicas.py stops (STOPPING heartbeats) and exits
          if (!replicas.waitFor(60, TimeUnit.SECONDS)) {
            replicas.destroyForcibly();
          }
        }
        assertThat(replicas.exitValue()).as("replicas.py exit; log:\n%s", log(pythonLog)).isZero();
      }
    }
  }

  /** The plan of replicas.py, reported by the Java SDK as an honest n3; returns reports sent. */
  private static int playHonestly(String bootstrap, String registryUrl, Path key) throws Exception {
    List<Map.Entry<String, Integer>> plan = new ArrayList<>();
    for (int i = 1; i <= ENTITIES; i++) {
      plan.add(Map.entry("acct-" + RUN + "-" + i, 3));
    }
    plan.add(Map.entry("div-" + RUN, 2));
    plan.add(Map.entry("eqv-" + RUN, 2));
    List<CompletableFuture<ReportReceipt>> sent = new ArrayList<>();
    try (HeraldReporter n3 =
        HeraldReporter.builder()
            .nodeId("n3")
            .group(GROUP)
            .region("eu-west")
            .privateKey(key)
            .bootstrapServers(bootstrap)
            .schemaRegistry(new RestSchemaRegistryClient(registryUrl, Map.of()))
            .build()) {
      for (int version = 1; version <= 3; version++) {
        for (Map.Entry<String, Integer> entity : plan) {
          if (version <= entity.getValue()) {
            sent.add(
                n3.report(
                    entity.getKey(),
                    version,
                    version == 1 ? null : state(version - 1),
                    state(version),
                    Operation.of("op-" + version, Map.of("type", "deposit", "amount", 0.1))));
          }
        }
      }
      n3.flush();
      CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    }
    return sent.size();
  }

  /** replicas.py's state at {@code version}: binary doubles, a non-ASCII string, 1e23. */
  private static Map<String, Object> state(int version) {
    Map<String, Object> state = new LinkedHashMap<>();
    state.put("owner", "\u00e5sa");
    state.put("balance", version * 0.1 + 0.2);
    state.put("limit", 1e23);
    state.put("tags", List.of("vip", "eu"));
    return state;
  }

  private static double counter(SimpleMeterRegistry meters, String name, String... tags) {
    Counter c = meters.find(name).tags(tags).counter();
    return c == null ? 0 : c.count();
  }

  private static String log(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file) : "(none)";
    } catch (java.io.IOException e) {
      return e.toString();
    }
  }
}
