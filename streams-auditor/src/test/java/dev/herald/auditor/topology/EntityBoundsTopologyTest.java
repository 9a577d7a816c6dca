package dev.herald.auditor.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.auditor.detect.EntityState;
import dev.herald.auditor.policy.AuditPolicy;
import dev.herald.auditor.policy.PolicyLoader;
import dev.herald.schema.StateChange;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bounded entity state on the reconciliation topology ({@link TopologyTestDriver}): a quiescent
 * entity leaves {@code herald-entities} one {@code state.entityTtl} of admitted report time after
 * its last write, and a report re-signed for one of its closed versions afterwards is a {@code
 * STALE} dead letter naming nobody; a node spraying fresh entities beyond {@code
 * state.maxOpenEntitiesPerNode} is dead-lettered and named (FLOOD), the others audited as before.
 */
class EntityBoundsTopologyTest {
  private static final String G = "g";

  @TempDir Path stateDir;
  private final TestReplicas replicas = new TestReplicas();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  @AutoClose private TopologyRig rig;

  private void start(AuditPolicy policy, List<String> members) {
    rig =
        TopologyRig.reconciliation(
            replicas, stateDir, "bounds-test", () -> policy, meters, 0, InputFrontier.NONE);
    rig.join(G, members);
  }

  /** Lets the wall-clock check run without the quiet-partition rule moving the clock. */
  private void check() {
    rig.driver.advanceWallClockTime(Duration.ofMillis(300));
  }

  private EntityState entity(String key) {
    KeyValueStore<String, EntityState> store = rig.driver.getKeyValueStore(AuditorStores.ENTITIES);
    return store.get(EntityState.entityId(G, key));
  }

  @Test
  void aQuiescentEntityIsEvictedAfterTheTtlAndItsOldVersionsAreStaleForEveryone() {
    // Given a closed versions 1 and 2 at 1 s (TTL 10 s; claims kept 5 s, so only the residue
    // judges the old versions below)
    List<String> members = List.of("n1", "n2", "n3");
    start(PolicyLoader.parse("state:\n  entityTtl: 10s\nclaims:\n  retention: 5s\n"), members);
    rig.round(G, members, "a", 1, 1_000);
    rig.round(G, members, "a", 2, 1_000);
    check();
    assertThat(entity("a")).isNotNull();
    // When admitted report time reaches 11 s (entity b's round) and the check runs
    rig.round(G, members, "b", 1, 11_000);
    check();
    // Then a is gone, b stays, and the gauge counts one entity
    assertThat(entity("a")).isNull();
    assertThat(entity("b")).isNotNull();
    assertThat(meters.get("herald_entities").gauge().value()).isEqualTo(1.0);
    assertThat(meters.get("herald_entities_evicted").counter().count()).isEqualTo(1.0);
    // When n1 re-signs its report of a@2 (and a diverging a@1) in new batches
    rig.report("n1", 12_000, replicas.honest("n1", G, "a", 2));
    rig.report("n1", 12_000, replicas.change("n1", G, "a", 1, "", "other", "op1"));
    rig.round(G, members, "c", 1, 30_000);
    check();
    // Then they are STALE dead letters, and nobody is named
    assertThat(rig.deadReasons()).containsExactly("STALE", "STALE");
    assertThat(rig.newAlerts()).isEmpty();
    // And a's next version is audited as before: n3 diverges at a@3
    rig.report("n1", 31_000, replicas.honest("n1", G, "a", 3));
    rig.report("n2", 31_000, replicas.honest("n2", G, "a", 3));
    rig.report("n3", 31_000, replicas.change("n3", G, "a", 3, "s2", "bad", "op3"));
    assertThat(rig.newAlerts()).containsExactly("DIVERGENCE OPEN [n3]");
  }

  @Test
  void afterAnEvictionTheClaimsStoreStillCatchesASecondDifferentClaim() {
    // Given a closed versions 1 and 2 at 1 s, evicted after the 10 s TTL (claims kept 7 days)
    List<String> members = List.of("n1", "n2", "n3");
    start(PolicyLoader.parse("state:\n  entityTtl: 10s\n"), members);
    rig.round(G, members, "a", 1, 1_000);
    rig.round(G, members, "a", 2, 1_000);
    rig.round(G, members, "b", 1, 11_000);
    check();
    assertThat(entity("a")).isNull();
    // When n1 re-sends its a@2 claim unchanged and signs a different claim for a@1
    rig.report("n1", 12_000, replicas.honest("n1", G, "a", 2));
    rig.report("n1", 12_000, replicas.change("n1", G, "a", 1, "", "other", "op1"));
    // Then the unchanged one is a duplicate (nothing), the different one an EQUIVOCATION of n1
    assertThat(rig.deadReasons()).isEmpty();
    assertThat(rig.newAlerts()).containsExactly("EQUIVOCATION OPEN [n1]");
  }

  @Test
  void aNodeSprayingFreshEntitiesIsStoppedAtItsQuotaAndTheOthersAreStillAudited() {
    // Given a quota of 5 open entities per node
    List<String> members = List.of("n1", "n2", "n3", "b");
    start(PolicyLoader.parse("state:\n  maxOpenEntitiesPerNode: 5\n"), members);
    // When b reports 40 fresh entities in one batch, then 40 more
    for (int k = 0; k < 2; k++) {
      List<StateChange> spray = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        spray.add(replicas.honest("b", G, "spray-" + k + "-" + i, 1));
      }
      rig.report("b", 1_000, spray.toArray(StateChange[]::new));
    }
    // ... while n1, n2, n3 (and b) audit c0..c9, n3 diverging at c9
    List<String> honest = List.of("n1", "n2", "b");
    for (int i = 0; i < 10; i++) {
      rig.round(G, honest, "c" + i, 1, 1_100);
      if (i == 9) {
        rig.report("n3", 1_100, replicas.change("n3", G, "c9", 1, "", "bad", "op1"));
      } else {
        rig.report("n3", 1_100, replicas.honest("n3", G, "c" + i, 1));
      }
    }
    // Then b holds 5 entities, its other reports are ENTITY_QUOTA dead letters and it alone is
    // named; n3's divergence is detected
    assertThat(rig.deadReasons()).containsExactly("ENTITY_QUOTA", "ENTITY_QUOTA");
    assertThat(entity("spray-0-4")).isNotNull();
    assertThat(entity("spray-0-5")).isNull();
    assertThat(rig.newAlerts()).containsExactlyInAnyOrder("FLOOD OPEN [b]", "DIVERGENCE OPEN [n3]");
    // And once its versions closed (grace, by report time), b may open entities again
    rig.round(G, List.of("n1", "n2", "n3", "b"), "later", 1, 5_000);
    rig.report("b", 5_100, replicas.honest("b", G, "spray-2-0", 1));
    assertThat(rig.deadReasons()).isEmpty();
    assertThat(entity("spray-2-0")).isNotNull();
    // And a report refused for the quota, sent again now, is voted (its claim was not recorded
    // when it was refused, so it is no "repeat")
    rig.report("b", 5_200, replicas.honest("b", G, "spray-0-5", 1));
    assertThat(rig.deadReasons()).isEmpty();
    assertThat(entity("spray-0-5")).isNotNull();
  }
}
