package dev.herald.it.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.auditor.AuditorConfig;
import dev.herald.auditor.HeraldAuditor;
import dev.herald.auditor.detect.AlertIds;
import dev.herald.infra.cli.HeraldCli;
import dev.herald.infra.demo.ScenarioPolicy;
import dev.herald.infra.registry.EmbeddedSchemaRegistry;
import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.producer.simulator.FaultType;
import dev.herald.producer.simulator.Scenario;
import dev.herald.producer.simulator.Simulator;
import dev.herald.schema.AlertStatus;
import dev.herald.schema.AlertType;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.ConsistencyVerdict;
import dev.herald.schema.ConsistencyWindow;
import dev.herald.schema.Topics;
import dev.herald.schema.VerdictOutcome;
import dev.herald.schema.registry.RestSchemaRegistryClient;
import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.truth.ExpectedAlert;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The consistency SLO end to end, on a fresh real KRaft broker per test: the simulator's replicas
 * report through the real reporter SDK, the real auditor writes one verdict per closed version to
 * {@code herald.verdicts.v1}, and {@code herald flink --job consistency} (MiniCluster, bounded,
 * exactly-once sink) turns them into {@code herald.consistency.v1}, which the still running auditor
 * turns into {@code CONSISTENCY_BURN} alerts on {@code herald.alerts.v1} when the burn-rate alert
 * fires.
 *
 * <p>One window, one burn-rate window: {@code --consistency-window 1d --burn-fast 1d --burn-slow
 * 1d}, so each figure is the whole run's (a run that crosses midnight UTC yields two, and the
 * assertions hold for each and for their sum). The burn threshold is 2 against a 99.9 % target: one
 * diverged version in fewer than 500 burns at least 2.
 */
@Tag("slow")
class ConsistencySloIT {
  @RegisterExtension final KafkaBrokerExtension kafka = KafkaBrokerExtension.perTest(true);

  private static final String GROUP = "g1";
  private static final long EVENTS = 150;

  @TempDir Path state;

  private static Scenario scenario(List<Scenario.FaultSpec> faults) {
    return Scenario.builder()
        .seed(19)
        .groups(1)
        .replicas(3)
        .entities(20)
        .rate(50)
        .spacing(Duration.ofMillis(300))
        .faults(faults)
        .build();
  }

  @Test
  void injectedDivergenceYieldsAFigureBelowTheTargetAndABurnRateAlert() {
    // Given the auditor and replicas of which some diverge on a few versions
    Run run =
        run(scenario(List.of(Scenario.FaultSpec.count(FaultType.DIVERGENCE, 3))), "div", true);
    long injected = run.truth().stream().filter(t -> t.type().equals("DIVERGENCE")).count();
    assertThat(injected).isPositive();

    // Then every figure of the group is below the target and raises the burn-rate alert
    assertThat(run.figures()).isNotEmpty();
    long versions = run.figures().stream().mapToLong(ConsistencyWindow::getVersions).sum();
    long good = run.figures().stream().mapToLong(ConsistencyWindow::getAgreedWithin).sum();
    long diverged =
        run.figures().stream().mapToLong(f -> f.getOutcomes().getOrDefault("DIVERGED", 0L)).sum();
    System.out.println(
        "Consistency with "
            + injected
            + " injected divergence(s): "
            + good
            + " of "
            + versions
            + " versions agreed by every replica within 5 s; figures "
            + run.figures());
    assertThat(diverged).isEqualTo(injected);
    assertThat(versions - good).isGreaterThanOrEqualTo(injected);
    assertThat((double) good / versions).isLessThan(0.999);
    assertThat(run.figures())
        .filteredOn(f -> f.getOutcomes().getOrDefault("DIVERGED", 0L) > 0)
        .isNotEmpty()
        .allSatisfy(
            f -> {
              assertThat(f.getShare()).isLessThan(f.getTarget());
              assertThat(f.getNinesAtLeast()).isFalse();
              assertThat(f.getFastBurnRate()).isGreaterThanOrEqualTo(2.0);
              assertThat(f.getSlowBurnRate()).isGreaterThanOrEqualTo(2.0);
              assertThat(f.getBurnAlert()).isTrue();
            });

    // And the auditor turned the burning figure into a signed CONSISTENCY_BURN alert for the group
    assertThat(run.burnAlerts()).isNotEmpty();
    AuditAlert first = run.burnAlerts().get(0);
    System.out.println("Burn-rate alert: " + first.getStatus() + " " + first.getDetail());
    assertThat(first.getStatus()).isEqualTo(AlertStatus.OPEN);
    assertThat(first.getNodes()).isEmpty();
    assertThat(first.getAlertId())
        .isEqualTo(
            AlertIds.alertId(
                AlertIds.identityKey(AlertType.CONSISTENCY_BURN, GROUP, null, null, List.of()), 1));
    assertThat(first.getDetail()).contains("within 5000 ms", "target 0.999");
    assertThat(first.getAuditorSignature()).isNotNull();
  }

