package dev.herald.auditor.identity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.schema.NodeStatus;
import dev.herald.schema.ReportBatch;
import dev.herald.schema.canonical.CanonicalEncoding;
import dev.herald.schema.signing.BatchSignatures;
import dev.herald.schema.signing.Ed25519;
import dev.herald.testsupport.Fleet;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Signatures checked against the key a node had at a record's arrival, rotations included. */
class KeyCacheTest {
  private static final long GRACE = 2_000;
  private static final long ROTATED_AT = 100_000;
  private static final long ROTATED_AGAIN_AT = 200_000;
  private final Ed25519.KeyPair oldKey = key("old");
  private final Ed25519.KeyPair newKey = key("new");
  private final Ed25519.KeyPair newestKey = key("newest");
  private final KeyCache keys = new KeyCache(16);

  private static Ed25519.KeyPair key(String seed) {
    return Fleet.seededKey(seed);
  }

  private NodeHistory original() {
    return TestHistories.registered("n1", oldKey, NodeStatus.ACTIVE, List.of("g"));
  }

  private NodeHistory rotatedOnce() {
    return TestHistories.rotated(
        "n1", NodeStatus.ACTIVE, List.of("g"), List.of(oldKey, newKey), ROTATED_AT);
  }

  private NodeHistory rotatedTwice() {
    return TestHistories.rotated(
        "n1",
        NodeStatus.ACTIVE,
        List.of("g"),
        List.of(oldKey, newKey, newestKey),
        ROTATED_AT,
        ROTATED_AGAIN_AT);
  }

  private static ReportBatch signedAt(Ed25519.KeyPair signer, long createdAt) {
    ReportBatch b =
        ReportBatch.newBuilder()
            .setNodeId("n1")
            .setKeyId(signer.keyId())
            .setPartition(0)
            .setBatchSeq(1)
            .setCreatedAt(Instant.ofEpochMilli(createdAt))
            .setReports(List.of())
            .setSignature(ByteBuffer.allocate(0))
            .build();
    return BatchSignatures.sign(b, signer.privateKey());
  }

  private static ReportBatch signedBy(Ed25519.KeyPair signer) {
    return signedAt(signer, 0);
  }

  private KeyCache.Verdict check(ReportBatch b, NodeHistory history, long arrival) {
    byte[] sig = new byte[b.getSignature().remaining()];
    b.getSignature().duplicate().get(sig);
    return keys.check(
        b.getKeyId(),
        b.getCreatedAt().toEpochMilli(),
        CanonicalEncoding.reportBatch(b),
        sig,
        history,
        arrival,
        GRACE);
  }

  private boolean verify(ReportBatch b, NodeHistory history, long arrival) {
    KeyCache.Verdict v = check(b, history, arrival);
    return v == KeyCache.Verdict.CURRENT_KEY || v == KeyCache.Verdict.PREVIOUS_KEY;
  }

  @Test
  void theOldKeyAfterTheGraceIsAStaleReplayWhenSignedBeforeTheRotationAndForgedWhenAfter() {
    NodeHistory rotated = rotatedOnce();
    assertThat(check(signedAt(oldKey, ROTATED_AT - 10), rotated, ROTATED_AT + GRACE + 1))
        .isEqualTo(KeyCache.Verdict.STALE_REPLAY);
    assertThat(check(signedAt(oldKey, ROTATED_AT + 10), rotated, ROTATED_AT + GRACE + 1))
        .isEqualTo(KeyCache.Verdict.FORGED);
    assertThat(check(signedAt(oldKey, ROTATED_AT + 10), rotated, ROTATED_AT + GRACE))
        .isEqualTo(KeyCache.Verdict.PREVIOUS_KEY);
    assertThat(check(signedAt(newKey, 5), rotated, ROTATED_AT + 5 * GRACE))
        .isEqualTo(KeyCache.Verdict.CURRENT_KEY);
  }

  @Test
  void malformedSignatureInputNeverThrows() {
    NodeHistory n = original();
    assertThat(keys.check("", 0, new byte[0], null, n, 0, GRACE))
        .isEqualTo(KeyCache.Verdict.FORGED);
    assertThat(keys.check("", 0, null, new byte[64], n, 0, GRACE))
        .isEqualTo(KeyCache.Verdict.FORGED);
  }

