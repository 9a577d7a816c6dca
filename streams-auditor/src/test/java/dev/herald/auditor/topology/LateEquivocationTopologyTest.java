package dev.herald.auditor.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.auditor.policy.AuditPolicy;
import dev.herald.auditor.policy.ClaimsPolicy;
import dev.herald.schema.AuditAlert;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Equivocation beyond the closed window (security review #11): the claims store keeps each node's
 * signed claim per entity version, so a second, different claim for a version long closed — or
 * after close with the same state hash and another operation or base — names its node with both
 * signed batches, while a re-sent identical claim raises nothing; claims past the retention (on the
 * admitted clock) are no longer compared.
 */
class LateEquivocationTopologyTest {
  private static final String G = "g";
  private static final List<String> MEMBERS = List.of("n1", "n2", "n3");

  @TempDir Path stateDir;
  private final TestReplicas replicas = new TestReplicas();
  @AutoClose private TopologyRig rig;

  private void start(AuditPolicy policy) {
    rig = TopologyRig.reconciliation(replicas, stateDir, "late-equivocation-test", () -> policy);
    rig.join(G, MEMBERS);
  }

  /** Versions 1..{@code last} of {@code entity}, every member honest, one batch per node each. */
  private void rounds(String entity, long last) {
    for (long v = 1; v <= last; v++) {
      for (String n : MEMBERS) {
        rig.report(n, 1_000 + 10 * v, replicas.honest(n, G, entity, v));
      }
    }
  }

  private List<AuditAlert> newAlerts() {
    return rig.alerts.readValuesToList();
  }

  private static String describe(AuditAlert a) {
    return a.getType() + " " + a.getEntityKey() + " v" + a.getVersion() + " " + a.getNodes();
  }

  @Test
  void aSecondClaimHundredVersionsBackNamesItsNodeWithBothSignedBatches() {
    // Given: 120 versions agreed, version 5 long out of the closed window
    start(AuditPolicy.DEFAULT);
    rounds("acct", 120);
    assertThat(newAlerts()).isEmpty();

    // When: n3 signs another state for version 5
    rig.report("n3", 5_000, replicas.change("n3", G, "acct", 5, "s4", "evil", "op5"));

    // Then
    List<AuditAlert> found = newAlerts();
    assertThat(found)
        .map(LateEquivocationTopologyTest::describe)
        .containsExactly("EQUIVOCATION acct v5 [n3]");
    assertThat(found.get(0).getEvidence()).hasSize(2);
    assertThat(found.get(0).getEvidence())
        .allSatisfy(e -> assertThat(e.getNodeId()).isEqualTo("n3"));
    assertThat(found.get(0).getEvidence().get(0).getOffset())
        .isLessThan(found.get(0).getEvidence().get(1).getOffset());
    assertThat(rig.dlq.readValuesToList()).isEmpty();
  }

  @Test
  void aClosedVersionsWholeClaimIsComparedNotOnlyItsStateHash() {
    // Given: versions 1..3 agreed (in the closed window)
    start(AuditPolicy.DEFAULT);
    rounds("acct", 3);

    // When: n2 signs version 2 again with the same state but another operation, and n1 with the
    // same state on another base
    rig.report("n2", 2_000, replicas.change("n2", G, "acct", 2, "s1", "s2", "op-other"));
    rig.report("n1", 2_000, replicas.change("n1", G, "acct", 2, "elsewhere", "s2", "op2"));

    // Then: both are named, nobody else
    assertThat(newAlerts())
        .map(LateEquivocationTopologyTest::describe)
        .containsExactly("EQUIVOCATION acct v2 [n2]", "EQUIVOCATION acct v2 [n1]");
  }

  @Test
  void aResentIdenticalOldClaimRaisesNothing() {
    // Given
    start(AuditPolicy.DEFAULT);
    rounds("acct", 40);
    newAlerts();

    // When: n3 re-sends its claims for versions 2 (out of the window) and 39 (in it), in a new
    // batch under a new sequence number
    rig.report(
        "n3", 3_000, replicas.honest("n3", G, "acct", 2), replicas.honest("n3", G, "acct", 39));

    // Then
    assertThat(newAlerts()).isEmpty();
    assertThat(rig.dlq.readValuesToList()).isEmpty();
  }

  @Test
  void claimsOlderThanTheRetentionOnTheAdmittedClockAreNotCompared() {
    // Given: a retention of one hour; versions 1..40 admitted around t = 1 s
    start(AuditPolicy.DEFAULT.withClaims(new ClaimsPolicy(Duration.ofHours(1), 1_000)));
    rounds("acct", 40);
    // ... and the partition's admitted clock moves two hours on
    long later = 1_000 + Duration.ofHours(2).toMillis();
    rig.report("n1", later, replicas.honest("n1", G, "other", 1));
    newAlerts();

    // When
    rig.report("n3", later + 10, replicas.change("n3", G, "acct", 5, "s4", "evil", "op5"));

    // Then: version 5's claims expired; nothing to compare with
    assertThat(newAlerts()).isEmpty();
  }
}