  @Test
  void aRunWithoutFaultsIsAHundredPercentWithinFiveSeconds() {
    // Given the auditor and honest replicas only
    Run run = run(scenario(List.of()), "clean", false);

    // Then every closed version was agreed by every replica within M, and nothing alerts
    assertThat(run.verdicts())
        .isNotEmpty()
        .allSatisfy(
            v -> {
              assertThat(v.getOutcome()).isEqualTo(VerdictOutcome.AGREED);
              assertThat(v.getReplicasAgreeing()).isEqualTo(3);
              assertThat(v.getMsToAgreement()).isBetween(0L, 5_000L);
            });
    assertThat(run.figures()).isNotEmpty();
    long versions = run.figures().stream().mapToLong(ConsistencyWindow::getVersions).sum();
    System.out.println("Consistency without faults: figures " + run.figures());
    assertThat(versions).isEqualTo(run.verdicts().size());
    assertThat(run.figures())
        .allSatisfy(
            f -> {
              assertThat(f.getShare()).isEqualTo(1.0);
              assertThat(f.getAgreedWithin()).isEqualTo(f.getVersions());
              assertThat(f.getWithinMs()).isEqualTo(5_000L);
              assertThat(f.getNinesAtLeast()).isTrue();
              assertThat(f.getNines()).isEqualTo(Math.log10(f.getVersions()));
              assertThat(f.getFastBurnRate()).isZero();
              assertThat(f.getBurnAlert()).isFalse();
            });

    // And no CONSISTENCY_BURN alert: the group's first one is the sentinel's, a burning figure the
    // test wrote after the job's (same partition, so the auditor read the job's first)
    assertThat(run.burnAlerts()).isNotEmpty();
    assertThat(run.burnAlerts().get(0).getDetail()).contains(SENTINEL_WINDOW);
    assertThat(run.burnAlerts())
        .allSatisfy(a -> assertThat(a.getDetail()).contains(SENTINEL_WINDOW));
  }

  private record Run(
      List<ExpectedAlert> truth,
      List<ConsistencyVerdict> verdicts,
      List<ConsistencyWindow> figures,
      List<AuditAlert> burnAlerts) {}

  /** The window of the sentinel figure the no-fault run writes after the job's. */
  private static final String SENTINEL_WINDOW = "window [0, 86400000)";

