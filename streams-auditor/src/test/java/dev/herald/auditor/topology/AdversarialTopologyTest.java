package dev.herald.auditor.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.auditor.admission.HeartbeatAdmission;
import dev.herald.auditor.policy.AuditPolicy;
import dev.herald.auditor.policy.PolicyLoader;
import dev.herald.schema.AlertStatus;
import dev.herald.schema.AlertType;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.DeadLetter;
import dev.herald.schema.HeartbeatStatus;
import dev.herald.schema.ReportBatch;
import dev.herald.schema.StateChange;
import dev.herald.schema.signing.Ed25519;
import dev.herald.testsupport.Fleet;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The attacks of the security review played against the reconciliation topology on {@link
 * TopologyTestDriver}: each test is an adversary choosing bytes, keys, timestamps, versions or
 * partitions, and asserts the honest outcome — a dead letter with its reason or an alert naming the
 * right node, never an honest one, and honest faults still detected afterwards. Every test here
 * fails on the auditor before admission was rewritten (c8b4392).
 */
class AdversarialTopologyTest {
  private static final String G = "g";
  private static final List<String> MEMBERS = List.of("n1", "n2", "n3");

  @TempDir Path stateDir;
  private final TestReplicas replicas = new TestReplicas();
  @AutoClose private TopologyRig rig;

  private void start(AuditPolicy policy, List<String> members) {
    start(policy, members, 0);
  }

  private void start(AuditPolicy policy, List<String> members, int heartbeatPartitions) {
    rig =
        TopologyRig.reconciliation(
            replicas,
            stateDir,
            "adversarial-test",
            () -> policy,
            new SimpleMeterRegistry(),
            heartbeatPartitions,
            InputFrontier.NONE);
    rig.join(G, members);
  }

  @Test
  void junkStampedAnHourAheadMovesNoClockAndStarvesNoBudget() {
    // Given a tight budget and a@1 reported by two of three members at 1 s
    start(
        PolicyLoader.parse(
            "defaults:\n  rateBudget:\n    reportsPerSecond: 10\n    burst: 20\n"
                + "    maxInFlightVersions: 1000\n"),
        MEMBERS);
    rig.report("n1", 1_000, replicas.honest("n1", G, "a", 1));
    rig.report("n2", 1_000, replicas.honest("n2", G, "a", 1));
    // When anyone with write access adds a junk byte and a forged batch, stamped +59 minutes
    rig.send("x", 3_540_000, new byte[] {1});
    ReportBatch forged = replicas.batch("n1", List.of(replicas.honest("n1", G, "b", 1)));
    rig.send("n1", 3_540_000, replicas.signedWith(forged, Fleet.filledKey(0)));
    // Then no version closed early: nothing is due yet by the admitted clock
    assertThat(rig.newAlerts()).containsExactly("FORGED_REPORT OPEN [n1]");
    assertThat(rig.deadReasons()).containsExactly("BAD_MAGIC_BYTE", "FORGED");
    // And the members keep reporting at 5 reports/s each, within budget: never FLOOD
    for (int i = 0; i < 60; i++) {
      rig.round(G, MEMBERS, "c" + i, 1, 1_200 + i * 200L);
    }
    // And a@1 closed when the admitted clock passed its grace: n3 lags, as it really does
    assertThat(rig.newAlerts()).containsExactly("REPLICA_LAG OPEN [n3]");
    assertThat(rig.deadReasons()).isEmpty();
  }

