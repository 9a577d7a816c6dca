package dev.herald.it.adversarial;

import static dev.herald.it.adversarial.Verdict.alert;
import static dev.herald.it.adversarial.Verdict.deadLetter;
import static org.awaitility.Awaitility.await;

import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.schema.ReportBatch;
import dev.herald.schema.StateChange;
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
 * Security review #1: a writer chooses its records' timestamps on a CreateTime topic (the broker
 * accepts up to an hour ahead, and any time back), and must not thereby move the auditor's clock.
 * Both attacks run on input topics as {@code herald topics create} made them before issue #13
 * ({@code message.timestamp.type=CreateTime}): the auditor must defend itself there too.
 */
@Tag("slow")
class FutureTimestampAttackIT {
  static final String PAY = "pay";
  static final List<String> NODES = List.of("n1", "n2", "n3");

  /** A budget small enough that a frozen clock starves honest nodes within seconds. */
  static final String POLICY =
      """
      defaults:
        heartbeat:
          silenceThreshold: 30s
        rateBudget:
          reportsPerSecond: 100
          burst: 300
      """;

  @RegisterExtension final KafkaBrokerExtension kafka = KafkaBrokerExtension.perTest(false);

  @TempDir Path stateDir;

  /**
   * One junk byte stamped now + 58 min on the partition of an open version (n1 has reported it, n2
   * and n3 not yet) must be one BAD_MAGIC_BYTE dead letter and nothing else: no version closes
   * early (NO_QUORUM, REPLICA_LAG), no node's budget is frozen (FLOOD after 300 reports), and a
   * divergence and a lagging replica played afterwards on that partition are still detected.
   */
  @Test
  void aFutureStampedJunkByteIsOneDeadLetterAndMovesNoClock() throws Exception {
    try (AttackRange range =
        AttackRange.on(kafka, "adv-future-junk")
            .policy(POLICY)
            .inputTopicsCreateTime()
            .start(stateDir)) {
      AttackFleet fleet = range.fleet();
      int p = 2;
      List<String> accounts = AttackFleet.entitiesOn(PAY, p, "acct", 8);
      range.warmUp(PAY, NODES, accounts, 3);

      // When: n1 has reported version 4; one byte stamped +58 min; then n2 and n3 report it
      fleet.round(PAY, List.of("n1"), accounts, 4);
      AttackFleet.Sent junk =
          fleet.sendRaw(
              Topics.STATE_CHANGES,
              p,
              System.currentTimeMillis() + 3_500_000,
              "attacker",
              new byte[] {1});
      fleet.round(PAY, List.of("n2", "n3"), accounts, 4);
      // ... honest traffic goes on at 80 reports/s per node (budget: 100/s): 320 more reports,
      // over what a frozen budget allows (its burst, 300)
      for (long v = 5; v <= 44; v++) {
        fleet.round(PAY, NODES, accounts, v);
        AttackRange.pace(Duration.ofMillis(100));
      }
      // ... and two honest faults on that partition: n3 diverges, n2 misses a version
      String div = fleet.divergence(PAY, NODES, "n3", p);
      String lag = AttackFleet.entitiesOn(PAY, p, "lag", 1).get(0);
      fleet.round(PAY, NODES, List.of(lag), 1, (n, sc) -> n.equals("n2") ? null : sc);

      // Then
      range
          .verdict("future-stamped junk byte")
          .expect(deadLetter("BAD_MAGIC_BYTE").at(junk))
          .expect(alert("DIVERGENCE").group(PAY).entity(div).version(1).nodes("n3"))
          .expect(alert("REPLICA_LAG").group(PAY).nodes("n2"))
          .check();
    }
  }

  /**
   * After {@code herald nodes rotate n1}, a holder of n1's rotated-out key signs a batch now and
   * stamps its record with the rotation's registration time, on a partition that has seen no batch
   * since the auditor started. The old key must not verify it: it is a dead letter (FORGED, or
   * STALE_REPLAY), at most a FORGED_REPORT episode with n1 as the victim, and it is never counted
   * (it would open version 1 of its entity alone and close it as NO_QUORUM, or vote a divergent
   * claim in n1's name). A divergence played on that partition afterwards is still detected.
   */
  @Test
  void aRotatedOutKeyCannotSignUnderABackdatedTimestamp() throws Exception {
    try (AttackRange range =
        AttackRange.on(kafka, "adv-future-rotated")
            .policy(POLICY)
            .keyRotationGrace(Duration.ofSeconds(2))
            .inputTopicsCreateTime()
            .start(stateDir)) {
      AttackFleet fleet = range.fleet();
      int busy = 1;
      int idle = 4;
      List<String> accounts = AttackFleet.entitiesOn(PAY, busy, "acct", 4);
      range.warmUp(PAY, NODES, accounts, 1);
      AttackFleet.Rotation rotation = range.rotate("n1");
      fleet.round(PAY, NODES, accounts, 2); // n1 signs with its new key
      // the rotation's grace (the report grace, 2 s) is long over
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> System.currentTimeMillis() > rotation.registeredAtMs() + 5_000);

      // When: a batch signed now with the old key, stamped with the rotation time, on the idle
      // partition, claiming another state than the one n2, n3 and n1 (new key) then report
      String stolen = AttackFleet.entitiesOn(PAY, idle, "stolen", 1).get(0);
      StateChange claim = AttackFleet.diverged("n1", PAY, stolen, 1, "thief");
      ReportBatch forged =
          AttackFleet.batch(
              "n1",
              idle,
              List.of(claim),
              rotation.oldKey(),
              fleet.nextSeq("n1", idle),
              Instant.now());
      AttackFleet.Sent attack =
          fleet.sendRaw(
              Topics.STATE_CHANGES, idle, rotation.registeredAtMs(), "n1", fleet.encode(forged));
      fleet.round(PAY, NODES, List.of(stolen), 1);
      // ... then n3 diverges on that partition
      String div = fleet.divergence(PAY, NODES, "n3", idle);

      // Then
      range
          .verdict("rotated-out key, backdated record")
          .expect(deadLetter("FORGED", "STALE_REPLAY").at(attack))
          .allow(alert("FORGED_REPORT").nodes("n1").attribute("role", "victim"))
          .expect(alert("DIVERGENCE").group(PAY).entity(div).version(1).nodes("n3"))
          .check();
    }
  }
}
