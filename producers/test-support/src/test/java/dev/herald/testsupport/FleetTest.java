package dev.herald.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.schema.Heartbeat;
import dev.herald.schema.ReportBatch;
import dev.herald.schema.StateChange;
import dev.herald.schema.Topics;
import dev.herald.schema.registry.InMemorySchemaRegistryClient;
import dev.herald.schema.signing.BatchSignatures;
import dev.herald.schema.signing.Ed25519;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.junit.jupiter.api.Test;

/** The shared fleet writes what the auditor admits: signed by the node's key, in sequence. */
class FleetTest {
  private final Fleet fleet = new Fleet(new InMemorySchemaRegistryClient(), "fleet-test:");

  @Test
  void aBatchRecordIsSignedByTheNodesKeyAndLandsOnItsPartitionInSequence() {
    // Given
    StateChange r = Fleet.honest("n1", "pay", "acct-1", 2);
    int p = Fleet.partitionOf("pay", "acct-1");

    // When
    ProducerRecord<String, byte[]> first = fleet.batchRecord("n1", p, List.of(r));
    ProducerRecord<String, byte[]> second = fleet.batchRecord("n1", p, List.of(r));

    // Then
    ReportBatch b1 = fleet.batchFormat().deserialize(Topics.STATE_CHANGES, first.value());
    ReportBatch b2 = fleet.batchFormat().deserialize(Topics.STATE_CHANGES, second.value());
    assertThat(first.topic()).isEqualTo(Topics.STATE_CHANGES);
    assertThat(first.partition()).isEqualTo(p);
    assertThat(first.key()).isEqualTo("n1");
    assertThat(BatchSignatures.verify(b1, publicKey("n1"))).isTrue();
    assertThat(BatchSignatures.verify(b1, publicKey("n2"))).isFalse();
    assertThat(b2.getBatchSeq()).isEqualTo(b1.getBatchSeq() + 1);
    assertThat(r.getPrevStateHash().array()).isEqualTo(Fleet.stateHash("pay", "acct-1", 1));
  }

  @Test
  void aForgedBatchClaimsTheNodesKeyButDoesNotVerify() {
    // When
    ReportBatch forged =
        fleet.signedBatch(
            "n1", 0, List.of(Fleet.honest("n1", "pay", "a", 1)), Fleet.seededKey("attacker"));

    // Then
    assertThat(forged.getKeyId().toString()).isEqualTo(fleet.key("n1").keyId());
    assertThat(BatchSignatures.verify(forged, publicKey("n1"))).isFalse();
  }

  @Test
  void aRotatedNodeSignsWithItsNewKey() {
    // Given
    Ed25519.KeyPair next = Fleet.filledKey(7);

    // When
    Ed25519.KeyPair before = fleet.useKey("n1", next);
    Heartbeat hb =
        fleet
            .heartbeatFormat()
            .deserialize(
                Topics.HEARTBEATS, fleet.heartbeatRecord("n1", List.of("pay"), 1_000L).value());

    // Then
    assertThat(before.keyId()).isNotEqualTo(next.keyId());
    assertThat(hb.getKeyId().toString()).isEqualTo(next.keyId());
    assertThat(BatchSignatures.verify(hb, Ed25519.publicKey(next.publicKey()))).isTrue();
    assertThat(BatchSignatures.verify(hb, Ed25519.publicKey(before.publicKey()))).isFalse();
  }

  private Ed25519PublicKeyParameters publicKey(String node) {
    return Ed25519.publicKey(fleet.key(node).publicKey());
  }
}