  @Test
  void reencodedCopiesOfAnHonestBatchChargeNothingAndBlameNobody() {
    // Given a small budget and n1's honest batch of three reports
    start(
        PolicyLoader.parse(
            "defaults:\n  rateBudget:\n    reportsPerSecond: 1\n    burst: 5\n"
                + "    maxInFlightVersions: 100\n"),
        MEMBERS);
    ReportBatch honest =
        replicas.batch(
            "n1",
            List.of(
                replicas.honest("n1", G, "a", 1),
                replicas.honest("n1", G, "b", 1),
                replicas.honest("n1", G, "c", 1)));
    byte[] original = replicas.signed(honest);
    rig.send("n1", 1_000, original);
    // When an attacker writes 50 copies in another valid encoding (other wire bytes)
    byte[] copy = replicas.reencoded(honest);
    assertThat(copy).isNotEqualTo(original);
    for (int i = 0; i < 50; i++) {
      rig.send("n1", 1_000 + i, copy);
    }
    // Then each copy is a replay dead letter; n1 is not flooding and nobody is named
    assertThat(rig.deadReasons()).hasSize(50).containsOnly("REPLAY");
    for (String entity : List.of("a", "b", "c")) {
      rig.report("n2", 1_100, replicas.honest("n2", G, entity, 1));
      rig.report("n3", 1_100, replicas.honest("n3", G, entity, 1));
    }
    rig.report("n2", 2_000, replicas.honest("n2", G, "d", 1));
    assertThat(rig.newAlerts()).isEmpty();
  }

