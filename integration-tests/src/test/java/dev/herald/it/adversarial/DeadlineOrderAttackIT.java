package dev.herald.it.adversarial;

import static dev.herald.it.adversarial.Verdict.alert;
import static dev.herald.it.adversarial.Verdict.anyAlertNamingOnly;

import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.schema.StateChange;
import dev.herald.schema.Topics;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Security review #15: versions 9 and 10 opened by one batch share a grace deadline; they must
 * close in numeric order. A Byzantine member b puts version 10's operation into its report of
 * version 9; with one member (n4) down, both versions close on the deadline. Closing "10" before
 * "9" would read b's lie in the still-open version 9 and call the honest replicas' version 10 a
 * DUPLICATE_APPLY. Honest outcome: b's version 9 is a CONFLICTING_WRITE naming b, version 10 is
 * agreed, and n3's divergence at version 11 is detected.
 */
@Tag("slow")
class DeadlineOrderAttackIT {
  static final String PAY = "pay";
  static final List<String> MEMBERS = List.of("n1", "n2", "n3", "n4", "b");
  static final List<String> UP = List.of("n1", "n2", "n3", "b");

  @RegisterExtension final KafkaBrokerExtension kafka = KafkaBrokerExtension.perTest(false);

  @TempDir Path stateDir;

  @Test
  void versionsOpenedTogetherCloseInNumericOrderAndFrameNobody() throws Exception {
    try (AttackRange range = AttackRange.on(kafka, "adv-deadline-order").start(stateDir)) {
      AttackFleet fleet = range.fleet();
      int p = 2;
      String acct = AttackFleet.entitiesOn(PAY, p, "acct", 1).get(0);
      range.warmUp(PAY, MEMBERS, List.of(acct), 8);
      range.silence("n4"); // n4 is down from now on: versions close on their deadline

      // When: b's batch opens versions 9 and 10; its version 9 carries version 10's operation
      String op10 = AttackFleet.honestOp(PAY, acct, 10);
      StateChange lie =
          AttackFleet.report(
              "b",
              PAY,
              acct,
              9,
              AttackFleet.honestState(PAY, acct, 8),
              AttackFleet.honestState(PAY, acct, 9),
              op10,
              AttackFleet.hash(op10));
      fleet.sendRaw(
          Topics.STATE_CHANGES,
          p,
          null,
          "b",
          fleet.encode(fleet.batch("b", p, List.of(lie, AttackFleet.honest("b", PAY, acct, 10)))));
      fleet.round(PAY, List.of("n1", "n2", "n3"), List.of(acct), 9);
      fleet.round(PAY, List.of("n1", "n2", "n3"), List.of(acct), 10);
      range.awaitClosed(PAY, acct, 10);
      // ... then n3 diverges at version 11
      fleet.round(
          PAY,
          UP,
          List.of(acct),
          11,
          (n, sc) -> n.equals("n3") ? AttackFleet.diverged(n, PAY, acct, 11, "n3") : sc);

      // Then
      range
          .verdict("versions 9 and 10 in one batch")
          .expect(alert("CONFLICTING_WRITE").group(PAY).entity(acct).version(9).nodes("b"))
          .expect(alert("DIVERGENCE").group(PAY).entity(acct).version(11).nodes("n3"))
          .allow(anyAlertNamingOnly("b"))
          .allow(alert("REPLICA_LAG").nodes("n4"))
          .allow(alert("NODE_SILENT").nodes("n4"))
          .check();
    }
  }
}