  @Test
  void afterARotationTheNewKeyVerifiesAndTheOldOneOnlyWithinTheGrace() {
    NodeHistory rotated = rotatedOnce();
    assertThat(verify(signedBy(oldKey), rotated, ROTATED_AT - 1)).isTrue();
    assertThat(verify(signedBy(newKey), rotated, ROTATED_AT + 1)).isTrue();
    assertThat(verify(signedBy(oldKey), rotated, ROTATED_AT + GRACE))
        .as("a batch in flight during the rotation")
        .isTrue();
    assertThat(verify(signedBy(oldKey), rotated, ROTATED_AT + GRACE + 1))
        .as("the old key after the grace")
        .isFalse();
    assertThat(verify(signedBy(newKey), rotated, ROTATED_AT + 3_600_000)).isTrue();
  }

  @Test
  void aNewKeyDoesNotVerifyRecordsThatArrivedBeforeItWasRegistered() {
    assertThat(check(signedBy(newKey), rotatedOnce(), ROTATED_AT - 1))
        .isEqualTo(KeyCache.Verdict.FORGED);
  }

  @Test
  void recordsAreJudgedByTheKeyOfTheirArrivalHoweverOftenTheNodeRotatedSince() {
    NodeHistory twice = rotatedTwice();
    // a replay (or a second auditor) reading old input after two rotations
    assertThat(check(signedBy(oldKey), twice, ROTATED_AT - 1))
        .isEqualTo(KeyCache.Verdict.CURRENT_KEY);
    assertThat(check(signedBy(newKey), twice, ROTATED_AT + 50_000))
        .isEqualTo(KeyCache.Verdict.CURRENT_KEY);
    assertThat(check(signedBy(newestKey), twice, ROTATED_AGAIN_AT + 1))
        .isEqualTo(KeyCache.Verdict.CURRENT_KEY);
    // a thief of the first key, after both rotations
    assertThat(check(signedAt(oldKey, ROTATED_AGAIN_AT + 5), twice, ROTATED_AGAIN_AT + 10))
        .isEqualTo(KeyCache.Verdict.FORGED);
    // the middle key within the grace of the second rotation, and after it
    assertThat(check(signedAt(newKey, ROTATED_AGAIN_AT - 5), twice, ROTATED_AGAIN_AT + GRACE))
        .isEqualTo(KeyCache.Verdict.PREVIOUS_KEY);
    assertThat(check(signedAt(newKey, ROTATED_AGAIN_AT - 5), twice, ROTATED_AGAIN_AT + GRACE + 1))
        .isEqualTo(KeyCache.Verdict.STALE_REPLAY);
  }

  @Test
  void theOldKeyIsRejectedAfterTheGraceEvenThoughItWasDecodedAndCachedBefore() {
    for (int i = 0; i < 3; i++) {
      assertThat(verify(signedBy(oldKey), original(), 50_000)).isTrue();
    }
    assertThat(verify(signedBy(oldKey), rotatedOnce(), 200_000)).isFalse();
  }

  @Test
  void aKeyThatIsNeitherCurrentNorFormerNeverVerifies() {
    NodeHistory rotated = rotatedOnce();
    assertThat(verify(signedBy(key("attacker")), rotated, ROTATED_AT)).isFalse();
    // the attacker claims the node's current key id but signs with its own key
    ReportBatch b = signedBy(key("attacker"));
    b.setKeyId(newKey.keyId());
    assertThat(verify(b, rotated, ROTATED_AT)).isFalse();
  }

  @Test
  void aRecordNamingNoKeyIsCheckedAgainstTheKeyOfItsArrival() {
    ReportBatch b = signedBy(oldKey);
    b.setKeyId("");
    BatchSignatures.sign(b, oldKey.privateKey());
    assertThat(check(b, rotatedOnce(), ROTATED_AT - 1)).isEqualTo(KeyCache.Verdict.CURRENT_KEY);
    assertThat(check(b, rotatedOnce(), ROTATED_AT + 1)).isEqualTo(KeyCache.Verdict.FORGED);
  }
}
