package dev.herald.it.adversarial;

import static dev.herald.it.adversarial.Verdict.alert;
import static dev.herald.it.adversarial.Verdict.deadLetter;

import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.schema.HeartbeatStatus;
import dev.herald.schema.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Security review #6: heartbeats with a signer-chosen clock, written to partitions that are not the
 * node's, and replayed. One skewed node must not make the others silent, and a node that stops is
 * always reported.
 */
@Tag("slow")
class HeartbeatAttackIT {
  static final String PAY = "pay";
  static final List<String> NODES = List.of("n1", "n2", "n3");
  static final String POLICY =
      """
      defaults:
        heartbeat:
          silenceThreshold: 5s
      """;

  @RegisterExtension final KafkaBrokerExtension kafka = KafkaBrokerExtension.perTest(false);

  @TempDir Path stateDir;

  /**
   * n3 signs one heartbeat with an event time ten days ahead and writes it to every heartbeat
   * partition. The copies outside n3's partition are MISPLACED; nobody else falls silent; and when
   * n3 then stops, it is reported silent.
   */
  @Test
  void aFutureEventTimeInEveryPartitionSilencesNobodyAndHidesNobody() throws Exception {
    try (AttackRange range =
        AttackRange.on(kafka, "adv-heartbeat-future").policy(POLICY).start(stateDir)) {
      AttackFleet fleet = range.fleet();
      range.warmUp(PAY, NODES, AttackFleet.entitiesOn(PAY, 0, "acct", 2), 1);

      // When
      byte[] future =
          fleet.encode(
              fleet.heartbeat(
                  "n3",
                  fleet.nextHeartbeatSeq("n3"),
                  Instant.now().plus(Duration.ofDays(10)),
                  HeartbeatStatus.UP));
      int own = AttackFleet.heartbeatPartitionOf("n3");
      Verdict verdict = range.verdict("heartbeat stamped +10 days in every partition");
      for (int p = 0; p < AttackFleet.PARTITIONS; p++) {
        AttackFleet.Sent sent = fleet.sendRaw(Topics.HEARTBEATS, p, null, "n3", future);
        if (p == own) {
          verdict.allow(deadLetter().at(sent)); // the contract leaves it to the auditor
        } else {
          verdict.expect(deadLetter("MISPLACED").at(sent));
        }
      }
      // ... the others keep beating for more than a silence threshold; then n3 stops
      AttackRange.pace(Duration.ofSeconds(6));
      range.silence("n3");

      // Then
      verdict.expect(alert("NODE_SILENT").nodes("n3")).check();
    }
  }

  /**
   * (b) One of n1's heartbeats is replayed into another partition: MISPLACED, and n1 is never
   * silent there. (c) n2 restarts (a STOPPING heartbeat, then UP again), then crashes; its old
   * STOPPING heartbeat is replayed: a REPLAY that must not hide the crash — n2 is reported silent.
   */
  @Test
  void replayedHeartbeatsNeitherSilenceAnHonestNodeNorHideACrash() throws Exception {
    try (AttackRange range =
        AttackRange.on(kafka, "adv-heartbeat-replay").policy(POLICY).start(stateDir)) {
      AttackFleet fleet = range.fleet();
      range.warmUp(PAY, NODES, AttackFleet.entitiesOn(PAY, 0, "acct", 2), 1);

      // When (b)
      AttackFleet.Sent recorded = fleet.heartbeat("n1", HeartbeatStatus.UP);
      int elsewhere = (AttackFleet.heartbeatPartitionOf("n1") + 1) % AttackFleet.PARTITIONS;
      AttackFleet.Sent misplaced =
          fleet.sendRaw(Topics.HEARTBEATS, elsewhere, null, "n1", recorded.value());
      // ... (c) n2 restarts, runs, and crashes; its STOPPING heartbeat is replayed
      range.silence("n2");
      AttackFleet.Sent stopping = fleet.heartbeat("n2", HeartbeatStatus.STOPPING);
      fleet.heartbeat("n2", HeartbeatStatus.UP);
      range.heartbeats("n2");
      AttackRange.pace(Duration.ofSeconds(2));
      range.silence("n2");
      AttackFleet.Sent replayed =
          fleet.sendRaw(Topics.HEARTBEATS, stopping.partition(), null, "n2", stopping.value());

      // Then
      range
          .verdict("heartbeat replays")
          .expect(deadLetter("MISPLACED").at(misplaced))
          .expect(deadLetter("REPLAY").at(replayed))
          .expect(alert("NODE_SILENT").nodes("n2"))
          .check();
    }
  }
}
