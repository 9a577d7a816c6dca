package dev.herald.it.adversarial;

import static dev.herald.it.adversarial.Verdict.alert;

import dev.herald.it.support.KafkaBrokerExtension;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A forker that holds its report back until the version closed, on a real broker with the real
 * auditor. Built on a base nobody had at the version before, its report is a FORK whenever it
 * arrives: on time, the close's fork check names it; after the close, the late path must too. On
 * the auditor of f44cd0c the late report was judged on its state alone and raised a DIVERGENCE — a
 * lesser charge (the node applied this version's operation differently) in place of the root cause
 * (it rewrote its history), which a forker could choose just by sending late.
 */
@Tag("slow")
class LateForkAttackIT {
  static final String PAY = "pay";
  static final List<String> NODES = List.of("n1", "n2", "n3");
  static final int P = 1;

  @RegisterExtension final KafkaBrokerExtension kafka = KafkaBrokerExtension.perTest(false);

  @TempDir Path stateDir;

  @Test
  void aForkSentAfterTheVersionClosedIsAFork() throws Exception {
    try (AttackRange range = AttackRange.on(kafka, "adv-late-fork").start(stateDir)) {
      AttackFleet fleet = range.fleet();
      String acct = AttackFleet.entitiesOn(PAY, P, "acct", 1).get(0);
      // Given: versions 1..3 agreed by all three; version 4 closes at its grace with n1 and n2
      range.warmUp(PAY, NODES, List.of(acct), 3);
      fleet.send(fleet.batch("n1", P, List.of(AttackFleet.honest("n1", PAY, acct, 4))));
      fleet.send(fleet.batch("n2", P, List.of(AttackFleet.honest("n2", PAY, acct, 4))));
      range.awaitClosed(PAY, acct, 4);

      // When: n3 sends its version 4, applied to a state nobody had at version 3
      String op4 = AttackFleet.honestOp(PAY, acct, 4);
      fleet.send(
          fleet.batch(
              "n3",
              P,
              List.of(
                  AttackFleet.report(
                      "n3",
                      PAY,
                      acct,
                      4,
                      AttackFleet.hash("elsewhere"),
                      AttackFleet.hash("forked:4"),
                      op4,
                      AttackFleet.hash(op4)))));

      // Then: FORK(acct v4, n3) — no DIVERGENCE, nothing naming n1 or n2 (n3's absence at the
      // close may open a lag episode of its own)
      range
          .verdict("fork sent after the close")
          .expect(alert("FORK").group(PAY).entity(acct).version(4).nodes("n3"))
          .allow(alert("REPLICA_LAG").group(PAY).nodes("n3"))
          .check();
    }
  }
}