  @Test
  void junkInAnHonestNodesNameRaisesOneVictimEpisodeWithItsRegisteredGroup() {
    start(AuditPolicy.DEFAULT, MEMBERS);
    Ed25519.KeyPair attacker = Fleet.filledKey(0);
    Random random = new Random(7);
    // When 1,000 batches claim n1, each for a group the attacker made up
    for (int i = 0; i < 1_000; i++) {
      String group = "grp-" + random.nextInt(1_000_000);
      ReportBatch junk = replicas.batch("n1", List.of(replicas.honest("n1", group, "a" + i, 1)));
      rig.send("n1", 1_000, replicas.signedWith(junk, attacker));
    }
    // And 200 batches from node ids nobody registered
    for (int i = 0; i < 200; i++) {
      String ghost = "ghost-" + i;
      rig.send(ghost, 1_000, replicas.signedBatch(ghost, replicas.honest(ghost, G, "a", 1)));
    }
    // Then one FORGED_REPORT names n1 as the victim, in its registered group, without the bytes
    List<AuditAlert> found = rig.alerts.readValuesToList();
    assertThat(found.stream().filter(a -> a.getType() == AlertType.FORGED_REPORT))
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.getNodes()).containsExactly("n1");
              assertThat(a.getGroup()).isEqualTo(G);
              assertThat(a.getAttributes()).containsEntry("role", "victim");
              assertThat(a.getEvidence())
                  .singleElement()
                  .satisfies(
                      e -> {
                        assertThat(e.getRecord().remaining()).isZero();
                        assertThat(e.getSha256().remaining()).isEqualTo(32);
                        assertThat(e.getSignatureValid()).isFalse();
                      });
            });
    // And unknown ids raise a bounded number of alerts, in no group they chose
    List<AuditAlert> unknown =
        found.stream().filter(a -> a.getType() == AlertType.UNKNOWN_NODE).toList();
    assertThat(unknown).hasSizeBetween(1, (int) UnknownNodeBudget.BURST);
    assertThat(unknown).allSatisfy(a -> assertThat(a.getGroup()).isEmpty());
    assertThat(found)
        .allSatisfy(
            a -> assertThat(a.getType()).isIn(AlertType.FORGED_REPORT, AlertType.UNKNOWN_NODE));
    // And every record is a dead letter; nothing entered the entity store
    assertThat(rig.deadReasons()).hasSize(1_200);
    assertThat(rig.driver.getKeyValueStore(AuditorStores.ENTITIES).approximateNumEntries())
        .isZero();
  }

  @Test
  void aVersionJumpNamesTheJumperAndDoesNotBlindTheEntity() {
    List<String> members = List.of("n1", "n2", "n3", "b");
    start(AuditPolicy.DEFAULT, members);
    for (long v = 1; v <= 7; v++) {
      rig.round(G, members, "acct", v, 1_000 * v);
    }
    // When b reports 17 versions a trillion ahead, chained
    List<StateChange> ahead = new ArrayList<>();
    for (long v = 1_000_000_000_000L; v < 1_000_000_000_017L; v++) {
      ahead.add(replicas.change("b", G, "acct", v, "x" + (v - 1), "x" + v, "opx" + v));
    }
    rig.send("b", 8_000, replicas.signed(replicas.batch("b", ahead)));
    // Then b is named for the jump, its reports are a dead letter, not votes
    assertThat(rig.newAlerts()).containsExactly("VERSION_JUMP OPEN [b]");
    assertThat(rig.deadReasons()).containsExactly("VERSION_JUMP");
    // And version 8 is still audited: n3's divergence is found
    rig.report("n1", 9_000, replicas.honest("n1", G, "acct", 8));
    rig.report("n2", 9_000, replicas.honest("n2", G, "acct", 8));
    rig.report("b", 9_000, replicas.honest("b", G, "acct", 8));
    rig.report("n3", 9_000, replicas.change("n3", G, "acct", 8, "s7", "evil", "op8"));
    assertThat(rig.newAlerts()).containsExactly("DIVERGENCE OPEN [n3]");
  }

  @Test
  void aLiarsVersionsInTheWindowNeverPushHonestVersionsOutOfJudgement() {
    List<String> members = List.of("n1", "n2", "n3", "b");
    start(AuditPolicy.DEFAULT, members);
    for (long v = 1; v <= 7; v++) {
      rig.round(G, members, "acct", v, 1_000 * v);
    }
    // b alone reports versions 100..139 (within the window): they close without agreement
    for (long v = 100; v < 140; v++) {
      rig.report("b", 8_000, replicas.change("b", G, "acct", v, "x", "x" + v, "opx" + v));
    }
    rig.report("n1", 11_000, replicas.honest("n1", G, "other", 1));
    rig.newAlerts();
    // Then the honest version 8, reported later, is still judged
    rig.report("n1", 12_000, replicas.honest("n1", G, "acct", 8));
    rig.report("n2", 12_000, replicas.honest("n2", G, "acct", 8));
    rig.report("b", 12_000, replicas.honest("b", G, "acct", 8));
    rig.report("n3", 12_000, replicas.change("n3", G, "acct", 8, "s7", "evil", "op8"));
    assertThat(rig.newAlerts()).containsExactly("DIVERGENCE OPEN [n3]");
  }

  @Test
  void versionsOneBatchOpensCloseInNumericOrder() {
    // Given four members with a quorum of 2, one of them down, versions 1..8 agreed
    List<String> members = List.of("n1", "n2", "n3", "b");
    start(PolicyLoader.parse("defaults:\n  quorum: 2\n"), members);
    List<String> up = List.of("n1", "n2", "b");
    for (long v = 1; v <= 8; v++) {
      rig.round(G, up, "acct", v, 1_000 * v);
    }
    rig.newAlerts();
    // When b's one batch carries v9 with v10's operation, and v10; n1, n2 report v9 and v10
    rig.send(
        "b",
        9_000,
        replicas.signedBatch(
            "b",
            replicas.change("b", G, "acct", 9, "s8", "s9", "op10"),
            replicas.honest("b", G, "acct", 10)));
    for (String n : List.of("n1", "n2")) {
      rig.send(
          n,
          9_000,
          replicas.signedBatch(
              n, replicas.honest(n, G, "acct", 9), replicas.honest(n, G, "acct", 10)));
    }
    rig.report("n1", 12_000, replicas.honest("n1", G, "later", 1));
    // Then v9 closes before v10: b's conflicting op is named, no honest node applied twice
    assertThat(rig.newAlerts())
        .contains("CONFLICTING_WRITE OPEN [b]")
        .noneMatch(a -> a.startsWith("DUPLICATE_APPLY"))
        .noneMatch(a -> a.contains("n1") || a.contains("n2"));
  }

  @Test
  void oneOpIdCarryingTwoOperationsIsAConflictingWrite() {
    start(AuditPolicy.DEFAULT, MEMBERS);
    rig.report("n1", 1_000, replicas.honest("n1", G, "a", 1));
    rig.report("n2", 1_000, replicas.honest("n2", G, "a", 1));
    StateChange doubleSpend = replicas.honest("n3", G, "a", 1);
    doubleSpend.setOpDigest(java.nio.ByteBuffer.wrap(TestReplicas.hash("another body")));
    rig.report("n3", 1_000, doubleSpend);
    assertThat(rig.newAlerts()).containsExactly("CONFLICTING_WRITE OPEN [n3]");
  }

  @Test
  void aLoneLiarHiddenByAMissingVoteIsNamedWhenTheLateVoteArrives() {
    start(AuditPolicy.DEFAULT, MEMBERS);
    rig.round(G, MEMBERS, "a", 1, 1_000);
    rig.report("n1", 2_000, replicas.honest("n1", G, "a", 2));
    rig.report("n3", 2_000, replicas.change("n3", G, "a", 2, "s1", "lie", "op2"));
    rig.report("n1", 5_000, replicas.honest("n1", G, "tick", 1));
    assertThat(rig.newAlerts()).containsExactly("NO_QUORUM OPEN []");
    // When n2's late vote completes a quorum for the honest state
    rig.report("n2", 5_500, replicas.honest("n2", G, "a", 2));
    // Then the liar is named and the quorum loss is over
    assertThat(rig.newAlerts())
        .containsExactlyInAnyOrder("NO_QUORUM RESOLVED []", "DIVERGENCE OPEN [n3]");
  }

  @Test
  void aHugeKeyAndValueBecomeOneBoundedDeadLetter() {
    start(AuditPolicy.DEFAULT, MEMBERS);
    String hugeKey = "k".repeat(500_000);
    byte[] garbage = new byte[500_000];
    new Random(1).nextBytes(garbage);
    garbage[0] = 0;
    rig.batches.pipeInput(hugeKey, garbage, 1_000);
    List<org.apache.kafka.streams.test.TestRecord<String, DeadLetter>> letters =
        rig.dlq.readRecordsToList();
    assertThat(letters)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.key().length()).isLessThanOrEqualTo(DeadLetters.MAX_KEY_BYTES);
              assertThat(r.value().getKey().remaining()).isEqualTo(DeadLetters.MAX_KEY_BYTES);
              assertThat(r.value().getDetail()).contains("key truncated from 500000 bytes");
            });
    rig.round(G, MEMBERS, "a", 1, 1_100);
    rig.report("n1", 2_000, replicas.honest("n1", G, "a", 2));
    rig.report("n2", 2_000, replicas.honest("n2", G, "a", 2));
    rig.report("n3", 2_000, replicas.change("n3", G, "a", 2, "s1", "evil", "op2"));
    assertThat(rig.newAlerts()).containsExactly("DIVERGENCE OPEN [n3]");
  }

  @Test
  void anEquivocationInHugeBatchesCarriesHashesAndCoordinatesNotBytes() {
    start(AuditPolicy.DEFAULT, MEMBERS);
    StateChange first = replicas.honest("n1", G, "a", 1);
    first.setAttributes(Map.of("pad", "p".repeat(300_000)));
    StateChange second = replicas.change("n1", G, "a", 1, "", "other", "op1");
    second.setAttributes(Map.of("pad", "q".repeat(300_000)));
    rig.report("n1", 1_000, first);
    rig.report("n1", 1_000, second);
    List<AuditAlert> found = rig.alerts.readValuesToList();
    assertThat(found)
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.getType()).isEqualTo(AlertType.EQUIVOCATION);
              assertThat(a.getNodes()).containsExactly("n1");
              assertThat(a.getEvidence())
                  .hasSize(2)
                  .allSatisfy(
                      e -> {
                        assertThat(e.getRecord().remaining()).isZero();
                        assertThat(e.getSha256().remaining()).isEqualTo(32);
                        assertThat(e.getOffset()).isNotNegative();
                      });
            });
  }

  @Test
  void aHeartbeatFromTheFutureMakesNobodyElseSilentAndHidesItsNodeOnlyForTheSkew() {
    start(AuditPolicy.DEFAULT, MEMBERS);
    // n3 signs a heartbeat ten days ahead
    rig.heartbeats.pipeInput("n3", replicas.heartbeat("n3", 1, 864_000_000L), 0);
    // n1 and n2 heartbeat every second for 40 s; n3 says nothing more
    for (long t = 0; t <= 40_000; t += 1_000) {
      rig.heartbeats.pipeInput("n1", replicas.heartbeat("n1", t / 1_000 + 1, t), t);
      rig.heartbeats.pipeInput("n2", replicas.heartbeat("n2", t / 1_000 + 1, t), t);
      rig.driver.advanceWallClockTime(Duration.ofSeconds(1));
    }
    // Then only n3 is silent: its clock was clamped to arrival + the 2 s skew, then 5 s of silence
    assertThat(rig.newAlerts()).containsExactly("NODE_SILENT OPEN [n3]");
  }

  @Test
  void aReplayedStoppingHeartbeatDoesNotHideACrash() {
    start(AuditPolicy.DEFAULT, MEMBERS);
    rig.heartbeats.pipeInput("n1", replicas.heartbeat("n1", 1, 0), 0);
    byte[] stopping = replicas.heartbeat("n1", 2, 1_000, HeartbeatStatus.STOPPING);
    rig.heartbeats.pipeInput("n1", stopping, 1_000);
    rig.heartbeats.pipeInput("n1", replicas.heartbeat("n1", 3, 2_000), 2_000); // restarted
    // n1 crashes; the attacker replays its old STOPPING heartbeat
    rig.heartbeats.pipeInput("n1", stopping, 3_000);
    assertThat(rig.deadReasons()).containsExactly("REPLAY");
    for (long t = 3_000; t <= 12_000; t += 1_000) {
      rig.heartbeats.pipeInput("n2", replicas.heartbeat("n2", t, t), t);
      rig.heartbeats.pipeInput("n3", replicas.heartbeat("n3", t, t), t);
      rig.driver.advanceWallClockTime(Duration.ofSeconds(1));
    }
    assertThat(rig.newAlerts()).containsExactly("NODE_SILENT OPEN [n1]");
  }

  @Test
  void aHeartbeatOutsideItsNodesPartitionIsMisplacedAndProvesNothing() {
    int partitions = 64;
    // a node whose heartbeat partition is not 0 (the driver writes every record to partition 0)
    String node =
        java.util.stream.IntStream.range(0, 100)
            .mapToObj(i -> "node-" + i)
            .filter(n -> HeartbeatAdmission.partitionOf(n, partitions) != 0)
            .findFirst()
            .orElseThrow();
    start(AuditPolicy.DEFAULT, List.of(node), partitions);
    rig.heartbeats.pipeInput(node, replicas.heartbeat(node, 1, 0), 0);
    assertThat(rig.deadReasons()).containsExactly("MISPLACED");
    assertThat(rig.driver.getKeyValueStore(AuditorStores.LIVENESS).approximateNumEntries())
        .isZero();
  }

  @Test
  void junkInANodesNameKeepsCountingOneOpenEpisode() {
    start(AuditPolicy.DEFAULT, MEMBERS);
    Ed25519.KeyPair attacker = Fleet.filledKey(0);
    for (int i = 0; i < 20; i++) {
      ReportBatch junk = replicas.batch("n2", List.of(replicas.honest("n2", G, "a", 1)));
      rig.send("n2", 1_000, replicas.signedWith(junk, attacker));
    }
    List<AuditAlert> found = rig.alerts.readValuesToList();
    assertThat(found).hasSize(1);
    assertThat(found.get(0).getStatus()).isEqualTo(AlertStatus.OPEN);
  }
}
