package dev.herald.schema.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.schema.AuditAlert;
import dev.herald.schema.TreeHead;
import dev.herald.schema.ledger.AuditLogVerifier.AuditorKey;
import dev.herald.schema.ledger.AuditLogVerifier.Check;
import dev.herald.schema.signing.Ed25519;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What {@code herald verify} and {@code herald audit-log check} decide, without Kafka: an honest
 * log verifies; a changed alert, a dropped or rewritten leaf, an unregistered key and a shrinking
 * log do not, each with a message saying what was wrong.
 */
class AuditLogVerifierTest {
  private static final Ed25519.KeyPair KEY = Ed25519.fromSeed(new byte[32]);
  private static final Map<String, AuditorKey> KEYS =
      Map.of(KEY.keyId(), new AuditorKey("auditor-1", KEY.publicKey(), "ACTIVE"));
  private static final String LOG = "app/lifecycle/0";

  private final List<AuditAlert> alerts = new ArrayList<>();
  private final List<byte[]> leaves = new ArrayList<>();

  AuditLogVerifierTest() {
    for (int i = 0; i < 6; i++) {
      AuditAlert a = AuditorSignaturesTest.alert();
      a.setAlertId("a" + i);
      a.setLogId(LOG);
      a.setLogIndex((long) i);
      AuditorSignatures.sign(a, KEY, "auditor-1");
      alerts.add(a);
      leaves.add(AuditorSignatures.leafHash(a));
    }
  }

  private static TreeHead head(List<byte[]> leaves, long size) {
    return AuditorSignatures.sign(
        TreeHead.newBuilder()
            .setLogId(LOG)
            .setAuditorId("auditor-1")
            .setKeyId(KEY.keyId())
            .setTreeSize(size)
            .setRootHash(ByteBuffer.wrap(MerkleTree.root(leaves, 0, size)))
            .setTimestamp(Instant.ofEpochMilli(size))
            .setSignature(ByteBuffer.allocate(0))
            .build(),
        KEY);
  }

  private static boolean ok(List<Check> checks) {
    return checks.stream().allMatch(Check::ok);
  }

  @Test
  void anHonestAlertAndLogVerify() {
    List<TreeHead> heads = List.of(head(leaves, 3), head(leaves, 6));

    for (AuditAlert a : alerts) {
      assertThat(ok(AuditLogVerifier.alert(a, KEYS, leaves, heads))).as(a.getAlertId()).isTrue();
    }
    assertThat(ok(AuditLogVerifier.consistency(heads.get(0), heads.get(1), KEYS, leaves))).isTrue();
  }

  @Test
  void aChangedAlertFailsItsSignatureAndItsInclusion() {
    AuditAlert changed = AuditAlert.newBuilder(alerts.get(2)).setDetail("n2 diverged.").build();

    List<Check> checks = AuditLogVerifier.alert(changed, KEYS, leaves, List.of(head(leaves, 6)));

    assertThat(checks.get(0).ok()).isFalse();
    assertThat(checks.get(0).detail()).contains("changed after the auditor signed it");
    assertThat(checks.get(1).ok()).isFalse();
    assertThat(checks.get(1).detail()).contains("rewritten after it was logged");
  }

  @Test
  void aDroppedLeafBreaksConsistencyWithAnEarlierHead() {
    TreeHead kept = head(leaves, 4);
    List<byte[]> rewritten = new ArrayList<>(leaves);
    rewritten.remove(1);
    TreeHead forged = head(rewritten, rewritten.size());

    List<Check> checks = AuditLogVerifier.consistency(kept, forged, KEYS, rewritten);

    assertThat(checks.get(0).ok()).as("the kept head is genuine").isTrue();
    assertThat(checks.get(1).ok()).as("the forged head is validly signed").isTrue();
    assertThat(checks.get(2).ok()).isFalse();
    assertThat(checks.get(2).detail()).contains("an alert was dropped or rewritten");
    assertThat(ok(AuditLogVerifier.alert(alerts.get(1), KEYS, rewritten, List.of(forged))))
        .isFalse();
  }

  @Test
  void aShrinkingLogAnUnknownKeyAndAnUncoveredAlertFail() {
    TreeHead six = head(leaves, 6);
    TreeHead three = head(leaves, 3);

    assertThat(AuditLogVerifier.consistency(six, three, KEYS, leaves).get(2).detail())
        .contains("the log shrank");
    assertThat(AuditLogVerifier.alertSignature(alerts.get(0), Map.of()).detail())
        .contains("is not registered with role auditor")
        .contains("herald nodes register");
    assertThat(AuditLogVerifier.alert(alerts.get(5), KEYS, leaves, List.of(three)).get(1).detail())
        .contains("no signed tree head")
        .contains("covers index 5");
  }

  @Test
  void aRevokedAuditorKeyProvesNothing() {
    Map<String, AuditorKey> revoked =
        Map.of(KEY.keyId(), new AuditorKey("auditor-1", KEY.publicKey(), "REVOKED"));

    Check alert = AuditLogVerifier.alertSignature(alerts.get(0), revoked);
    Check head = AuditLogVerifier.headSignature(head(leaves, 6), revoked);

    assertThat(alert.ok()).isFalse();
    assertThat(alert.detail()).contains("was revoked");
    assertThat(head.ok()).isFalse();
    assertThat(head.detail()).contains("was revoked");
  }
}
