package dev.herald.it.auditor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.auditor.HeraldAuditor;
import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.it.support.RunningAuditor;
import dev.herald.testsupport.DetectionScore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * An auditor instance is closed and started again on the same state directory in the middle of the
 * run: with exactly-once processing the alert set still equals the ground truth and no alert id is
 * published OPEN twice. A closed instance leaves its consumer groups, so that the next start does
 * not wait for the group to time it out.
 */
@Tag("slow")
class AuditorRestartIT {
  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @TempDir Path stateA;
  @TempDir Path stateB;

  @Test
  void restartingAnInstanceMidRunKeepsTheAlertSetExact() throws Exception {
    try (AuditorHarness h = new AuditorHarness(KAFKA.bootstrapServers(), "herald-it-restart");
        HeraldAuditor b = h.startInstance(stateB)) {
      HeraldAuditor a = h.startInstance(stateA);
      try {
        // Given: both instances audit the first half of the run
        h.fleet.registerAll();
        RunningAuditor.awaitRunning(Duration.ofSeconds(90), a, b);
        h.fleet.lastHeartbeatOfTheSilentNode();
        h.startClock();
        synchronized (h.fleet) {
          h.fleet.playRound(1);
          h.fleet.playRound(2);
        }
      } finally {
        // When: instance A stops mid-run ...
        a.close();
      }
      synchronized (h.fleet) {
        h.fleet.playRound(3);
      }
      // ... and starts again on its state directory while the run goes on
      try (HeraldAuditor again = h.startInstance(stateA)) {
        synchronized (h.fleet) {
          h.fleet.playRound(4);
        }
        RunningAuditor.awaitRunning(Duration.ofSeconds(90), again);

        // Then
        DetectionScore score = h.awaitGroundTruth(Duration.ofSeconds(120), Duration.ofSeconds(4));
        System.out.println("Auditor with a restart mid-run:\n" + score.table());
        assertThat(score.perfect()).as(score.table()).isTrue();
        AuditorEndToEndIT.assertNoAlertIdOpenTwice(h.alerts());
      }
    }
  }

  @Test
  void aClosedInstanceLeavesItsGroupsSoTheNextStartNeedNotWaitForItToTimeOut() throws Exception {
    String app = "herald-it-leave";
    try (AuditorHarness h = new AuditorHarness(KAFKA.bootstrapServers(), app);
        Admin admin =
            Admin.create(
                Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()))) {
      // Given: a running instance, a member of both of its applications' consumer groups
      HeraldAuditor a = h.startInstance(stateA);
      try {
        RunningAuditor.awaitRunning(Duration.ofSeconds(90), a);
        await()
            .atMost(Duration.ofSeconds(30))
            .untilAsserted(
                () -> {
                  assertThat(members(admin, app)).isPositive();
                  assertThat(members(admin, app + "-identity")).isPositive();
                });
      } finally {
        // When
        a.close();
      }

      // Then: neither group keeps it (a member that stays is dropped only after the group's
      // session timeout, 45 s, and until then a new instance's tasks wait for it)
      await()
          .atMost(Duration.ofSeconds(15))
          .untilAsserted(
              () -> {
                assertThat(members(admin, app)).isZero();
                assertThat(members(admin, app + "-identity")).isZero();
              });
    }
  }

  private static int members(Admin admin, String group) throws Exception {
    return admin
        .describeConsumerGroups(List.of(group))
        .describedGroups()
        .get(group)
        .get()
        .members()
        .size();
  }
}
