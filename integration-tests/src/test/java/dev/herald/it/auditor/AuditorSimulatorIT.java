package dev.herald.it.auditor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.auditor.HeraldAuditor;
import dev.herald.auditor.policy.AuditPolicy;
import dev.herald.infra.demo.ScenarioPolicy;
import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.it.support.RunningAuditor;
import dev.herald.producer.simulator.FaultType;
import dev.herald.producer.simulator.FaultWindow;
import dev.herald.producer.simulator.Scenario;
import dev.herald.producer.simulator.Simulator;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.truth.ExpectedAlert;
import dev.herald.testsupport.DetectionScore;
import dev.herald.testsupport.Scenarios;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The producers module's simulator as ground truth: every fault type injected into 3 groups of 5
 * replicas reporting through the real reporter SDK, audited by two auditor instances with the
 * policy the scenario assumes; one instance is closed and started again on its state directory
 * while a node is silent (the simulation waits for the restart, so the silent window spans it). The
 * alert set must equal the simulator's ground truth (precision = recall = 1.0 for every type,
 * printed as a table) and no alert id may be published OPEN twice.
 */
@Tag("slow")
class AuditorSimulatorIT {
  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  private static final int ALERT_TYPES =
      (int)
          Arrays.stream(FaultType.values())
              .map(FaultType::expectedType)
              .filter(t -> !ExpectedAlert.NON_ALERT_TYPES.contains(t))
              .distinct()
              .count();

  @TempDir Path stateA;
  @TempDir Path stateB;
  @TempDir Path dir;

  @Test
  void alertsEqualTheSimulatorsGroundTruth() throws Exception {
    Scenario scenario = Scenarios.fastWithAnAuditor(2026);
    AuditPolicy policy =
        ScenarioPolicy.assumedBy(scenario, ScenarioPolicy.TESTS_IN_FLIGHT, 1 << 20);
    AtomicReference<HeraldAuditor> b = new AtomicReference<>();
    AtomicReference<HeraldAuditor> again = new AtomicReference<>();
    AtomicReference<FaultWindow> silentAtRestart = new AtomicReference<>();
    AtomicReference<Instant> restartedAt = new AtomicReference<>();
    try (AuditorHarness h = new AuditorHarness(KAFKA.bootstrapServers(), "herald-it-sim", policy);
        HeraldAuditor a = h.startInstance(stateA);
        Simulator sim =
            Simulator.builder()
                .bootstrapServers(KAFKA.bootstrapServers())
                .schemaRegistry(h.schemas)
                .scenario(scenario)
                .truthFile(dir.resolve("truth.jsonl"))
                // when the node goes silent, instance B is closed and started again on its state
                // directory; the simulation waits meanwhile, so the node stays silent throughout
                .windowListener(
                    w -> {
                      if (w.type() == FaultType.SILENT && !w.closed() && again.get() == null) {
                        silentAtRestart.set(w);
                        b.get().close();
                        again.set(h.startInstance(stateB));
                        restartedAt.set(Instant.now());
                      }
                    })
                .build()) {
      // Given two instances sharing the partitions
      b.set(h.startInstance(stateB));
      RunningAuditor.awaitRunning(Duration.ofSeconds(90), a, b.get());
      sim.registerNodes();

      // When the simulator runs every fault, and instance B restarts while a node is silent
      long started = System.nanoTime();
      Simulator.Summary summary;
      try {
        summary = sim.runEvents(6_000);
        assertThat(again.get()).as("instance B restarted during the silent window").isNotNull();
        RunningAuditor.awaitRunning(Duration.ofSeconds(90), again.get());
      } catch (Exception | AssertionError e) {
        if (again.get() != null) {
          again.get().close();
        }
        throw e;
      }
      FaultWindow silent =
          sim.faultWindows().stream()
              .filter(w -> w.nodeId().equals(silentAtRestart.get().nodeId()))
              .filter(w -> w.start().equals(silentAtRestart.get().start()))
              .findFirst()
              .orElseThrow();
      assertThat(silent.end())
          .as("the node was still silent after the restart")
          .isAfter(restartedAt.get());
      List<ExpectedAlert> truth = sim.groundTruth();

      // Then (the simulator keeps heartbeating until closed, which keeps stream time moving)
      DetectionScore score =
          h.awaitGroundTruth(() -> truth, Duration.ofSeconds(120), Duration.ofSeconds(4));
      System.out.println(
          "Auditor vs simulator ground truth, 2 instances (one restarted mid-run), "
              + summary
              + ", settled "
              + (System.nanoTime() - started) / 1_000_000
              + " ms after the run started:\n"
              + score.table());
      for (AuditAlert alert : h.alerts()) {
        if (score.unexpected().contains(ExpectedAlert.identityOf(alert))) {
          System.out.println(
              "unexpected alert "
                  + alert.getStatus()
                  + " "
                  + alert.getType()
                  + " "
                  + alert.getNodes()
                  + " firstEventTime="
                  + alert.getFirstEventTime()
                  + " detectedAt="
                  + alert.getDetectedAt()
                  + " detail="
                  + alert.getDetail());
        }
      }
      assertThat(score.rows())
          .as("one row per alert type of the ground truth (every type injected)")
          .hasSize(ALERT_TYPES)
          .allSatisfy(
              r -> {
                assertThat(r.precision()).as(r.type() + " precision").isEqualTo(1.0);
                assertThat(r.recall()).as(r.type() + " recall").isEqualTo(1.0);
              });
      AuditorEndToEndIT.assertNoAlertIdOpenTwice(h.alerts());
      again.get().close();
    }
  }
}
