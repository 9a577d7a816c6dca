package dev.herald.it.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.it.support.AuditedBroker;
import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.testsupport.DetectionScore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The auditor runs as {@code herald auditor} in its own JVM and is killed with SIGKILL in the
 * middle of the run, between the faults, then restarted on the same state directory. Exactly-once
 * processing must make the crash invisible: the alert set equals the ground truth and no alert id
 * is published OPEN twice.
 */
@Tag("slow")
class AuditorCrashIT {
  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @TempDir Path dir;

  @Test
  void sigkillOfTheAuditorMidRunLosesAndDuplicatesNoAlert() throws Exception {
    String bootstrap = KAFKA.bootstrapServers();
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(policy, "defaults:\n  heartbeat:\n    silenceThreshold: 90s\n");
    Path log = Path.of("target", "auditor-crash-it.log").toAbsolutePath();
    Files.deleteIfExists(log);
    try (AuditedBroker stack = AuditedBroker.start(KAFKA.clientProperties())) {
      SignedFleet fleet = new SignedFleet(stack.producer(), stack.schemas(), 30, 8);
      // the dead member's partitions move after its session times out: keep that short
      Path clientConfig = dir.resolve("client.properties");
      Files.writeString(clientConfig, "session.timeout.ms=10000\nheartbeat.interval.ms=1000\n");
      List<String> args =
          List.of(
              "--command-config",
              clientConfig.toString(),
              "--bootstrap-server",
              bootstrap,
              "--application-id",
              "herald-it-crash",
              "--state-dir",
              dir.resolve("state").toString(),
              "--schema-registry-url",
              stack.registryUrl(),
              "--policy",
              policy.toString(),
              "--http-port", // no dashboard: a fixed port could be taken on the test machine
              "-1");

      // Given: the auditor in its own JVM audits the first half of the run
      fleet.registerAll();
      AuditorProcess first = AuditorProcess.start(log, args);
      int before;
      try {
        first.awaitRunning(Duration.ofSeconds(120), 1);
        fleet.keepAlive(stack.clock());
        for (int v = 1; v <= 4; v++) {
          fleet.playRound(v);
        }
        // some alerts are out, the rest of the run is not
        before =
            org.awaitility.Awaitility.await()
                .atMost(Duration.ofSeconds(60))
                .until(() -> stack.alerts().alerts().size(), n -> n >= 1);
        fleet.playRound(5);
      } finally {
        // When: SIGKILL, mid-run
        int exit = first.kill();
        assertThat(exit).as("exit code of a SIGKILLed JVM").isEqualTo(137);
      }
      fleet.playRound(6);
      // ... and a restart on the same state directory while the run goes on
      try (AuditorProcess second = AuditorProcess.start(log, args)) {
        fleet.playRound(7);
        fleet.playRound(8);
        second.awaitRunning(Duration.ofSeconds(240), 2);

        // Then
        DetectionScore score =
            stack
                .alerts()
                .awaitGroundTruth(
                    fleet::groundTruth, Duration.ofSeconds(180), Duration.ofSeconds(4));
        System.out.println(
            "CRASH alerts before the kill: " + before + "; after the restart:\n" + score.table());
        System.out.println("CRASH duplicated OPEN alerts: " + stack.alerts().duplicates());
        assertThat(score.perfect()).as(score.table()).isTrue();
        stack.alerts().assertNoAlertIdOpenTwice();
      }
    }
  }
}
