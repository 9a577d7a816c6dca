package dev.herald.auditor.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.auditor.policy.AuditPolicy;
import dev.herald.schema.NodeRecord;
import dev.herald.schema.NodeStatus;
import dev.herald.schema.ReportBatch;
import dev.herald.schema.StateChange;
import dev.herald.schema.Topics;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.signing.Ed25519;
import dev.herald.testsupport.Fleet;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Verdicts use the registry as it was at each record's broker time: an auditor that reads the input
 * live (the registry changing between the batches) and a second auditor that reads the same input
 * later (the whole registry history known before the first batch) raise the same alerts, although
 * n1 rotated its key twice and n2 was revoked in between.
 */
class RegistryAtRecordTimeTopologyTest {
  private static final String G = "g";
  private static final List<String> MEMBERS = List.of("n1", "n2", "n3");

  @TempDir Path liveState;
  @TempDir Path replayState;
  private final TestReplicas replicas = new TestReplicas();
  private final AvroWireFormat<NodeRecord> nodeFormat =
      new AvroWireFormat<>(NodeRecord.class, replicas.schemas);
  private final Map<String, Ed25519.KeyPair> signing = new HashMap<>();

  private record Input(String topic, String key, byte[] value, long at) {}

  private final List<Input> script = new ArrayList<>();

  private static Ed25519.KeyPair key(String seed) {
    return Fleet.seededKey(seed);
  }

  private void register(String node, NodeStatus status, long at) {
    script.add(
        new Input(
            Topics.NODES,
            node,
            replicas.registration(node, node, signing.get(node).publicKey(), List.of(G), status),
            at));
  }

  private void rotate(String node, Ed25519.KeyPair next, long at) {
    Ed25519.KeyPair previous = signing.get(node);
    NodeRecord r =
        Fleet.node(
            node, node, next.publicKey(), "eu", List.of(G), Instant.ofEpochMilli(at), previous);
    script.add(new Input(Topics.NODES, node, nodeFormat.serialize(Topics.NODES, r), at));
    signing.put(node, next);
  }

  private void report(String node, Ed25519.KeyPair key, long createdAt, StateChange sc, long at) {
    ReportBatch b = replicas.batch(node, List.of(sc));
    b.setKeyId(key.keyId());
    b.setCreatedAt(Instant.ofEpochMilli(createdAt));
    script.add(new Input(Topics.STATE_CHANGES, node, replicas.signedWith(b, key), at));
  }

  private void round(long version, long at) {
    for (String n : MEMBERS) {
      report(n, signing.get(n), at, replicas.honest(n, G, "a", version), at);
    }
  }

  private Set<String> run(List<Input> inputs, Path stateDir, String applicationId) {
    try (TopologyRig rig =
        TopologyRig.reconciliation(
            replicas,
            stateDir,
            applicationId,
            () -> AuditPolicy.DEFAULT.withKeyRotationGrace(Duration.ofSeconds(2)))) {
      for (Input in : inputs) {
        (in.topic().equals(Topics.NODES) ? rig.nodes : rig.batches)
            .pipeInput(in.key(), in.value(), in.at());
      }
      Set<String> out = new TreeSet<>();
      rig.alerts
          .readValuesToList()
          .forEach(
              a ->
                  out.add(
                      a.getType()
                          + " "
                          + a.getStatus()
                          + " "
                          + a.getNodes()
                          + " "
                          + a.getEntityKey()
                          + "@"
                          + a.getVersion()
                          + " "
                          + a.getAlertId()));
      return out;
    }
  }

  @Test
  void aLiveAuditorAndALaterReplayWithTheWholeHistoryRaiseTheSameAlerts() {
    // Given: three nodes; n3 diverges at v2; n1 rotates twice; n2 is revoked and keeps
    // reporting; a thief signs with n1's first key after both rotations
    MEMBERS.forEach(n -> signing.put(n, replicas.key(n)));
    Ed25519.KeyPair first = signing.get("n1");
    MEMBERS.forEach(n -> register(n, NodeStatus.ACTIVE, 0));
    round(1, 1_000);
    report("n1", signing.get("n1"), 2_000, replicas.honest("n1", G, "a", 2), 2_000);
    report("n2", signing.get("n2"), 2_000, replicas.honest("n2", G, "a", 2), 2_000);
    report(
        "n3",
        signing.get("n3"),
        2_000,
        replicas.change("n3", G, "a", 2, "s1", "bad", "op2"),
        2_000);
    rotate("n1", key("n1-second"), 100_000);
    round(3, 101_000);
    rotate("n1", key("n1-third"), 150_000);
    round(4, 151_000);
    register("n2", NodeStatus.REVOKED, 160_000);
    round(5, 161_000);
    report("n1", first, 170_000, replicas.honest("n1", G, "a", 6), 170_000);
    report("n3", signing.get("n3"), 180_000, replicas.honest("n3", G, "b", 1), 180_000);

    // When: one auditor reads it live, another reads it with the registry read first
    Set<String> live = run(script, liveState, "registry-live");
    List<Input> registryFirst = new ArrayList<>();
    script.stream().filter(i -> i.topic().equals(Topics.NODES)).forEach(registryFirst::add);
    script.stream().filter(i -> !i.topic().equals(Topics.NODES)).forEach(registryFirst::add);
    Set<String> replay = run(registryFirst, replayState, "registry-replay");

    // Then
    assertThat(live)
        .anyMatch(a -> a.startsWith("DIVERGENCE OPEN [n3] a@2"))
        .anyMatch(a -> a.startsWith("UNKNOWN_NODE OPEN [n2]"))
        .anyMatch(a -> a.startsWith("FORGED_REPORT OPEN [n1]"))
        .noneMatch(a -> a.startsWith("REPLICA_LAG"));
    assertThat(live).hasSize(3);
    assertThat(replay).isEqualTo(live);
  }
}
