package dev.herald.auditor.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.auditor.policy.AuditPolicy;
import dev.herald.auditor.policy.PolicyLoader;
import dev.herald.schema.DeadLetter;
import dev.herald.schema.NodeRecord;
import dev.herald.schema.StateChange;
import dev.herald.schema.Topics;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.signing.Ed25519;
import dev.herald.testsupport.Fleet;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Key rotation and the rate budget at the call site, on {@link TopologyTestDriver}: the key a
 * rotation retires verifies only for the report grace after the rotation (then FORGED_REPORT), and
 * the budget is charged by arrival, so forged report event times do not refill it.
 */
class KeyRotationTopologyTest {
  private static final String G = "g";
  private static final List<String> MEMBERS = List.of("n1", "n2", "n3");
  private static final long ROTATED_AT = 100_000;

  @TempDir Path stateDir;
  private final TestReplicas replicas = new TestReplicas();
  private final AvroWireFormat<NodeRecord> nodeFormat =
      new AvroWireFormat<>(NodeRecord.class, replicas.schemas);
  @AutoClose private TopologyRig rig;

  private void start(AuditPolicy policy) {
    rig = TopologyRig.reconciliation(replicas, stateDir, "rotation-test", () -> policy);
    rig.join(G, MEMBERS);
  }

  /** A rotation signed by the key it retires, as {@code herald nodes rotate} writes it. */
  private void rotate(String node, Ed25519.KeyPair newKey, long at) {
    NodeRecord rotation =
        Fleet.node(
            node,
            node,
            newKey.publicKey(),
            "eu",
            List.of(G),
            Instant.ofEpochMilli(at),
            replicas.key(node));
    rig.nodes.pipeInput(node, nodeFormat.serialize(Topics.NODES, rotation), at);
  }

  private byte[] signedWith(String node, Ed25519.KeyPair key, StateChange... reports) {
    return signedWith(node, key, 0, reports);
  }

  private byte[] signedWith(
      String node, Ed25519.KeyPair key, long createdAt, StateChange... reports) {
    dev.herald.schema.ReportBatch b = replicas.batch(node, List.of(reports));
    b.setCreatedAt(Instant.ofEpochMilli(createdAt));
    b.setKeyId(key.keyId());
    return replicas.signedWith(b, key);
  }

  @Test
  void theOldKeyVerifiesOnlyForTheGraceAfterARotationAndTheNewKeyFromThenOn() {
    start(AuditPolicy.DEFAULT.withKeyRotationGrace(Duration.ofSeconds(2)));
    Ed25519.KeyPair newKey = Fleet.seededKey("n1-2027");
    Ed25519.KeyPair oldKey = replicas.key("n1");
    rotate("n1", newKey, ROTATED_AT);

    // in flight during the rotation: signed with the old key, arriving 1 s after it
    rig.batches.pipeInput(
        "n1", signedWith("n1", oldKey, replicas.honest("n1", G, "a", 1)), 101_000);
    rig.report("n2", 101_000, replicas.honest("n2", G, "a", 1));
    rig.report("n3", 101_000, replicas.honest("n3", G, "a", 1));
    // signed with the new key
    rig.batches.pipeInput(
        "n1", signedWith("n1", newKey, replicas.honest("n1", G, "a", 2)), 104_000);
    rig.report("n2", 104_000, replicas.honest("n2", G, "a", 2));
    rig.report("n3", 104_000, replicas.honest("n3", G, "a", 2));
    assertThat(rig.newAlerts()).isEmpty();

    // an old batch signed before the rotation, replayed after the grace: not counted, no blame
    rig.batches.pipeInput(
        "n1", signedWith("n1", oldKey, 99_000, replicas.honest("n1", G, "b", 1)), 104_500);
    assertThat(rig.dlq.readValuesToList())
        .extracting(DeadLetter::getReason)
        .containsExactly("STALE_REPLAY");
    assertThat(rig.newAlerts()).isEmpty();

    // the old key signing after the grace (a thief of the retired key): forged, and not counted
    rig.batches.pipeInput(
        "n1", signedWith("n1", oldKey, 105_000, replicas.honest("n1", G, "a", 3)), 105_000);
    rig.report("n2", 105_000, replicas.honest("n2", G, "a", 3));
    rig.report("n3", 105_000, replicas.honest("n3", G, "a", 3));
    rig.report("n2", 120_000);
    assertThat(rig.newAlerts())
        .contains("FORGED_REPORT OPEN [n1]")
        .noneMatch(a -> a.startsWith("FORGED_REPORT") && !a.endsWith("[n1]"));
  }

  @Test
  void forgedEventTimesDoNotRefillTheRateBudget() {
    start(
        PolicyLoader.parse(
            "defaults:\n  rateBudget:\n    reportsPerSecond: 1\n    burst: 3\n"
                + "    maxInFlightVersions: 1000\n"));
    // 20 reports in one batch, each claiming to be an hour later than the one before
    List<StateChange> gamed = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      StateChange sc = replicas.honest("n1", G, "f" + i, 1);
      sc.setEventTime(Instant.ofEpochMilli(1_000 + i * 3_600_000L));
      gamed.add(sc);
    }
    rig.batches.pipeInput("n1", replicas.signed(replicas.batch("n1", gamed)), 1_000);
    assertThat(rig.dlq.readValuesToList())
        .extracting(DeadLetter::getReason)
        .containsExactly("FLOOD");
    assertThat(rig.newAlerts()).contains("FLOOD OPEN [n1]");
  }
}
