package dev.herald.it.auditor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.auditor.HeraldAuditor;
import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.it.support.RunningAuditor;
import dev.herald.schema.AlertStatus;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.DeadLetter;
import dev.herald.testsupport.DetectionScore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end on a real in-process KRaft broker: two auditor instances with one application id,
 * signed batches through a real producer with one fault of every type injected, and the ground
 * truth they produce. The alert set must equal the ground truth: precision = recall = 1.0 per type.
 */
@Tag("slow")
class AuditorEndToEndIT {
  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @TempDir Path stateA;
  @TempDir Path stateB;

  @Test
  void twoInstancesRaiseExactlyTheGroundTruth() throws Exception {
    try (AuditorHarness h = new AuditorHarness(KAFKA.bootstrapServers(), "herald-it-e2e");
        HeraldAuditor a = h.startInstance(stateA);
        HeraldAuditor b = h.startInstance(stateB)) {
      // Given
      h.fleet.registerAll();
      RunningAuditor.awaitRunning(Duration.ofSeconds(90), a, b);
      h.fleet.lastHeartbeatOfTheSilentNode();
      h.startClock();

      // When
      long started = System.nanoTime();
      synchronized (h.fleet) {
        for (long v = 1; v <= ReplicaFleet.VERSIONS; v++) {
          h.fleet.playRound(v);
        }
      }

      // Then
      DetectionScore score = h.awaitGroundTruth(Duration.ofSeconds(90), Duration.ofSeconds(4));
      long settledMs = (System.nanoTime() - started) / 1_000_000;
      System.out.println(
          "Auditor end to end, 2 instances (alert set equal to the ground truth and stable after "
              + settledMs
              + " ms):\n"
              + score.table());
      assertThat(score.rows())
          .allSatisfy(
              r -> {
                assertThat(r.precision()).as(r.type() + " precision").isEqualTo(1.0);
                assertThat(r.recall()).as(r.type() + " recall").isEqualTo(1.0);
              });
      assertThat(score.rows()).hasSize(14);
      assertNoAlertIdOpenTwice(h.alerts());
      // the read API: each instance serves the entities and open alerts of its own tasks
      assertThat(
              Stream.of(a, b)
                  .map(x -> x.queries().entity(ReplicaFleet.PAY, "e-div"))
                  .flatMap(Optional::stream)
                  .toList())
          .singleElement()
          .satisfies(e -> assertThat(e.openVersions()).isEmpty());
      assertThat(
              Stream.of(a, b)
                  .flatMap(x -> x.queries().openAlerts().stream())
                  .map(x -> x.getType().name())
                  .toList())
          .contains("DIVERGENCE", "REPLICA_LAG", "NODE_SILENT", "FLOOD");
      assertThat(h.deadLetters())
          .extracting(DeadLetter::getReason)
          .contains("BAD_MAGIC_BYTE", "FLOOD");
    }
  }

  static void assertNoAlertIdOpenTwice(List<AuditAlert> alerts) {
    Map<String, Integer> opens = new HashMap<>();
    for (AuditAlert a : alerts) {
      if (a.getStatus() == AlertStatus.OPEN) {
        opens.merge(a.getAlertId(), 1, Integer::sum);
      }
    }
    assertThat(opens).allSatisfy((id, n) -> assertThat(n).as("OPEN records of " + id).isOne());
  }
}
