package dev.herald.it.adversarial;

import static dev.herald.it.adversarial.Verdict.alert;
import static dev.herald.it.adversarial.Verdict.deadLetter;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.schema.ReportBatch;
import dev.herald.schema.Topics;
import dev.herald.schema.canonical.Hashing;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Security review #5: framing an honest node with its own validly signed batches — copied to
 * another partition, replayed after a key rotation, or re-encoded into distinct wire bytes and
 * replayed many times. None of it may raise an alert naming the signer, or charge its budget; the
 * copies are dead letters that blame nobody (or, for exact re-deliveries, idempotent).
 */
@Tag("slow")
class ReplayFramingAttackIT {
  static final String PAY = "pay";
  static final List<String> NODES = List.of("n1", "n2", "n3");

  @RegisterExtension final KafkaBrokerExtension kafka = KafkaBrokerExtension.perTest(false);

  @TempDir Path stateDir;

  /** n1's batch copied to another partition is MISPLACED (the partition is in the signed bytes). */
  @Test
  void aCopyInAnotherPartitionIsMisplacedAndBlamesNobody() throws Exception {
    try (AttackRange range = AttackRange.on(kafka, "adv-replay-misplaced").start(stateDir)) {
      AttackFleet fleet = range.fleet();
      int p = 1;
      int other = 2;
      List<String> accounts = AttackFleet.entitiesOn(PAY, p, "acct", 4);
      range.warmUp(PAY, NODES, accounts, 2);

      // When
      AttackFleet.Sent copy =
          fleet.sendRaw(Topics.STATE_CHANGES, other, null, "n1", fleet.lastBatch("n1"));
      fleet.round(PAY, NODES, accounts, 3);
      String div = fleet.divergence(PAY, NODES, "n3", other);

      // Then
      range
          .verdict("copy to another partition")
          .expect(deadLetter("MISPLACED").at(copy))
          .expect(alert("DIVERGENCE").group(PAY).entity(div).version(1).nodes("n3"))
          .check();
    }
  }

  /**
   * After {@code herald nodes rotate n1}, the rotation's grace and 70 more rounds (past any recent
   * batch window), a batch n1 signed before the rotation is replayed: a stale replay (or a replay),
   * not a forgery of n1.
   */
  @Test
  void aPreRotationReplayIsStaleAndBlamesNobody() throws Exception {
    try (AttackRange range =
        AttackRange.on(kafka, "adv-replay-rotation")
            .keyRotationGrace(Duration.ofSeconds(2))
            .start(stateDir)) {
      AttackFleet fleet = range.fleet();
      int p = 4;
      List<String> accounts = AttackFleet.entitiesOn(PAY, p, "acct", 4);
      range.warmUp(PAY, NODES, accounts, 2);
      byte[] beforeRotation = fleet.lastBatch("n1");
      AttackFleet.Rotation rotation = range.rotate("n1");
      for (long v = 3; v <= 72; v++) {
        fleet.round(PAY, NODES, accounts, v);
      }
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> System.currentTimeMillis() > rotation.registeredAtMs() + 5_000);

      // When
      AttackFleet.Sent replay = fleet.sendRaw(Topics.STATE_CHANGES, p, null, "n1", beforeRotation);
      fleet.round(PAY, NODES, accounts, 73);
      String div = fleet.divergence(PAY, NODES, "n3", p);

      // Then
      range
          .verdict("pre-rotation replay")
          .expect(deadLetter("STALE_REPLAY", "REPLAY").at(replay))
          .expect(alert("DIVERGENCE").group(PAY).entity(div).version(1).nodes("n3"))
          .check();
    }
  }

  /**
   * 250 distinct re-encodings of n1's latest 256-report batch (array re-blocked, negative block
   * counts, non-minimal varints), 50 a second: each verifies, none may be charged to n1's budget.
   * n1 must not FLOOD, and its next reports still count: version 2 of all 256 entities closes with
   * n1 in the vote (else REPLICA_LAG of n1), and n3's divergence is detected.
   */
  @Test
  void reEncodedCopiesOfAnHonestBatchDoNotMakeItsSignerFlood() throws Exception {
    try (AttackRange range = AttackRange.on(kafka, "adv-replay-reencoded").start(stateDir)) {
      AttackFleet fleet = range.fleet();
      int p = 0;
      List<String> accounts = AttackFleet.entitiesOn(PAY, p, "acct", 256);
      range.warmUp(PAY, NODES, accounts, 1);
      byte[] original = fleet.lastBatch("n1");
      ReportBatch batch = fleet.decode(original);
      assertThat(batch.getReports()).hasSize(256);

      // When
      Set<String> distinct = new HashSet<>();
      for (int k = 0; k < 250; k++) {
        byte[] copy = ReEncoding.variant(original, batch, k);
        assertThat(fleet.decode(copy))
            .as("variant %d decodes to the same batch", k)
            .isEqualTo(batch);
        distinct.add(Hashing.hex(Hashing.sha256(copy)));
        fleet.sendRawAsync(Topics.STATE_CHANGES, p, null, "n1", copy);
        AttackRange.pace(Duration.ofMillis(20));
      }
      fleet.flushRaw();
      assertThat(distinct).hasSize(250).doesNotContain(Hashing.hex(Hashing.sha256(original)));
      fleet.round(PAY, NODES, accounts, 2);
      String div = fleet.divergence(PAY, NODES, "n3", p);

      // Then
      range
          .verdict("re-encoded copies at 50/s")
          .allow(
              deadLetter("REPLAY")
                  .topic(Topics.STATE_CHANGES)
                  .where("of n1", d -> d.getKey() != null && Verdict.utf8(d.getKey()).equals("n1")))
          .expect(alert("DIVERGENCE").group(PAY).entity(div).version(1).nodes("n3"))
          .check();
    }
  }
}
