package dev.herald.it.flink;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.herald.flink.io.RegistrySpec;
import dev.herald.infra.cli.HeraldCli;
import dev.herald.infra.registry.EmbeddedSchemaRegistry;
import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.schema.AvailabilityScope;
import dev.herald.schema.AvailabilityWindow;
import dev.herald.schema.DeadLetter;
import dev.herald.schema.Topics;
import dev.herald.schema.serde.AvroWireFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end on a real KRaft broker and Herald's schema registry over HTTP: a node crashes for a
 * known interval; {@code herald flink} (both jobs, MiniCluster, exactly-once sinks) measures its
 * downtime, and {@code herald report} lists the outage and the incident with their controls.
 */
@Tag("slow")
class FlinkEndToEndIT {
  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  private static final long SILENCE_MS = 15_000;
  private static final long WINDOW_MS = 60_000;
  private static final CrashScenario SCENARIO = CrashScenario.recent(20, 5, 270_000);
  private static EmbeddedSchemaRegistry registryServer;
  private static RegistrySpec registry;

  @BeforeAll
  static void runTheJobsOverTheScenario() {
    // Given Herald's own schema registry over HTTP, as in production
    registryServer =
        EmbeddedSchemaRegistry.builder().bootstrapServers(KAFKA.bootstrapServers()).port(0).start();
    registry = RegistrySpec.parse(registryServer.url());
    SCENARIO.produce(KAFKA.bootstrapServers(), registry);
    // When
    int exit =
        HeraldCli.run(
            "flink",
            "--bootstrap-server",
            KAFKA.bootstrapServers(),
            "--schema-registry-url",
            registry.location(),
            "--bounded",
            "--checkpoint-interval",
            "1s",
            "--silence",
            "15s",
            "--id",
            "e2e");
    assertThat(exit).isZero();
  }

  @AfterAll
  static void stopRegistry() {
    if (registryServer != null) {
      registryServer.close();
    }
  }

  @Test
  void crashedNodesMeasuredDowntimeMatchesTheInjectedOneWithinOneWindow() {
    AvroWireFormat<AvailabilityWindow> format =
        new AvroWireFormat<>(AvailabilityWindow.class, registry.connect());
    List<AvailabilityWindow> windows =
        TopicReader.readAll(
            KAFKA.bootstrapServers(),
            Topics.AVAILABILITY,
            r -> format.deserialize(r.topic(), r.value()));
    long measured = downtime(windows, "n2");
    long injected = SCENARIO.crashTo() - SCENARIO.crashFrom();
    assertThat(measured).isCloseTo(injected, org.assertj.core.data.Offset.offset(WINDOW_MS));
    assertThat(measured).isEqualTo(SCENARIO.expectedDowntimeMs(SILENCE_MS));
    assertThat(downtime(windows, "n1")).isZero();
    assertThat(downtime(windows, "n3")).isZero();
  }

  @Test
  void undecodableRecordGoesToTheDeadLetterTopicWithItsReason() {
    AvroWireFormat<DeadLetter> format = new AvroWireFormat<>(DeadLetter.class, registry.connect());
    List<DeadLetter> dead =
        TopicReader.readAll(
            KAFKA.bootstrapServers(), Topics.DLQ, r -> format.deserialize(r.topic(), r.value()));
    // both jobs read the topic, each dead-letters it once
    assertThat(dead)
        .filteredOn(d -> d.getComponent().equals("flink"))
        .extracting(DeadLetter::getReason)
        .containsExactly("BAD_MAGIC_BYTE", "BAD_MAGIC_BYTE");
    assertThat(dead.get(0).getTopic()).isEqualTo(Topics.HEARTBEATS);
  }

  @Test
  void reportListsTheOutageTheIncidentAndTheirControls(@TempDir Path out) throws Exception {
    // When
    for (String format : List.of("json", "html", "csv")) {
      int exit =
          HeraldCli.run(
              "report",
              "--bootstrap-server",
              KAFKA.bootstrapServers(),
              "--schema-registry-url",
              registry.location(),
              "--group",
              CrashScenario.GROUP,
              "--window",
              "24h",
              "-o",
              format,
              "--out",
              out.toString());
      assertThat(exit).isZero();
    }
    // Then
    JsonNode json =
        new ObjectMapper().readTree(out.resolve("herald-report-payments-24h.json").toFile());
    JsonNode outage = json.get("outages").get(0);
    assertThat(json.get("outages")).hasSize(1);
    assertThat(outage.get("nodeId").asText()).isEqualTo("n2");
    assertThat(outage.get("durationMs").asLong())
        .isEqualTo(SCENARIO.expectedDowntimeMs(SILENCE_MS));
    assertThat(json.get("integrityIncidents").get("EQUIVOCATION").asLong()).isEqualTo(1);
    JsonNode controls = json.get("controls");
    assertThat(controls.findValuesAsText("figure"))
        .contains("EQUIVOCATION", "outages", "riskScore");
    for (JsonNode c : controls) {
      if (c.get("figure").asText().equals("EQUIVOCATION")) {
        assertThat(c.get("iso27001").toString()).contains("5.25", "5.28");
        assertThat(c.get("iec62443").toString()).contains("FR3");
      }
    }
    assertThat(json.get("sloMet").asBoolean()).isFalse();
    String html = Files.readString(out.resolve("herald-report-payments-24h.html"));
    assertThat(html).contains("<svg", "n2", "EQUIVOCATION").doesNotContain("<script");
    assertThat(Files.readAllLines(out.resolve("herald-report-payments-24h.csv")))
        .anyMatch(l -> l.startsWith("outage,NODE,n2,"));
    int weekly =
        HeraldCli.run(
            "report",
            "--bootstrap-server",
            KAFKA.bootstrapServers(),
            "--schema-registry-url",
            registry.location(),
            "--group",
            CrashScenario.GROUP,
            "--window",
            "7d",
            "-o",
            "json",
            "--out",
            out.toString());
    assertThat(weekly).isZero();
    JsonNode week =
        new ObjectMapper().readTree(out.resolve("herald-report-payments-7d.json").toFile());
    assertThat(week.get("outages").get(0).get("durationMs").asLong())
        .isEqualTo(SCENARIO.expectedDowntimeMs(SILENCE_MS));
  }

  @Test
  void reportWithoutDataFailsWithOneLineAndAHint(@TempDir Path out) {
    int exit =
        HeraldCli.run(
            "report",
            "--bootstrap-server",
            KAFKA.bootstrapServers(),
            "--schema-registry-url",
            registry.location(),
            "--group",
            "no-such-group",
            "--out",
            out.toString());
    assertThat(exit).isEqualTo(HeraldCli.EXIT_FAILURE);
  }

  @Test
  void flinkWithAnInvalidOptionFailsAsAUsageError() {
    int exit =
        HeraldCli.run(
            "flink",
            "--bootstrap-server",
            KAFKA.bootstrapServers(),
            "--window",
            "soon",
            "--bounded");
    assertThat(exit).isEqualTo(HeraldCli.EXIT_USAGE);
  }

  static long downtime(List<AvailabilityWindow> windows, String node) {
    return windows.stream()
        .filter(w -> w.getScope() == AvailabilityScope.NODE && w.getScopeId().equals(node))
        .mapToLong(AvailabilityWindow::getDowntimeMs)
        .sum();
  }
}
