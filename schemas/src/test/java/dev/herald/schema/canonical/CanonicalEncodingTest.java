package dev.herald.schema.canonical;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.schema.Heartbeat;
import dev.herald.schema.HeartbeatStatus;
import dev.herald.schema.ReportBatch;
import dev.herald.schema.StateChange;
import dev.herald.schema.signing.BatchSignatures;
import dev.herald.schema.signing.Ed25519;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A record whose strings are not Unicode text (an unpaired surrogate) or that misses a field has no
 * canonical encoding: signing it is an error naming the field, and verifying it is false, never an
 * exception out of the auditor.
 */
class CanonicalEncodingTest {
  private static final Ed25519.KeyPair KEYS = Ed25519.fromSeed(new byte[32]);

  private static StateChange report(String entityKey, Map<String, String> attributes) {
    return StateChange.newBuilder()
        .setEventId("e-1")
        .setGroup("g")
        .setEntityKey(entityKey)
        .setVersion(1)
        .setNodeId("n1")
        .setPrevStateHash(ByteBuffer.allocate(0))
        .setStateHash(ByteBuffer.allocate(32))
        .setOpId("op")
        .setOpDigest(ByteBuffer.allocate(32))
        .setEventTime(Instant.ofEpochMilli(1))
        .setAttributes(attributes)
        .build();
  }

  private static ReportBatch batch(StateChange report) {
    List<StateChange> reports = new ArrayList<>();
    reports.add(report);
    return ReportBatch.newBuilder()
        .setNodeId("n1")
        .setKeyId(KEYS.keyId())
        .setPartition(0)
        .setBatchSeq(1)
        .setCreatedAt(Instant.ofEpochMilli(2))
        .setReports(reports)
        .setSignature(ByteBuffer.allocate(64))
        .build();
  }

  @Test
  void anUnpairedSurrogateInAnyStringIsRefusedWithTheFieldName() {
    assertThatThrownBy(() -> CanonicalEncoding.stateChange(report("acct-\ud800", Map.of())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("field entityKey")
        .hasMessageContaining("U+D800");
    assertThatThrownBy(
            () -> CanonicalEncoding.stateChange(report("acct", Map.of("zone", "\udfff"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("attributes");
    assertThatThrownBy(
            () -> BatchSignatures.sign(batch(report("\ud83d", Map.of())), KEYS.privateKey()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void twoStringsThatUsedToShareAnEncodingNoLongerDo() {
    // String.getBytes would write both as "acct-?"
    byte[] question = CanonicalEncoding.stateChange(report("acct-?", Map.of()));
    assertThat(question).isNotEmpty();
    assertThatThrownBy(() -> CanonicalEncoding.stateChange(report("acct-\ud800", Map.of())))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void verificationOfARecordWithoutEncodingIsFalseNotAnException() {
    ReportBatch lone = batch(report("acct-\ud800", new HashMap<>()));
    assertThat(BatchSignatures.verify(lone, Ed25519.publicKey(KEYS.publicKey()))).isFalse();

    ReportBatch missing = batch(report("acct", new HashMap<>()));
    missing.setKeyId(null);
    assertThat(BatchSignatures.verify(missing, Ed25519.publicKey(KEYS.publicKey()))).isFalse();
    assertThatThrownBy(() -> CanonicalEncoding.reportBatch(missing))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("field keyId is missing");

    Heartbeat hb =
        Heartbeat.newBuilder()
            .setNodeId("n1")
            .setGroups(new ArrayList<>(List.of("g\udc00")))
            .setRegion("r")
            .setSequence(1)
            .setEventTime(Instant.ofEpochMilli(3))
            .setStatus(HeartbeatStatus.UP)
            .setKeyId(KEYS.keyId())
            .setSignature(ByteBuffer.allocate(64))
            .build();
    assertThat(BatchSignatures.verify(hb, Ed25519.publicKey(KEYS.publicKey()))).isFalse();
  }

  @Test
  void aWellFormedBatchStillSignsAndVerifies() {
    ReportBatch ok =
        batch(report("konto-\u00f8-\ud83d\ude00", new HashMap<>(Map.of("\u00e9", "x"))));
    BatchSignatures.sign(ok, KEYS.privateKey());
    assertThat(BatchSignatures.verify(ok, Ed25519.publicKey(KEYS.publicKey()))).isTrue();
  }

  @Test
  void aHashIsEncodedAlikeWhateverBufferHoldsItAndTheBufferIsNotConsumed() {
    byte[] hash = new byte[32];
    for (int i = 0; i < hash.length; i++) {
      hash[i] = (byte) (i * 7 + 1);
    }
    StateChange plain = report("k", new HashMap<>());
    plain.setStateHash(ByteBuffer.wrap(hash.clone()));
    // a view into a larger array, at an offset and a position of its own
    byte[] larger = new byte[48];
    System.arraycopy(hash, 0, larger, 9, 32);
    ByteBuffer view = ByteBuffer.wrap(larger, 4, 40).slice().position(5).limit(37);
    StateChange sliced = report("k", new HashMap<>());
    sliced.setStateHash(view);
    ByteBuffer direct = ByteBuffer.allocateDirect(32).put(hash).flip();
    StateChange offHeap = report("k", new HashMap<>());
    offHeap.setStateHash(direct);

    byte[] expected = CanonicalEncoding.reportBatch(batch(plain));
    assertThat(CanonicalEncoding.reportBatch(batch(sliced))).isEqualTo(expected);
    assertThat(CanonicalEncoding.reportBatch(batch(offHeap))).isEqualTo(expected);
    assertThat(view.position()).isEqualTo(5);
    assertThat(direct.position()).isZero();
    String hex = Hashing.hex(hash);
    assertThat(Hashing.hex(view)).isEqualTo(hex);
    assertThat(Hashing.hex(direct)).isEqualTo(hex);
    assertThat(view.remaining()).isEqualTo(32);
    assertThat(direct.remaining()).isEqualTo(32);
  }

  @Test
  void anEncodingLargerThanTheFirstBufferIsWhole() {
    String longKey = "k".repeat(5_000);
    byte[] encoded = CanonicalEncoding.stateChange(report(longKey, new HashMap<>()));
    byte[] shortOne = CanonicalEncoding.stateChange(report("k", new HashMap<>()));
    assertThat(encoded.length - shortOne.length).isEqualTo(longKey.length() - 1);
  }
}
