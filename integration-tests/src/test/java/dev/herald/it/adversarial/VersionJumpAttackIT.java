package dev.herald.it.adversarial;

import static dev.herald.it.adversarial.Verdict.alert;
import static dev.herald.it.adversarial.Verdict.anyAlertNamingOnly;
import static dev.herald.it.adversarial.Verdict.deadLetter;

import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.schema.StateChange;
import dev.herald.schema.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Security review #3: a Byzantine member b reports 17 versions of an entity far ahead of the agreed
 * one (10^12 … 10^12+16, chained, fresh operation ids). That must be a VERSION_JUMP alert naming b,
 * its jumped reports must not be voted (no NO_QUORUM), and the entity's next honest version is
 * still audited: n3's divergence at version 8 is detected. With and without b flooding its budget
 * first (a FLOOD must not make the jump silent).
 */
@Tag("slow")
class VersionJumpAttackIT {
  static final String PAY = "pay";
  static final List<String> MEMBERS = List.of("n1", "n2", "n3", "b");
  static final long FAR = 1_000_000_000_000L;

  @RegisterExtension final KafkaBrokerExtension kafka = KafkaBrokerExtension.perTest(false);

  @TempDir Path stateDir;

  @Test
  void farAheadVersionsAreAJumpNamingTheJumperAndBlindNothing() throws Exception {
    play("adv-jump", false);
  }

  @Test
  void farAheadVersionsAfterASelfInflictedFloodAreStillAJump() throws Exception {
    play("adv-jump-flood", true);
  }

  private void play(String applicationId, boolean floodFirst) throws Exception {
    try (AttackRange range = AttackRange.on(kafka, applicationId).start(stateDir)) {
      AttackFleet fleet = range.fleet();
      int p = 5;
      String acct = AttackFleet.entitiesOn(PAY, p, "acct", 1).get(0);
      range.warmUp(PAY, MEMBERS, List.of(acct), 7);

      // When: (b floods once: 15,000 copies of its report of version 7 in 15 batches, one
      // timestamp, and waits 5 s;) b reports versions 10^12 .. 10^12+16
      if (floodFirst) {
        List<StateChange> copies =
            Collections.nCopies(1_000, AttackFleet.honest("b", PAY, acct, 7));
        long at = System.currentTimeMillis();
        for (int i = 0; i < 15; i++) {
          fleet.sendRawAsync(
              Topics.STATE_CHANGES, p, at, "b", fleet.encode(fleet.batch("b", p, copies)));
        }
        fleet.flushRaw();
        AttackRange.pace(Duration.ofSeconds(5));
      }
      List<StateChange> jump = new ArrayList<>();
      byte[] prev = AttackFleet.honestState(PAY, acct, 7);
      for (long v = FAR; v <= FAR + 16; v++) {
        byte[] state = AttackFleet.hash("jump@" + v);
        String op = "op:jump#" + v;
        jump.add(AttackFleet.report("b", PAY, acct, v, prev, state, op, AttackFleet.hash(op)));
        prev = state;
      }
      fleet.sendRaw(Topics.STATE_CHANGES, p, null, "b", fleet.encode(fleet.batch("b", p, jump)));
      // ... honest version 8 comes once the auditor has dealt with the jump: raised it, or closed
      // the jumped versions (their grace is over)
      AttackRange.awaitQuietly(
          Verdict.DETECTION,
          () ->
              range.alerts().stream().anyMatch(a -> a.getType().name().equals("VERSION_JUMP"))
                  || range
                      .auditor()
                      .queries()
                      .entity(PAY, acct)
                      .map(s -> s.closedVersions().containsKey(FAR + 16) || s.forgottenBelow() > 8)
                      .orElse(false));
      // ... then version 8: n1, n2 and b agree, n3 diverges
      fleet.round(
          PAY,
          MEMBERS,
          List.of(acct),
          8,
          (n, sc) -> n.equals("n3") ? AttackFleet.diverged(n, PAY, acct, 8, "n3") : sc);

      // Then
      range
          .verdict(floodFirst ? "version jump after a flood" : "version jump")
          .expect(alert("VERSION_JUMP").group(PAY).about(acct, FAR).nodes("b"))
          .expect(alert("DIVERGENCE").group(PAY).entity(acct).version(8).nodes("n3"))
          .allow(anyAlertNamingOnly("b"))
          .allow(
              deadLetter("FLOOD", "VERSION_JUMP", "REPLAY")
                  .topic(Topics.STATE_CHANGES)
                  .where("of b", d -> d.getKey() != null && Verdict.utf8(d.getKey()).equals("b")))
          .check();
    }
  }
}
