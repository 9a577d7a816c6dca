package dev.herald.it.adversarial;

import static dev.herald.it.adversarial.Verdict.alert;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.it.support.HeraldRun;
import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.canonical.Hashing;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Security review #11 on a real broker with the real auditor: equivocation beyond the 16 closed
 * versions an entity keeps. A node's signed claims are kept per entity version (the claims store),
 * so
 *
 * <ul>
 *   <li>a second, different claim for a version 100 versions back is an EQUIVOCATION naming the
 *       node with both signed batches, and {@code herald verify} confirms it (exit 0);
 *   <li>after a version closed, the same state hash with another operation id or another base is an
 *       EQUIVOCATION too (the whole claim is compared);
 *   <li>a re-sent identical old claim (a new batch, a new sequence number) raises nothing;
 *   <li>the record survives a restart of the auditor (a changelogged store).
 * </ul>
 *
 * Each of the first two fails on the auditor of 943e7f4 (too late to judge; a duplicate).
 */
@Tag("slow")
class LateEquivocationAttackIT {
  static final String PAY = "pay";
  static final List<String> NODES = List.of("n1", "n2", "n3");
  static final int P = 2;

  @RegisterExtension final KafkaBrokerExtension kafka = KafkaBrokerExtension.perTest(false);

  @TempDir Path stateDir;

  private static HeraldRun verify(AttackRange range, String alertId) {
    return HeraldRun.against(range.bootstrap(), range.registryUrl(), "verify", alertId);
  }

  @Test
  void anEquivocationHundredVersionsBackIsCaught() throws Exception {
    try (AttackRange range = AttackRange.on(kafka, "adv-late-equivocation").start(stateDir)) {
      AttackFleet fleet = range.fleet();
      String acct = AttackFleet.entitiesOn(PAY, P, "acct", 1).get(0);
      // Given: versions 1..105 agreed by all three
      range.warmUp(PAY, NODES, List.of(acct), 105);

      // When: n3 signs another state for version 5, 100 versions back
      fleet.send(fleet.batch("n3", P, List.of(AttackFleet.diverged("n3", PAY, acct, 5, "late"))));

      // Then: EQUIVOCATION(acct v5, n3), nothing else
      range
          .verdict("equivocation 100 versions back")
          .expect(alert("EQUIVOCATION").group(PAY).entity(acct).version(5).nodes("n3"))
          .check();
      AuditAlert found =
          range.alerts().stream()
              .filter(a -> a.getType().name().equals("EQUIVOCATION"))
              .findFirst()
              .orElseThrow();
      assertThat(found.getEvidence()).hasSize(2);
      assertThat(found.getEvidence()).allSatisfy(e -> assertThat(e.getNodeId()).isEqualTo("n3"));
      // ... and herald verify re-derives it from the two signed batches
      HeraldRun r = verify(range, found.getAlertId());
      assertThat(r.code()).as(r.out() + r.err()).isZero();
      assertThat(r.out()).contains("claim SUPPORTED").contains("node n3 signed 2 different claims");
    }
  }

  @Test
  void theRecordOfClaimsSurvivesARestartOfTheAuditor() throws Exception {
    try (AttackRange range =
        AttackRange.on(kafka, "adv-late-restart")
            // Kafka Streams does not leave its group on close: the restarted instance waits for
            // the old member's session to time out (45 s by default) — not under test here
            .auditorClient("session.timeout.ms", "6000")
            .auditorClient("heartbeat.interval.ms", "1000")
            .start(stateDir)) {
      AttackFleet fleet = range.fleet();
      String acct = AttackFleet.entitiesOn(PAY, P, "acct", 1).get(0);
      range.warmUp(PAY, NODES, List.of(acct), 30);

      // When: the auditor restarts on its state, then n1 signs another state for version 3
      range.restartAuditor();
      fleet.send(fleet.batch("n1", P, List.of(AttackFleet.diverged("n1", PAY, acct, 3, "late"))));

      // Then
      range
          .verdict("equivocation after a restart")
          .expect(alert("EQUIVOCATION").group(PAY).entity(acct).version(3).nodes("n1"))
          .check();
    }
  }

  @Test
  void aWholeClaimDifferenceWithTheSameStateAfterCloseIsCaught() throws Exception {
    try (AttackRange range = AttackRange.on(kafka, "adv-late-whole-claim").start(stateDir)) {
      AttackFleet fleet = range.fleet();
      String acct = AttackFleet.entitiesOn(PAY, P, "acct", 1).get(0);
      range.warmUp(PAY, NODES, List.of(acct), 3);

      // When: after version 2 closed, n2 signs its state again under another operation id, and n1
      // on another base
      byte[] s1 = AttackFleet.honestState(PAY, acct, 1);
      byte[] s2 = AttackFleet.honestState(PAY, acct, 2);
      String op2 = AttackFleet.honestOp(PAY, acct, 2);
      fleet.send(
          fleet.batch(
              "n2",
              P,
              List.of(
                  AttackFleet.report(
                      "n2", PAY, acct, 2, s1, s2, "op:other", AttackFleet.hash(op2)))));
      fleet.send(
          fleet.batch(
              "n1",
              P,
              List.of(
                  AttackFleet.report(
                      "n1",
                      PAY,
                      acct,
                      2,
                      AttackFleet.hash("elsewhere"),
                      s2,
                      op2,
                      AttackFleet.hash(op2)))));

      // Then
      range
          .verdict("whole claim after close")
          .expect(alert("EQUIVOCATION").group(PAY).entity(acct).version(2).nodes("n2"))
          .expect(alert("EQUIVOCATION").group(PAY).entity(acct).version(2).nodes("n1"))
          .check();
      assertThat(
              range.alerts().stream()
                  .filter(a -> a.getType().name().equals("EQUIVOCATION"))
                  .map(a -> Hashing.hex(a.getMajorityHash().duplicate()))
                  .distinct())
          .containsExactly(Hashing.hex(s2));
    }
  }

  @Test
  void aResentIdenticalOldClaimRaisesNothing() throws Exception {
    try (AttackRange range = AttackRange.on(kafka, "adv-late-resent").start(stateDir)) {
      AttackFleet fleet = range.fleet();
      List<String> accounts = AttackFleet.entitiesOn(PAY, P, "acct", 2);
      String acct = accounts.get(0);
      range.warmUp(PAY, NODES, List.of(acct), 40);

      // When: n3 re-sends its claims for versions 2 (out of the window) and 39 (in it) in a new
      // batch; then an honest round of another entity of the partition, read after it
      fleet.send(
          fleet.batch(
              "n3",
              P,
              List.of(
                  AttackFleet.honest("n3", PAY, acct, 2),
                  AttackFleet.honest("n3", PAY, acct, 39))));
      fleet.round(PAY, NODES, List.of(accounts.get(1)), 1);

      // Then: no alert at all
      range
          .verdict("re-sent identical old claim")
          .expectThat(
              "the auditor read past the re-sent claims",
              () ->
                  range
                      .auditor()
                      .queries()
                      .entity(PAY, accounts.get(1))
                      .map(s -> s.closedVersions().containsKey(1L))
                      .orElse(false))
          .check();
    }
  }
}
