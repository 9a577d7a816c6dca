package dev.herald.schema.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.schema.AlertStatus;
import dev.herald.schema.AlertType;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.Evidence;
import dev.herald.schema.Severity;
import dev.herald.schema.TreeHead;
import dev.herald.schema.signing.Ed25519;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The auditor's signatures over alerts and tree heads: valid, and any change breaks them. */
class AuditorSignaturesTest {
  private static final Ed25519.KeyPair KEY = Ed25519.fromSeed(new byte[32]);

  static AuditAlert alert() {
    return AuditAlert.newBuilder()
        .setAlertId("a1")
        .setType(AlertType.DIVERGENCE)
        .setSeverity(Severity.HIGH)
        .setStatus(AlertStatus.OPEN)
        .setGroup("g")
        .setEntityKey("e")
        .setVersion(3L)
        .setNodes(List.of("n2"))
        .setDetail("n2 diverged")
        .setEvidence(
            List.of(
                Evidence.newBuilder()
                    .setTopic("t")
                    .setPartition(1)
                    .setOffset(5)
                    .setNodeId("n2")
                    .setKeyId("k")
                    .setBatchSeq(9)
                    .setRecord(ByteBuffer.wrap(new byte[] {1, 2}))
                    .setSignatureValid(true)
                    .setSha256(ByteBuffer.wrap(new byte[] {3}))
                    .build()))
        .setDetectedAt(Instant.ofEpochMilli(1000))
        .setFirstEventTime(Instant.ofEpochMilli(900))
        .setAttributes(Map.of("count", "1"))
        .setLogId("log-0")
        .setLogIndex(0L)
        .build();
  }

  @Test
  void aSignedAlertVerifiesAndAnyChangeBreaksIt() {
    AuditAlert a = AuditorSignatures.sign(alert(), KEY, "auditor-1");
    assertThat(a.getAuditorKeyId()).isEqualTo(KEY.keyId());
    assertThat(AuditorSignatures.verify(a, Ed25519.publicKey(KEY.publicKey()))).isTrue();

    AuditAlert detail = AuditAlert.newBuilder(a).setDetail("n2 diverged!").build();
    AuditAlert index = AuditAlert.newBuilder(a).setLogIndex(1L).build();
    AuditAlert evidence = AuditAlert.newBuilder(a).build();
    evidence.getEvidence().set(0, Evidence.newBuilder(a.getEvidence().get(0)).setOffset(6).build());
    for (AuditAlert t : List.of(detail, index, evidence)) {
      assertThat(AuditorSignatures.verify(t, Ed25519.publicKey(KEY.publicKey()))).isFalse();
      assertThat(AuditorSignatures.leafHash(t)).isNotEqualTo(AuditorSignatures.leafHash(a));
    }
    Ed25519.KeyPair other =
        Ed25519.fromSeed(
            new byte[] {
              1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
              0, 0, 0
            });
    assertThat(AuditorSignatures.verify(a, Ed25519.publicKey(other.publicKey()))).isFalse();
    assertThat(AuditorSignatures.verify(alert(), Ed25519.publicKey(KEY.publicKey())))
        .as("unsigned")
        .isFalse();
  }

  @Test
  void aSignedTreeHeadVerifiesAndAChangedRootDoesNot() {
    TreeHead h =
        AuditorSignatures.sign(
            TreeHead.newBuilder()
                .setLogId("log-0")
                .setAuditorId("auditor-1")
                .setKeyId(KEY.keyId())
                .setTreeSize(3)
                .setRootHash(ByteBuffer.wrap(MerkleTree.emptyRoot()))
                .setTimestamp(Instant.ofEpochMilli(5))
                .setSignature(ByteBuffer.allocate(0))
                .build(),
            KEY);
    assertThat(AuditorSignatures.verify(h, Ed25519.publicKey(KEY.publicKey()))).isTrue();
    TreeHead bigger = TreeHead.newBuilder(h).setTreeSize(4).build();
    assertThat(AuditorSignatures.verify(bigger, Ed25519.publicKey(KEY.publicKey()))).isFalse();
  }
}
