package dev.herald.auditor.identity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.schema.NodeStatus;
import dev.herald.schema.ReportBatch;
import dev.herald.schema.canonical.CanonicalEncoding;
import dev.herald.schema.canonical.Hashing;
import dev.herald.schema.signing.BatchSignatures;
import dev.herald.schema.signing.Ed25519;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeyCacheTest {
  private static final long GRACE = 2_000;
  private static final long ROTATED_AT = 100_000;
  private final Ed25519.KeyPair oldKey = key("old");
  private final Ed25519.KeyPair newKey = key("new");
  private final KeyCache keys = new KeyCache(16);

  private static Ed25519.KeyPair key(String seed) {
    return Ed25519.fromSeed(Hashing.sha256(seed.getBytes(StandardCharsets.UTF_8)));
  }

  private static RegisteredNode node(Ed25519.KeyPair current, Ed25519.KeyPair previous, long at) {
    return new RegisteredNode(
        "n1",
        "n1",
        Hashing.hex(current.publicKey()),
        previous == null ? null : Hashing.hex(previous.publicKey()),
        List.of("g"),
        NodeStatus.ACTIVE,
        "eu",
        at);
  }

  private static ReportBatch signedBy(Ed25519.KeyPair signer) {
    ReportBatch b =
        ReportBatch.newBuilder()
            .setNodeId("n1")
            .setKeyId(signer.keyId())
            .setPartition(0)
            .setBatchSeq(1)
            .setCreatedAt(Instant.ofEpochMilli(0))
            .setReports(List.of())
            .setSignature(ByteBuffer.allocate(0))
            .build();
    BatchSignatures.sign(b, signer.privateKey());
    return b;
  }

  private KeyCache.Verdict check(ReportBatch b, RegisteredNode node, long arrival, long grace) {
    byte[] sig = new byte[b.getSignature().remaining()];
    b.getSignature().duplicate().get(sig);
    return keys.check(
        b.getKeyId(),
        b.getCreatedAt().toEpochMilli(),
        CanonicalEncoding.reportBatch(b),
        sig,
        node,
        arrival,
        grace);
  }

  private boolean verify(ReportBatch b, RegisteredNode node, long arrival, long grace) {
    KeyCache.Verdict v = check(b, node, arrival, grace);
    return v == KeyCache.Verdict.CURRENT_KEY || v == KeyCache.Verdict.PREVIOUS_KEY;
  }

  private static ReportBatch signedAt(Ed25519.KeyPair signer, long createdAt) {
    ReportBatch b = signedBy(signer);
    b.setCreatedAt(Instant.ofEpochMilli(createdAt));
    BatchSignatures.sign(b, signer.privateKey());
    return b;
  }

  @Test
  void theOldKeyAfterTheGraceIsAStaleReplayWhenSignedBeforeTheRotationAndForgedWhenAfter() {
    RegisteredNode rotated = node(newKey, oldKey, ROTATED_AT);
    assertThat(check(signedAt(oldKey, ROTATED_AT - 10), rotated, ROTATED_AT + GRACE + 1, GRACE))
        .isEqualTo(KeyCache.Verdict.STALE_REPLAY);
    assertThat(check(signedAt(oldKey, ROTATED_AT + 10), rotated, ROTATED_AT + GRACE + 1, GRACE))
        .isEqualTo(KeyCache.Verdict.FORGED);
    assertThat(check(signedAt(oldKey, ROTATED_AT + 10), rotated, ROTATED_AT + GRACE, GRACE))
        .isEqualTo(KeyCache.Verdict.PREVIOUS_KEY);
    assertThat(check(signedAt(newKey, 5), rotated, ROTATED_AT + 5 * GRACE, GRACE))
        .isEqualTo(KeyCache.Verdict.CURRENT_KEY);
  }

  @Test
  void malformedSignatureInputNeverThrows() {
    RegisteredNode n = node(newKey, null, 1);
    assertThat(keys.check("", 0, new byte[0], null, n, 0, GRACE))
        .isEqualTo(KeyCache.Verdict.FORGED);
    assertThat(keys.check("", 0, null, new byte[64], n, 0, GRACE))
        .isEqualTo(KeyCache.Verdict.FORGED);
  }

  @Test
  void afterARotationTheNewKeyVerifiesAndTheOldOneOnlyWithinTheGrace() {
    RegisteredNode before = node(oldKey, null, 1);
    RegisteredNode rotated = node(newKey, oldKey, ROTATED_AT);

    assertThat(verify(signedBy(oldKey), before, ROTATED_AT - 1, GRACE)).isTrue();
    assertThat(verify(signedBy(newKey), rotated, ROTATED_AT + 1, GRACE)).isTrue();
    assertThat(verify(signedBy(oldKey), rotated, ROTATED_AT + GRACE, GRACE))
        .as("a batch in flight during the rotation")
        .isTrue();
    assertThat(verify(signedBy(oldKey), rotated, ROTATED_AT + GRACE + 1, GRACE))
        .as("the old key after the grace")
        .isFalse();
    assertThat(verify(signedBy(newKey), rotated, ROTATED_AT + 3_600_000, GRACE)).isTrue();
  }

  @Test
  void theOldKeyIsRejectedAfterTheGraceEvenThoughItWasDecodedAndCachedBefore() {
    // warm the cache with the old key under the node's id
    for (int i = 0; i < 3; i++) {
      assertThat(verify(signedBy(oldKey), node(oldKey, null, 1), 50_000, GRACE)).isTrue();
    }
    assertThat(verify(signedBy(oldKey), node(newKey, oldKey, ROTATED_AT), 200_000, GRACE))
        .isFalse();
  }

  @Test
  void aRotationOfUnknownTimeHonoursNoPreviousKey() {
    RegisteredNode rotated = node(newKey, oldKey, 0);
    assertThat(verify(signedBy(oldKey), rotated, 1, GRACE)).isFalse();
    assertThat(verify(signedBy(newKey), rotated, 1, GRACE)).isTrue();
  }

  @Test
  void aKeyThatIsNeitherCurrentNorDeclaredPreviousNeverVerifies() {
    RegisteredNode rotated = node(newKey, oldKey, ROTATED_AT);
    assertThat(verify(signedBy(key("attacker")), rotated, ROTATED_AT, GRACE)).isFalse();
    // the attacker claims the node's current key id but signs with its own key
    ReportBatch b = signedBy(key("attacker"));
    b.setKeyId(newKey.keyId());
    assertThat(verify(b, rotated, ROTATED_AT, GRACE)).isFalse();
  }

  @Test
  void aReRegistrationWithAnotherKeyAndNoRotationRejectsTheOldKeyAtOnce() {
    assertThat(verify(signedBy(oldKey), node(oldKey, null, 1), 10, GRACE)).isTrue();
    assertThat(verify(signedBy(oldKey), node(newKey, null, 10), 10, GRACE)).isFalse();
  }
}
