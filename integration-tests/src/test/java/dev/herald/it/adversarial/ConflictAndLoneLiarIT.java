package dev.herald.it.adversarial;

import static dev.herald.it.adversarial.Verdict.alert;

import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.schema.StateChange;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Security review #16: a conflict hidden behind one operation id, and a lone liar hidden behind a
 * late honest replica.
 */
@Tag("slow")
class ConflictAndLoneLiarIT {
  static final String PAY = "pay";
  static final List<String> NODES = List.of("n1", "n2", "n3");

  @RegisterExtension final KafkaBrokerExtension kafka = KafkaBrokerExtension.perTest(false);

  @TempDir Path stateDir;

  /**
   * n3 applies another operation body under the same operation id (a double spend under one id),
   * reaching the same state: CONFLICTING_WRITE naming n3 (conflicts group by id and digest).
   */
  @Test
  void oneOperationIdWithTwoDigestsIsAConflictingWrite() throws Exception {
    try (AttackRange range = AttackRange.on(kafka, "adv-conflict-digest").start(stateDir)) {
      AttackFleet fleet = range.fleet();
      String acct = AttackFleet.entitiesOn(PAY, 4, "acct", 1).get(0);
      range.warmUp(PAY, NODES, List.of(acct), 2);

      // When
      fleet.round(
          PAY,
          NODES,
          List.of(acct),
          3,
          (n, sc) ->
              n.equals("n3")
                  ? StateChange.newBuilder(sc)
                      .setOpDigest(ByteBuffer.wrap(AttackFleet.hash("another body")))
                      .setEventId(sc.getEventId() + "|other-body")
                      .build()
                  : sc);
      String div = fleet.divergence(PAY, NODES, "n2", 4);

      // Then
      range
          .verdict("one opId, two opDigests")
          .expect(alert("CONFLICTING_WRITE").group(PAY).entity(acct).version(3).nodes("n3"))
          .expect(alert("DIVERGENCE").group(PAY).entity(div).version(1).nodes("n2"))
          .check();
    }
  }

  /**
   * n3 lies at version 3 while n1 is late: at the deadline only n2 and n3 voted (NO_QUORUM, naming
   * nobody). n1's late report completes a quorum with n2: the version is re-voted and n3 is named
   * by a DIVERGENCE.
   */
  @Test
  void aLoneLiarIsNamedOnceALateReportCompletesTheQuorum() throws Exception {
    try (AttackRange range = AttackRange.on(kafka, "adv-lone-liar").start(stateDir)) {
      AttackFleet fleet = range.fleet();
      String acct = AttackFleet.entitiesOn(PAY, 5, "acct", 1).get(0);
      range.warmUp(PAY, NODES, List.of(acct), 2);

      // When: n3 lies, n1 is late
      fleet.round(
          PAY,
          NODES,
          List.of(acct),
          3,
          (n, sc) ->
              switch (n) {
                case "n1" -> null;
                case "n3" -> AttackFleet.diverged(n, PAY, acct, 3, "liar");
                default -> sc;
              });
      range.awaitClosed(PAY, acct, 3);
      fleet.round(PAY, List.of("n1"), List.of(acct), 3);
      String div = fleet.divergence(PAY, NODES, "n2", 5);

      // Then
      range
          .verdict("lone liar and a late honest node")
          .expect(alert("DIVERGENCE").group(PAY).entity(acct).version(3).nodes("n3"))
          .allow(alert("NO_QUORUM").group(PAY).entity(acct).version(3).nodes())
          .allow(alert("REPLICA_LAG").group(PAY).nodes("n1"))
          .expect(alert("DIVERGENCE").group(PAY).entity(div).version(1).nodes("n2"))
          .check();
    }
  }
}
