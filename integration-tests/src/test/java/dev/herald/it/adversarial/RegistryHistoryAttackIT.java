package dev.herald.it.adversarial;

import static dev.herald.it.adversarial.Verdict.alert;
import static dev.herald.it.adversarial.Verdict.deadLetter;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.auditor.HeraldAuditor;
import dev.herald.auditor.policy.AuditPolicy;
import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.it.support.RunningAuditor;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.NodeRecord;
import dev.herald.schema.NodeStatus;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Security review #12 and #20: the node registry is an append-only, auditable history. An operator
 * credential (or whoever holds it) writes {@code herald.nodes.v1} directly; the auditor must never
 * apply a record keyed by another id or an unsigned re-key, must alert on every tombstone and
 * reactivation, and must judge each record against the registry as it was at the record's time — so
 * a second auditor started later reaches the same alerts as the first.
 */
@Tag("slow")
class RegistryHistoryAttackIT {
  static final String PAY = "pay";
  static final List<String> NODES = List.of("n1", "n2", "n3");
  static final int P = 2;

  @RegisterExtension final KafkaBrokerExtension kafka = KafkaBrokerExtension.perTest(false);

  @TempDir Path stateDir;
  @TempDir Path secondStateDir;

  @Test
  void aTombstoneAndAReactivationEachRaiseAnAlert() throws Exception {
    try (AttackRange range = AttackRange.on(kafka, "adv-registry-tombstone").start(stateDir)) {
      AttackFleet fleet = range.fleet();
      fleet.register(List.of(PAY), NODES.toArray(String[]::new));
      range.startAuditor();

      // When: n3 is deleted from the registry (a tombstone), then registered again
      fleet.writeRegistry("n3", null);
      AttackRange.awaitQuietly(
          Verdict.DETECTION, () -> range.auditor().queries().registeredNode("n3").isEmpty());
      fleet.writeRegistry("n3", fleet.registrationOf("n3"));

      // Then
      range
          .verdict("tombstone and reactivation")
          .expect(alert("NODE_DELETED").group("").nodes("n3"))
          .expect(alert("NODE_REACTIVATED").group("").nodes("n3"))
          .check();
    }
  }

  @Test
  void aRecordKeyedByAnotherIdNeverDefinesTheNode() throws Exception {
    try (AttackRange range = AttackRange.on(kafka, "adv-registry-keymismatch").start(stateDir)) {
      AttackFleet fleet = range.fleet();
      List<String> accounts = AttackFleet.entitiesOn(PAY, P, "acct", 3);
      range.warmUp(PAY, NODES, accounts, 1);

      // When: a record keyed "x" claims to define n1 with an attacker's key
      NodeRecord rogue = fleet.registrationOf("n1");
      rogue.setPublicKey(ByteBuffer.wrap(AttackFleet.attackerKey("x").publicKey()));
      AttackFleet.Sent written = fleet.writeRegistry("x", rogue);
      for (long v = 2; v <= 4; v++) {
        fleet.round(PAY, NODES, accounts, v);
      }

      // Then: a dead letter and an alert; n1's honest batches still verify (no FORGED_REPORT)
      range
          .verdict("record keyed by another id")
          .expect(deadLetter("KEY_MISMATCH").at(written))
          .expect(alert("INVALID_REGISTRATION").group("").nodes("n1"))
          .expectThat(
              "n1 keeps its key",
              () ->
                  range
                      .auditor()
                      .queries()
                      .registeredNode("n1")
                      .map(n -> n.keyId().equals(fleet.key("n1").keyId()))
                      .orElse(false))
          .check();
    }
  }

