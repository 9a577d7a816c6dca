package dev.herald.auditor.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.auditor.policy.AuditPolicy;
import dev.herald.schema.AlertStatus;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.DeadLetter;
import dev.herald.schema.NodeStatus;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The identity topology on {@link TopologyTestDriver}: registrations in, identity alerts out. */
class IdentityTopologyTest {
  @TempDir Path stateDir;
  private final TestReplicas replicas = new TestReplicas();
  @AutoClose private TopologyRig rig;

  @BeforeEach
  void start() {
    rig = TopologyRig.identity(replicas, stateDir, "identity-test", AuditPolicy.DEFAULT);
  }

  @Test
  void reRegistrationWithAnotherKeyIsAlertedOnceEvenWhenRepeated() {
    rig.nodes.pipeInput("n1", replicas.registration("n1", List.of("g")));
    byte[] other =
        replicas.registration("n1", "n1", replicas.key("evil").publicKey(), List.of("g"));
    rig.nodes.pipeInput("n1", other);
    rig.nodes.pipeInput("n1", replicas.registration("n1", List.of("g")));
    rig.nodes.pipeInput("n1", other);
    List<AuditAlert> found = rig.alerts.readValuesToList();
    assertThat(found)
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.getType().name()).isEqualTo("IDENTITY_CONFLICT");
              assertThat(a.getNodes()).containsExactly("n1");
              assertThat(a.getStatus()).isEqualTo(AlertStatus.OPEN);
              assertThat(a.getGroup()).isEmpty();
            });
  }

  @Test
  void confusableNamesAreAlertedAndUndecodableRegistrationsGoToTheDlq() {
    rig.nodes.pipeInput(
        "node-a",
        replicas.registration("node-a", "Ledger", replicas.key("a").publicKey(), List.of()));
    rig.nodes.pipeInput(
        "node-b",
        replicas.registration("node-b", "L\u0435dger", replicas.key("b").publicKey(), List.of()));
    rig.nodes.pipeInput("junk", new byte[] {7, 7, 7});
    assertThat(rig.alerts.readValuesToList())
        .extracting(a -> a.getType() + " " + a.getNodes())
        .containsExactly("CONFUSABLE_IDENTITY [node-a, node-b]");
    assertThat(rig.dlq.readValuesToList())
        .extracting(DeadLetter::getReason)
        .containsExactly("BAD_MAGIC_BYTE");
  }

  @Test
  void everyStatusChangeTombstoneAndReactivationIsAnAlertAndBadRecordsAreDeadLetters() {
    byte[] n1 = replicas.registration("n1", List.of("g"));
    rig.nodes.pipeInput("n1", n1, 1_000);
    rig.nodes.pipeInput(
        "n1",
        replicas.registration(
            "n1", "n1", replicas.key("n1").publicKey(), List.of("g"), NodeStatus.REVOKED),
        2_000);
    rig.nodes.pipeInput("n1", n1, 3_000);
    rig.nodes.pipeInput("n1", null, 4_000);
    rig.nodes.pipeInput("n1", n1, 5_000);
    // a record keyed x that defines n1, an id breaking the rule, a twin of n1 in upper case
    rig.nodes.pipeInput(
        "x", replicas.registration("n1", "n1", replicas.key("x").publicKey(), List.of("g")), 6_000);
    rig.nodes.pipeInput("Stranger", replicas.registration("Stranger", List.of("g")), 7_000);
    rig.nodes.pipeInput("N1", replicas.registration("N1", List.of("g")), 8_000);

    assertThat(rig.alerts.readValuesToList())
        .extracting(a -> a.getType() + " " + a.getNodes())
        .containsExactly(
            "NODE_STATUS_CHANGED [n1]",
            "NODE_REACTIVATED [n1]",
            "NODE_DELETED [n1]",
            "INVALID_REGISTRATION [n1]",
            "INVALID_REGISTRATION [Stranger]",
            "CONFUSABLE_IDENTITY [N1, n1]");
    assertThat(rig.dlq.readValuesToList())
        .extracting(DeadLetter::getReason)
        .containsExactly("KEY_MISMATCH", "INVALID_ID", "INVALID_ID");
  }
}
