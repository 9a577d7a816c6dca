package dev.herald.auditor.identity;

import static dev.herald.auditor.identity.RegistryFixture.key;
import static dev.herald.auditor.identity.RegistryFixture.record;
import static dev.herald.auditor.identity.RegistryFixture.rotation;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.schema.NodeRecord;
import dev.herald.schema.NodeStatus;
import dev.herald.schema.canonical.Hashing;
import dev.herald.schema.signing.Ed25519;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link RegistryRules}: what each registry record does to a node's history. */
class RegistryRulesTest {
  private final RegistryFixture registry = new RegistryFixture();
  private final Ed25519.KeyPair k1 = key("k1");
  private final Ed25519.KeyPair k2 = key("k2");
  private final Ed25519.KeyPair k3 = key("k3");

  @Test
  void aRecordWhoseKeyIsNotItsNodeIdIsRejectedAndNeverApplied() {
    registry.write(record("n1", k1), 10);
    registry.write("x", record("n1", k2), 20);

    assertThat(registry.last())
        .isInstanceOfSatisfying(
            RegistryRules.Rejected.class, r -> assertThat(r.reason()).isEqualTo("KEY_MISMATCH"));
    assertThat(registry.histories.get("n1").latest().publicKeyHex())
        .isEqualTo(Hashing.hex(k1.publicKey()));
    assertThat(registry.histories).doesNotContainKey("x");
  }

  @Test
  void idsBreakingTheRuleAreRejected() {
    for (String id : List.of("Node-1", "node-1\u200B", "-n", "pay/eu", "a".repeat(65))) {
      registry.write(record(id, k1), 10);
      assertThat(registry.last())
          .as(id)
          .isInstanceOfSatisfying(
              RegistryRules.Rejected.class, r -> assertThat(r.reason()).isEqualTo("INVALID_ID"));
    }
    NodeRecord badGroup = record("n1", k1);
    badGroup.setGroups(List.of("Payments"));
    registry.write(badGroup, 10);
    assertThat(((RegistryRules.Rejected) registry.last()).detail()).contains("group id 'Payments'");
    assertThat(registry.histories).isEmpty();
  }

  @Test
  void weakAndMalformedKeysAreRejected() {
    NodeRecord identity = record("n1", k1);
    byte[] neutral = new byte[32];
    neutral[0] = 1; // the encoding of the neutral point: small order
    identity.setPublicKey(ByteBuffer.wrap(neutral));
    registry.write(identity, 10);
    assertThat(((RegistryRules.Rejected) registry.last()).reason()).isEqualTo("WEAK_KEY");

    NodeRecord shortKey = record("n2", k1);
    shortKey.setPublicKey(ByteBuffer.wrap(new byte[31]));
    registry.write(shortKey, 10);
    assertThat(((RegistryRules.Rejected) registry.last()).reason()).isEqualTo("WEAK_KEY");
  }

  @Test
  void aRotationSignedByTheCurrentKeyIsAppliedAndTheKeysValidityIsKept() {
    registry.write(record("n1", k1), 10);
    registry.write(rotation("n1", k1, k2, k1, 100), 100);
    registry.write(rotation("n1", k2, k3, k2, 200), 200);

    NodeHistory h = registry.histories.get("n1");
    assertThat(h.keySpans())
        .extracting(s -> s.keyId() + " " + s.from() + ".." + s.until())
        .containsExactly(
            k1.keyId() + " " + Long.MIN_VALUE + "..100",
            k2.keyId() + " 100..200",
            k3.keyId() + " 200.." + Long.MAX_VALUE);
    assertThat(h.at(150).publicKeyHex()).isEqualTo(Hashing.hex(k2.publicKey()));
  }

  @Test
  void anUnsignedOrWronglySignedRotationIsQuarantined() {
    registry.write(record("n1", k1), 10);
    registry.write(rotation("n1", k1, k2, null, 100), 100);
    assertThat(registry.last()).isInstanceOf(RegistryRules.Quarantined.class);
    registry.write(rotation("n1", k1, k2, k3, 100), 100);
    assertThat(registry.last()).isInstanceOf(RegistryRules.Quarantined.class);
    // another key with no rotation at all
    registry.write(record("n1", k2), 110);
    assertThat(registry.last()).isInstanceOf(RegistryRules.Quarantined.class);
    assertThat(registry.histories.get("n1").entries()).hasSize(1);
  }

  @Test
  void aRotationBackToARetiredKeyAndAKeyOfAnotherNodeAreQuarantined() {
    registry.write(record("n1", k1), 10);
    registry.write(rotation("n1", k1, k2, k1, 100), 100);
    registry.write(rotation("n1", k2, k1, k2, 200), 200);
    assertThat(registry.last()).isInstanceOf(RegistryRules.Quarantined.class);

    registry.write(record("n2", k2), 300);
    assertThat(registry.last())
        .isInstanceOfSatisfying(
            RegistryRules.Quarantined.class,
            q -> assertThat(q.nodes()).containsExactly("n2", "n1"));
  }

  @Test
  void statusChangesReactivationsAndTombstonesAreEntries() {
    registry.write(record("n1", k1), 10);
    registry.write(record("n1", "n1", k1, NodeStatus.REVOKED), 20);
    registry.write(record("n1", k1), 30);
    registry.write("n1", null, 40);
    registry.write(record("n1", k1), 50);

    assertThat(registry.histories.get("n1").entries())
        .extracting(NodeHistory.Entry::change)
        .containsExactly(
            NodeHistory.Change.REGISTERED,
            NodeHistory.Change.STATUS_CHANGED,
            NodeHistory.Change.REACTIVATED,
            NodeHistory.Change.DELETED,
            NodeHistory.Change.REACTIVATED);
    NodeHistory h = registry.histories.get("n1");
    assertThat(h.at(25).status()).isEqualTo(NodeStatus.REVOKED);
    assertThat(h.at(45)).isNull();
    assertThat(h.at(55).active()).isTrue();
  }

  @Test
  void aRestatementChangesNothingAndATombstoneOfAnUnknownIdIsNothing() {
    registry.write(record("n1", k1), 10);
    registry.write(record("n1", k1), 20);
    assertThat(registry.last()).isInstanceOf(RegistryRules.Unchanged.class);
    registry.write("ghost", null, 30);
    assertThat(registry.last()).isInstanceOf(RegistryRules.Unchanged.class);
  }

  @Test
  void aBackdatedRecordNeverPrecedesTheNodesEarlierEntries() {
    registry.write(record("n1", k1), 100);
    registry.write(record("n1", "n1", k1, NodeStatus.REVOKED), 50);
    assertThat(registry.histories.get("n1").last().at()).isEqualTo(100);
  }
}