  @Test
  void anUnsignedReKeyIsQuarantinedAndTheNodesOwnBatchesStillCount() throws Exception {
    try (AttackRange range = AttackRange.on(kafka, "adv-registry-rekey").start(stateDir)) {
      AttackFleet fleet = range.fleet();
      List<String> accounts = AttackFleet.entitiesOn(PAY, P, "acct", 3);
      range.warmUp(PAY, NODES, accounts, 1);

      // When: an operator re-keys n1 declaring a rotation from its key, without n1's signature
      NodeRecord rekey = fleet.registrationOf("n1");
      rekey.setPublicKey(ByteBuffer.wrap(AttackFleet.attackerKey("operator").publicKey()));
      rekey.setRotatesFrom(ByteBuffer.wrap(fleet.key("n1").publicKey()));
      AttackFleet.Sent written = fleet.writeRegistry("n1", rekey);
      for (long v = 2; v <= 4; v++) {
        fleet.round(PAY, NODES, accounts, v);
      }

      // Then: quarantined — an IDENTITY_CONFLICT, and n1's own batches go on counting
      range
          .verdict("unsigned re-key")
          .expect(deadLetter("QUARANTINED").at(written))
          .expect(alert("IDENTITY_CONFLICT").group("").nodes("n1"))
          .check();
    }
  }

  @Test
  void aSecondAuditorStartedAfterTwoRotationsAndARevocationRaisesTheSameAlerts() throws Exception {
    try (AttackRange range = AttackRange.on(kafka, "adv-registry-first").start(stateDir)) {
      AttackFleet fleet = range.fleet();
      List<String> accounts = AttackFleet.entitiesOn(PAY, P, "acct", 3);
      range.warmUp(PAY, NODES, accounts, 2);
      // Given: n3 diverges at v3, n1 rotates twice, n2 is revoked and keeps reporting
      String div = accounts.get(0);
      fleet.round(
          PAY,
          NODES,
          accounts,
          3,
          (node, sc) ->
              node.equals("n3") && sc.getEntityKey().equals(div)
                  ? AttackFleet.diverged(node, PAY, div, 3, "x")
                  : sc);
      range.rotate("n1");
      fleet.round(PAY, NODES, accounts, 4);
      range.rotate("n1");
      fleet.round(PAY, NODES, accounts, 5);
      range.silence("n2"); // a revoked node's heartbeats prove nothing: stop them
      NodeRecord revoked = fleet.registrationOf("n2");
      revoked.setStatus(NodeStatus.REVOKED);
      fleet.writeRegistry("n2", revoked);
      AttackRange.awaitQuietly(
          Verdict.DETECTION,
          () ->
              range
                  .auditor()
                  .queries()
                  .registeredNode("n2")
                  .map(n -> n.status() == NodeStatus.REVOKED)
                  .orElse(false));
      fleet.round(PAY, NODES, accounts, 6);
      range.awaitClosed(PAY, accounts.get(2), 6);
      range
          .verdict("live auditor")
          .expect(alert("DIVERGENCE").group(PAY).entity(div).version(3).nodes("n3"))
          .expect(alert("UNKNOWN_NODE").group(PAY).nodes("n2"))
          .expect(alert("NODE_STATUS_CHANGED").group("").nodes("n2"))
          .allow(alert("NODE_SILENT").nodes("n2"))
          .allow(deadLetter("UNKNOWN_NODE"))
          .check();
      Set<String> first = book(range.auditor());

      // When: a second auditor (another application id) reads the same topics from the start
      try (HeraldAuditor second =
          HeraldAuditor.start(
              RunningAuditor.config(
                      range.bootstrap(),
                      "adv-registry-second",
                      secondStateDir,
                      AuditPolicy.DEFAULT,
                      range.registryUrl())
                  .build())) {
        AttackRange.awaitQuietly(
            Duration.ofSeconds(120),
            () ->
                second.awaitRunning(Duration.ofMillis(100))
                    && second.queries().entity(PAY, accounts.get(2)).isPresent()
                    && second
                        .queries()
                        .entity(PAY, accounts.get(2))
                        .get()
                        .closedVersions()
                        .containsKey(6L)
                    && book(second).equals(first));

        // Then: the same alerts, by id
        assertThat(book(second)).isEqualTo(first);
      }
    }
  }

  /**
   * The alerts an auditor's reconciliation has raised from reports: id, type and nodes (silence is
   * judged on heartbeat time and the wall clock, not on the registry: left out).
   */
  private static Set<String> book(HeraldAuditor auditor) {
    Set<String> out = new TreeSet<>();
    for (AuditAlert a : auditor.queries().openAlerts()) {
      if (a.getType().name().equals("NODE_SILENT")) {
        continue;
      }
      out.add(a.getAlertId() + " " + a.getType() + " " + a.getGroup() + " " + a.getNodes());
    }
    return out;
  }
}
