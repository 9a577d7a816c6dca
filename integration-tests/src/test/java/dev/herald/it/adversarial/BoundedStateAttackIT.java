package dev.herald.it.adversarial;

import static dev.herald.it.adversarial.Verdict.alert;
import static dev.herald.it.adversarial.Verdict.anyAlertNamingOnly;
import static dev.herald.it.adversarial.Verdict.deadLetter;

import dev.herald.auditor.AuditorQueries;
import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.schema.StateChange;
import dev.herald.schema.Topics;
import io.micrometer.core.instrument.Counter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Security review, state exhaustion (issue 14 item 8), on a real broker and auditor.
 *
 * <ol>
 *   <li>Entities quiescent for longer than {@code state.entityTtl} leave {@code herald-entities}
 *       (time driven by admitted report batches of another entity on the same partition); a replay
 *       of a Byzantine member's old signed batch, and the same reports re-signed in a new batch,
 *       name nobody (REPLAY / STALE dead letters); the entities' next version is still audited.
 *   <li>A member spraying fresh entity keys beyond {@code state.maxOpenEntitiesPerNode} is stopped
 *       (ENTITY_QUOTA dead letters, at most its quota of entities held) and named by FLOOD alone;
 *       an honest divergence in the same run is detected and no honest node is named.
 * </ol>
 */
@Tag("slow")
class BoundedStateAttackIT {
  static final String PAY = "pay";
  static final List<String> NODES = List.of("n1", "n2", "n3", "b");

  @RegisterExtension final KafkaBrokerExtension kafka = KafkaBrokerExtension.perTest(false);

  @TempDir Path stateDir;

  private static boolean allGone(AuditorQueries q, List<String> entities) {
    return entities.stream().allMatch(e -> q.entity(PAY, e).isEmpty());
  }

  @Test
  void quiescentEntitiesLeaveTheStoreAndAReplayOfTheirOldBatchNamesNobody() throws Exception {
    try (AttackRange range =
        AttackRange.on(kafka, "adv-bounded-ttl")
            // claims kept 1 s: this attack plays the residue alone (with the default claims
            // retention, b's lie about version 1 is an EQUIVOCATION: EntityBoundsTopologyTest)
            .policy("state:\n  entityTtl: 3s\n  residueTtl: 1h\nclaims:\n  retention: 1s\n")
            .start(stateDir)) {
      AttackFleet fleet = range.fleet();
      int p = 3;
      List<String> keys = AttackFleet.entitiesOn(PAY, p, "acct", 6);
      List<String> quiet = keys.subList(0, 5);
      String clock = keys.get(5);
      // Given versions 1 and 2 of five entities, and b's signed batch of version 2 recorded
      range.warmUp(PAY, NODES, quiet, 2);
      byte[] oldBatch = fleet.lastBatch("b");

      // When admitted batches (rounds of another entity on the partition) move report time on
      AtomicLong v = new AtomicLong();
      boolean evicted =
          AttackRange.awaitQuietly(
              Duration.ofSeconds(60),
              () -> {
                fleet.round(PAY, NODES, List.of(clock), v.incrementAndGet());
                return allGone(range.auditor().queries(), quiet);
              });
      // ... b replays its old batch, then re-signs the same reports and a lie about version 1
      fleet.sendRaw(Topics.STATE_CHANGES, p, null, "b", oldBatch);
      List<StateChange> resigned = new ArrayList<>();
      for (String e : quiet) {
        resigned.add(AttackFleet.honest("b", PAY, e, 2));
      }
      resigned.add(AttackFleet.diverged("b", PAY, quiet.get(0), 1, "rewrite"));
      fleet.send(fleet.batch("b", p, resigned));
      // ... and version 3 is played, n3 diverging on the first entity
      fleet.round(
          PAY,
          NODES,
          quiet,
          3,
          (n, sc) ->
              n.equals("n3") && sc.getEntityKey().toString().equals(quiet.get(0))
                  ? AttackFleet.diverged(n, PAY, quiet.get(0), 3, "n3")
                  : sc);

      // Then
      range
          .verdict("replay after eviction")
          .expectThat("the quiescent entities left herald-entities", () -> evicted)
          .expectThat(
              "herald_entities_evicted_total counts them",
              () -> {
                Counter c =
                    range.auditor().config().meters().find("herald_entities_evicted").counter();
                return c != null && c.count() >= quiet.size();
              })
          .expect(alert("DIVERGENCE").group(PAY).entity(quiet.get(0)).version(3).nodes("n3"))
          .expect(deadLetter("STALE").topic(Topics.STATE_CHANGES))
          .allow(deadLetter("REPLAY").topic(Topics.STATE_CHANGES))
          .check();
    }
  }

  @Test
  void aNodeSprayingFreshEntitiesIsStoppedAtItsQuotaAndNamedAlone() throws Exception {
    List<String> members = List.of("n1", "n2", "n3", "n4", "b");
    int quota = 20;
    try (AttackRange range =
        AttackRange.on(kafka, "adv-bounded-quota")
            .policy("state:\n  maxOpenEntitiesPerNode: " + quota + "\n")
            .start(stateDir)) {
      AttackFleet fleet = range.fleet();
      int p = 2;
      String acct = AttackFleet.entitiesOn(PAY, p, "acct", 1).get(0);
      range.warmUp(PAY, members, List.of(acct), 1);
      List<String> spray = AttackFleet.entitiesOn(PAY, p, "spray", 500);

      // When b reports version 1 of 500 fresh entities, in 5 signed batches of 100
      for (int i = 0; i < 5; i++) {
        List<StateChange> reports = new ArrayList<>();
        for (String e : spray.subList(i * 100, i * 100 + 100)) {
          reports.add(AttackFleet.honest("b", PAY, e, 1));
        }
        fleet.send(fleet.batch("b", p, reports));
      }
      // ... while the honest members play on: n3 diverges on a fresh entity of the partition
      fleet.round(PAY, members, List.of(acct), 2);
      String div = fleet.divergence(PAY, List.of("n1", "n2", "n3", "n4"), "n3", p);

      // Then
      range
          .verdict("entity spray beyond the quota")
          .expect(alert("FLOOD").group(PAY).nodes("b"))
          .expect(alert("DIVERGENCE").group(PAY).entity(div).version(1).nodes("n3"))
          .expect(deadLetter("ENTITY_QUOTA").topic(Topics.STATE_CHANGES))
          .expectThat(
              "b holds at most its quota of the sprayed entities",
              () ->
                  spray.stream()
                          .filter(e -> range.auditor().queries().entity(PAY, e).isPresent())
                          .count()
                      <= quota)
          .allow(anyAlertNamingOnly("b"))
          .allow(alert("NO_QUORUM").group(PAY).nodes())
          .check();
    }
  }
}
