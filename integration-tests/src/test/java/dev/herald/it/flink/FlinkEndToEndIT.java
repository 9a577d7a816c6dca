package dev.herald.it.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.herald.auditor.AuditorConfig;
import dev.herald.auditor.HeraldAuditor;
import dev.herald.flink.io.RegistrySpec;
import dev.herald.infra.cli.HeraldCli;
import dev.herald.infra.demo.ScenarioPolicy;
import dev.herald.infra.registry.EmbeddedSchemaRegistry;
import dev.herald.infra.report.OscalValidator;
import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.producer.simulator.FaultType;
import dev.herald.producer.simulator.FaultWindow;
import dev.herald.producer.simulator.Scenario;
import dev.herald.producer.simulator.SimulatedNode;
import dev.herald.producer.simulator.Simulator;
import dev.herald.schema.AlertType;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.AvailabilityScope;
import dev.herald.schema.AvailabilityWindow;
import dev.herald.schema.DeadLetter;
import dev.herald.schema.Heartbeat;
import dev.herald.schema.Topics;
import dev.herald.schema.registry.RestSchemaRegistryClient;
import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.truth.ExpectedAlert;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end on a real KRaft broker and Herald's schema registry over HTTP, with the producers
 * module's {@link Simulator} as the source and its ground truth: three replicas of group {@code g1}
 * report and heartbeat through the real reporter SDK; the simulator crashes one of them for a known
 * interval ({@code silent} fault: neither heartbeats nor reports, {@link Simulator#faultWindows()})
 * and makes one equivocate, which the real auditor turns into an alert. Then {@code herald flink}
 * (both jobs, MiniCluster, exactly-once sinks) measures the crashed node's downtime, and {@code
 * herald report} lists the outage and the incident with their ISO/IEC 27001 and IEC 62443 controls.
 */
@Tag("slow")
class FlinkEndToEndIT {
  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  private static final Duration SILENCE = Duration.ofSeconds(5);
  private static final Duration WINDOW = Duration.ofSeconds(10);
  private static final String GROUP = "g1";
  private static final Scenario SCENARIO =
      Scenario.builder()
          .seed(2026)
          .groups(1)
          .replicas(3)
          .entities(20)
          .rate(20)
          .silenceThreshold(SILENCE)
          .silentWindow(Duration.ofSeconds(15))
          .spacing(Duration.ofSeconds(3))
          .faults(
              List.of(
                  Scenario.FaultSpec.count(FaultType.SILENT, 1),
                  Scenario.FaultSpec.count(FaultType.EQUIVOCATION, 1)))
          .build();
  private static EmbeddedSchemaRegistry registryServer;
  private static RegistrySpec registry;
  private static FaultWindow crash;
  private static List<ExpectedAlert> truth;
  private static List<String> nodes;

  @BeforeAll
  static void runTheSimulatorTheAuditorAndTheJobs(@TempDir Path state) {
    // Given Herald's own schema registry over HTTP, as in production, and the real auditor
    registryServer =
        EmbeddedSchemaRegistry.builder().bootstrapServers(KAFKA.bootstrapServers()).port(0).start();
    registry = RegistrySpec.parse(registryServer.url());
    SchemaRegistryClient client = new RestSchemaRegistryClient(registryServer.url(), Map.of());
    try (HeraldAuditor auditor =
        HeraldAuditor.start(
            AuditorConfig.builder()
                .bootstrapServers(KAFKA.bootstrapServers())
                .applicationId("herald-it-flink-e2e")
                .stateDir(state)
                .policy(ScenarioPolicy.assumedBy(SCENARIO, ScenarioPolicy.DEMO_IN_FLIGHT))
                .schemaRegistry(client)
                .build())) {
      assertThat(auditor.awaitRunning(Duration.ofSeconds(90))).as(auditor.state()).isTrue();
      // When the simulator runs its scenario: one crash, one equivocation
      try (Simulator sim =
          Simulator.builder()
              .bootstrapServers(KAFKA.bootstrapServers())
              .schemaRegistry(client)
              .scenario(SCENARIO)
              .build()) {
        sim.registerNodes();
        sim.run(Duration.ofSeconds(30));
        nodes = sim.nodes().stream().map(SimulatedNode::nodeId).toList();
        truth = sim.groundTruth();
        crash =
            sim.faultWindows().stream()
                .filter(w -> w.type() == FaultType.SILENT)
                .findFirst()
                .orElseThrow();
      }
      // the auditor has published the equivocation before the jobs read the alerts
      AvroWireFormat<AuditAlert> alerts = new AvroWireFormat<>(AuditAlert.class, client);
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  TopicReader.readAll(
                          KAFKA.bootstrapServers(),
                          Topics.ALERTS,
                          r -> alerts.deserialize(r.topic(), r.value()))
                      .stream()
                      .anyMatch(
                          a ->
                              a.getType() == AlertType.EQUIVOCATION && a.getGroup().equals(GROUP)));
    }
    produceUndecodableHeartbeat();
    // When the jobs process what is there
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
            "--window",
            WINDOW.toSeconds() + "s",
            "--silence",
            SILENCE.toSeconds() + "s",
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
    List<AvailabilityWindow> windows = availabilityWindows();
    long measured = downtime(windows, crash.nodeId());
    long injected = crash.length().toMillis();
    System.out.println(
        "Simulated crash of "
            + crash.nodeId()
            + " from "
            + crash.start()
            + " to "
            + crash.end()
            + " ("
            + injected
            + " ms); measured downtime "
            + measured
            + " ms in "
            + WINDOW.toSeconds()
            + " s windows, silence "
            + SILENCE.toSeconds()
            + " s");
    assertThat(truth)
        .filteredOn(t -> t.type().equals("NODE_SILENT"))
        .singleElement()
        .satisfies(t -> assertThat(t.nodes()).containsExactly(crash.nodeId()));
    assertThat(measured).isPositive();
    assertThat(measured).isCloseTo(injected, Offset.offset(WINDOW.toMillis()));
    // exactly the downtime model over the node's heartbeats around the crash: from its last one
    // before the crash plus the silence threshold, to its first one after
    List<Long> beats = heartbeatTimes(crash.nodeId());
    long lastBefore =
        beats.stream()
            .filter(t -> t <= crash.start().toEpochMilli())
            .max(Long::compare)
            .orElseThrow();
    long firstAfter =
        beats.stream()
            .filter(t -> t >= crash.end().toEpochMilli())
            .min(Long::compare)
            .orElseThrow();
    assertThat(beats).noneMatch(t -> t > lastBefore && t < firstAfter);
    assertThat(measured).isEqualTo(firstAfter - (lastBefore + SILENCE.toMillis()));
    for (String other : nodes) {
      if (!other.equals(crash.nodeId())) {
        assertThat(downtime(windows, other)).as("downtime of " + other).isZero();
      }
    }
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
        .extracting(DeadLetter::getReason, DeadLetter::getTopic)
        .containsExactly(
            tuple("BAD_MAGIC_BYTE", Topics.HEARTBEATS), tuple("BAD_MAGIC_BYTE", Topics.HEARTBEATS));
  }

  @Test
  void reportListsTheOutageTheIncidentAndTheirControls(@TempDir Path out) throws Exception {
    // When
    for (String format : List.of("json", "html", "csv", "oscal")) {
      int exit =
          HeraldCli.run(
              "report",
              "--bootstrap-server",
              KAFKA.bootstrapServers(),
              "--schema-registry-url",
              registry.location(),
              "--group",
              GROUP,
              "--window",
              "24h",
              "-o",
              format,
              "--out",
              out.toString());
      assertThat(exit).isZero();
    }
    // Then the outage of the crashed node, as measured, within one window of the injected crash
    long measured = downtime(availabilityWindows(), crash.nodeId());
    JsonNode json =
        new ObjectMapper().readTree(out.resolve("herald-report-" + GROUP + "-24h.json").toFile());
    assertThat(json.get("outages")).hasSize(1);
    JsonNode outage = json.get("outages").get(0);
    assertThat(outage.get("nodeId").asText()).isEqualTo(crash.nodeId());
    assertThat(outage.get("durationMs").asLong()).isEqualTo(measured);
    assertThat(Instant.parse(outage.get("end").asText()).toEpochMilli())
        .isCloseTo(crash.end().toEpochMilli(), Offset.offset(WINDOW.toMillis()));
    // and the incident the auditor raised from the simulator's equivocation
    long equivocations = truth.stream().filter(t -> t.type().equals("EQUIVOCATION")).count();
    assertThat(equivocations).isOne();
    assertThat(json.get("integrityIncidents").get("EQUIVOCATION").asLong())
        .isEqualTo(equivocations);
    JsonNode controls = json.get("controls");
    assertThat(controls.findValuesAsText("figure"))
        .contains("outages", "availability", "EQUIVOCATION", "riskScore");
    for (JsonNode c : controls) {
      switch (c.get("figure").asText()) {
        case "outages" -> {
          assertThat(c.get("iso27001").toString()).contains("5.30", "8.14", "8.16");
          assertThat(c.get("iec62443").toString()).contains("FR6", "FR7");
        }
        case "EQUIVOCATION" -> {
          assertThat(c.get("iso27001").toString()).contains("5.25", "5.28");
          assertThat(c.get("iec62443").toString()).contains("FR3");
        }
        default -> {}
      }
    }
    assertThat(json.get("sloMet").asBoolean()).isFalse();
    String html = Files.readString(out.resolve("herald-report-" + GROUP + "-24h.html"));
    assertThat(html)
        .contains("<svg", crash.nodeId(), "EQUIVOCATION", "FR7")
        .contains("Alerts opened per hour", "Changed since the previous report")
        .doesNotContain("<script");
    assertThat(Files.readAllLines(out.resolve("herald-report-" + GROUP + "-24h.csv")))
        .anyMatch(l -> l.startsWith("outage,NODE," + crash.nodeId() + ","));
    // and the OSCAL assessment results validate, and cite the equivocation's alert id as evidence
    Path oscal = out.resolve("herald-report-" + GROUP + "-24h.oscal.json");
    OscalValidator.Result validation = OscalValidator.validate(oscal);
    assertThat(validation.valid()).as(validation.findings().toString()).isTrue();
    String equivocationId;
    try (SchemaRegistryClient client = registry.connect()) {
      AvroWireFormat<AuditAlert> alerts = new AvroWireFormat<>(AuditAlert.class, client);
      equivocationId =
          TopicReader.readAll(
                  KAFKA.bootstrapServers(),
                  Topics.ALERTS,
                  r -> alerts.deserialize(r.topic(), r.value()))
              .stream()
              .filter(a -> a.getType() == AlertType.EQUIVOCATION && a.getGroup().equals(GROUP))
              .findFirst()
              .orElseThrow()
              .getAlertId();
    }
    JsonNode results =
        new ObjectMapper().readTree(oscal.toFile()).at("/assessment-results/results/0");
    assertThat(results.get("observations").toString()).contains("herald verify " + equivocationId);
    assertThat(results.get("findings").findValuesAsText("target-id"))
        .contains("iso27001-a.5.25", "iso27001-a.8.14", "iec62443-fr3", "iec62443-fr7");
    int weekly =
        HeraldCli.run(
            "report",
            "--bootstrap-server",
            KAFKA.bootstrapServers(),
            "--schema-registry-url",
            registry.location(),
            "--group",
            GROUP,
            "--window",
            "7d",
            "-o",
            "json",
            "--out",
            out.toString());
    assertThat(weekly).isZero();
    JsonNode week =
        new ObjectMapper().readTree(out.resolve("herald-report-" + GROUP + "-7d.json").toFile());
    assertThat(week.get("outages").get(0).get("durationMs").asLong()).isEqualTo(measured);
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

  private static List<AvailabilityWindow> availabilityWindows() {
    AvroWireFormat<AvailabilityWindow> format =
        new AvroWireFormat<>(AvailabilityWindow.class, registry.connect());
    return TopicReader.readAll(
        KAFKA.bootstrapServers(),
        Topics.AVAILABILITY,
        r -> format.deserialize(r.topic(), r.value()));
  }

  /** Event times of every heartbeat of {@code nodeId}, as written. */
  private static List<Long> heartbeatTimes(String nodeId) {
    AvroWireFormat<Heartbeat> format = new AvroWireFormat<>(Heartbeat.class, registry.connect());
    byte[] key = nodeId.getBytes(StandardCharsets.UTF_8);
    return TopicReader.readAll(
            KAFKA.bootstrapServers(),
            Topics.HEARTBEATS,
            r -> Arrays.equals(r.key(), key) ? format.deserialize(r.topic(), r.value()) : null)
        .stream()
        .filter(Objects::nonNull)
        .map(h -> h.getEventTime().toEpochMilli())
        .toList();
  }

  /** One record on the heartbeats topic that is not a wire-format Avro record at all. */
  private static void produceUndecodableHeartbeat() {
    Properties props = KAFKA.clientProperties();
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      producer.send(
          new ProducerRecord<>(
              Topics.HEARTBEATS,
              "garbage".getBytes(StandardCharsets.UTF_8),
              "not avro".getBytes(StandardCharsets.UTF_8)));
      producer.flush();
    }
  }

  static long downtime(List<AvailabilityWindow> windows, String node) {
    return windows.stream()
        .filter(w -> w.getScope() == AvailabilityScope.NODE && w.getScopeId().equals(node))
        .mapToLong(AvailabilityWindow::getDowntimeMs)
        .sum();
  }
}