  /**
   * Runs the auditor and the simulator, waits until the auditor has judged every version, stops the
   * auditor, runs the consistency job over the verdicts, starts the auditor again (it reads the
   * job's figures) and collects the group's CONSISTENCY_BURN alerts: once one is published if
   * {@code burns}, else after writing a burning sentinel figure for the group behind the job's,
   * once the sentinel's alert is out.
   */
  private Run run(Scenario scenario, String id, boolean burns) {
    try (EmbeddedSchemaRegistry registryServer =
        EmbeddedSchemaRegistry.builder()
            .bootstrapServers(kafka.bootstrapServers())
            .port(0)
            .start()) {
      SchemaRegistryClient client = new RestSchemaRegistryClient(registryServer.url(), Map.of());
      AvroWireFormat<ConsistencyVerdict> verdictFormat =
          new AvroWireFormat<>(ConsistencyVerdict.class, client);
      List<ExpectedAlert> truth;
      AuditorConfig config =
          AuditorConfig.builder()
              .bootstrapServers(kafka.bootstrapServers())
              .applicationId("herald-it-slo-" + id)
              .stateDir(state)
              .policy(ScenarioPolicy.assumedBy(scenario, ScenarioPolicy.DEMO_IN_FLIGHT))
              .schemaRegistry(client)
              .build();
      try (HeraldAuditor auditor = HeraldAuditor.start(config)) {
        assertThat(auditor.awaitRunning(Duration.ofSeconds(90))).as(auditor.state()).isTrue();
        // When the simulator runs and the auditor has judged every version it reported
        long divergences;
        try (Simulator sim =
            Simulator.builder()
                .bootstrapServers(kafka.bootstrapServers())
                .schemaRegistry(client)
                .scenario(scenario)
                .build()) {
          sim.registerNodes();
          sim.runEvents(EVENTS);
          truth = sim.groundTruth();
        }
        divergences = truth.stream().filter(t -> t.type().equals("DIVERGENCE")).count();
        await()
            .atMost(Duration.ofSeconds(90))
            .until(
                () -> {
                  List<ConsistencyVerdict> seen = verdicts(verdictFormat);
                  return seen.size() >= EVENTS
                      && seen.stream()
                              .filter(v -> v.getOutcome() == VerdictOutcome.DIVERGED)
                              .count()
                          == divergences;
                });
      }
      // the auditor is stopped: the verdicts are final before the job reads them
      List<ConsistencyVerdict> verdicts = verdicts(verdictFormat);
      // one verdict per closed version: keys never repeat
      assertThat(
              verdicts.stream()
                  .map(v -> v.getGroup() + "/" + v.getEntityKey() + "#" + v.getVersion())
                  .distinct()
                  .count())
          .isEqualTo(verdicts.size());
      int exit =
          HeraldCli.run(
              "flink",
              "--job",
              "consistency",
              "--bootstrap-server",
              kafka.bootstrapServers(),
              "--schema-registry-url",
              registryServer.url(),
              "--bounded",
              "--checkpoint-interval",
              "1s",
              "--consistency-window",
              "1d",
              "--burn-fast",
              "1d",
              "--burn-slow",
              "1d",
              "--burn-threshold",
              "2",
              "--id",
              "slo-" + id);
      assertThat(exit).isZero();
      AvroWireFormat<ConsistencyWindow> figureFormat =
          new AvroWireFormat<>(ConsistencyWindow.class, client);
      List<ConsistencyWindow> figures =
          TopicReader.readAll(
                  kafka.bootstrapServers(),
                  Topics.CONSISTENCY,
                  r -> figureFormat.deserialize(r.topic(), r.value()))
              .stream()
              .filter(f -> f.getGroup().equals(GROUP))
              .toList();
      // the auditor again (same application, same state): it reads the job's figures
      AvroWireFormat<AuditAlert> alertFormat = new AvroWireFormat<>(AuditAlert.class, client);
      try (HeraldAuditor auditor = HeraldAuditor.start(config)) {
        assertThat(auditor.awaitRunning(Duration.ofSeconds(90))).as(auditor.state()).isTrue();
        if (!burns) {
          writeSentinel(client);
        }
        await().atMost(Duration.ofSeconds(90)).until(() -> !burnAlerts(alertFormat).isEmpty());
        return new Run(truth, verdicts, figures, burnAlerts(alertFormat));
      }
    }
  }

  /**
   * A burning figure for the group over [0, 1 d), keyed by the group as the job keys its figures
   * (so it lands on the same partition, behind them).
   */
  private void writeSentinel(SchemaRegistryClient client) {
    ConsistencyWindow sentinel =
        ConsistencyWindow.newBuilder()
            .setGroup(GROUP)
            .setWindowStart(Instant.EPOCH)
            .setWindowEnd(Instant.ofEpochMilli(86_400_000))
            .setWithinMs(5_000)
            .setVersions(100)
            .setAgreedWithin(90)
            .setShare(0.9)
            .setNines(1.0)
            .setNinesAtLeast(false)
            .setOutcomes(Map.of("AGREED", 90L, "DIVERGED", 10L))
            .setTarget(0.999)
            .setFastWindowMs(86_400_000)
            .setFastBurnRate(100)
            .setSlowWindowMs(86_400_000)
            .setSlowBurnRate(100)
            .setBurnThreshold(2)
            .setBurnAlert(true)
            .setGeneratedAt(Instant.now())
            .build();
    byte[] value =
        new AvroWireFormat<>(ConsistencyWindow.class, client)
            .serialize(Topics.CONSISTENCY, sentinel);
    try (KafkaProducer<byte[], byte[]> producer =
        CrashScenario.producer(kafka.bootstrapServers())) {
      producer.send(
          new ProducerRecord<>(Topics.CONSISTENCY, GROUP.getBytes(StandardCharsets.UTF_8), value));
      producer.flush();
    }
  }

  private List<AuditAlert> burnAlerts(AvroWireFormat<AuditAlert> format) {
    return TopicReader.readAll(
            kafka.bootstrapServers(), Topics.ALERTS, r -> format.deserialize(r.topic(), r.value()))
        .stream()
        .filter(a -> a.getType() == AlertType.CONSISTENCY_BURN && a.getGroup().equals(GROUP))
        .toList();
  }

  private List<ConsistencyVerdict> verdicts(AvroWireFormat<ConsistencyVerdict> format) {
    return TopicReader.readAll(
            kafka.bootstrapServers(),
            Topics.VERDICTS,
            r -> format.deserialize(r.topic(), r.value()))
        .stream()
        .filter(v -> v.getGroup().equals(GROUP))
        .toList();
  }
}
