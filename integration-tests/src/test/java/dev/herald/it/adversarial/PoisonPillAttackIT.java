package dev.herald.it.adversarial;

import static dev.herald.it.adversarial.Verdict.alert;
import static dev.herald.it.adversarial.Verdict.deadLetter;

import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.schema.DeadLetter;
import dev.herald.schema.ReportBatch;
import dev.herald.schema.StateChange;
import dev.herald.schema.Topics;
import dev.herald.schema.canonical.Hashing;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Security review #2: records within the broker's default limit ({@code message.max.bytes}, 1 MiB)
 * whose derived outputs (dead letters that copy the key and value, alerts that embed evidence)
 * would exceed it. Each must end as a bounded dead letter or alert — never a stream thread that
 * fails, is replaced, re-reads the same record and fails again.
 */
@Tag("slow")
class PoisonPillAttackIT {
  static final String PAY = "pay";
  static final List<String> NODES = List.of("n1", "n2", "n3");
  static final int HALF_MB = 500_000;

  @RegisterExtension final KafkaBrokerExtension kafka = KafkaBrokerExtension.perTest(false);

  @TempDir Path stateDir;

  /**
   * Any reporter credential: a 500 KB key with a 500 KB garbage value, on the state-change topic
   * and on the heartbeat topic. Each is one dead letter whose key is truncated (at most 256 bytes)
   * and whose detail carries the SHA-256 of the full key; a divergence played afterwards on the
   * same partition is detected.
   */
  @Test
  void aHugeKeyWithAGarbageValueIsABoundedDeadLetterOnEitherInputTopic() throws Exception {
    try (AttackRange range = AttackRange.on(kafka, "adv-poison-key").start(stateDir)) {
      AttackFleet fleet = range.fleet();
      int p = 3;
      List<String> accounts = AttackFleet.entitiesOn(PAY, p, "acct", 4);
      range.warmUp(PAY, NODES, accounts, 1);

      // When
      String key = "k".repeat(HALF_MB);
      byte[] garbage = new byte[HALF_MB];
      new Random(13).nextBytes(garbage);
      garbage[0] = 0x55;
      AttackFleet.Sent onReports = fleet.sendRaw(Topics.STATE_CHANGES, p, null, key, garbage);
      AttackFleet.Sent onHeartbeats =
          fleet.sendRaw(
              Topics.HEARTBEATS, AttackFleet.heartbeatPartitionOf("n1"), null, key, garbage);
      fleet.round(PAY, NODES, accounts, 2);
      String div = fleet.divergence(PAY, NODES, "n3", p);

      // Then
      String keyHash = Hashing.hex(Hashing.sha256(key.getBytes(StandardCharsets.UTF_8)));
      range
          .verdict("500 KB key + 500 KB garbage value")
          .expect(boundedLetter(onReports, keyHash))
          .expect(boundedLetter(onHeartbeats, keyHash))
          .expect(alert("DIVERGENCE").group(PAY).entity(div).version(1).nodes("n3"))
          .check();
    }
  }

  private static Verdict.LetterPattern boundedLetter(AttackFleet.Sent sent, String keyHash) {
    return deadLetter("OVERSIZED", "BAD_MAGIC_BYTE")
        .at(sent)
        .where(
            "with a key of at most 256 bytes",
            d -> d.getKey() == null || d.getKey().remaining() <= 256)
        .where("naming the full key's SHA-256", d -> mentions(d, keyHash));
  }

  private static boolean mentions(DeadLetter d, String hex) {
    return d.getDetail().toLowerCase(java.util.Locale.ROOT).contains(hex);
  }

  /**
   * A Byzantine member signs two ~600 KB batches that claim two states for one version. The outcome
   * is an EQUIVOCATION naming it (with evidence bounded to 64 KiB) or, if the auditor's record
   * limit is below 600 KB, two OVERSIZED dead letters; either way the auditor keeps running, and a
   * divergence played afterwards is detected.
   */
  @Test
  void twoLargeEquivocatingBatchesRaiseABoundedAlertAndNothingStalls() throws Exception {
    try (AttackRange range = AttackRange.on(kafka, "adv-poison-equivocation").start(stateDir)) {
      AttackFleet fleet = range.fleet();
      int p = 0;
      List<String> all = List.of("n1", "n2", "n3", "b");
      String acct = AttackFleet.entitiesOn(PAY, p, "acct", 1).get(0);
      range.warmUp(PAY, all, List.of(acct), 1);

      // When: b signs version 2 twice, with two states, each batch padded to ~600 KB
      String pad = "x".repeat(600_000);
      StateChange first =
          StateChange.newBuilder(AttackFleet.honest("b", PAY, acct, 2))
              .setAttributes(Map.of("pad", pad))
              .build();
      StateChange second =
          StateChange.newBuilder(AttackFleet.diverged("b", PAY, acct, 2, "b"))
              .setAttributes(Map.of("pad", pad))
              .build();
      ReportBatch one = fleet.batch("b", p, List.of(first));
      ReportBatch two = fleet.batch("b", p, List.of(second));
      fleet.sendRaw(Topics.STATE_CHANGES, p, null, "b", fleet.encode(one));
      fleet.sendRaw(Topics.STATE_CHANGES, p, null, "b", fleet.encode(two));
      fleet.round(PAY, NODES, List.of(acct), 2);
      String div = fleet.divergence(PAY, all, "n3", p);

      // Then
      range
          .verdict("two 600 KB equivocating batches")
          .expectEither(
              alert("EQUIVOCATION").group(PAY).entity(acct).version(2).nodes("b"),
              deadLetter("OVERSIZED").topic(Topics.STATE_CHANGES).where("of b", d -> isOf(d, "b")),
              2)
          .allow(alert("REPLICA_LAG").group(PAY).nodes("b"))
          .expect(alert("DIVERGENCE").group(PAY).entity(div).version(1).nodes("n3"))
          .check();
    }
  }

  private static boolean isOf(DeadLetter d, String node) {
    return d.getKey() != null && Verdict.utf8(d.getKey()).equals(node);
  }
}
