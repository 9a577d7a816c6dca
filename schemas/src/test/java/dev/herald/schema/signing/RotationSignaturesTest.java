package dev.herald.schema.signing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.schema.NodeRecord;
import dev.herald.schema.NodeStatus;
import dev.herald.schema.canonical.Hashing;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Rotations signed by the retired key, and BouncyCastle's full public-key validation. */
class RotationSignaturesTest {
  private final Ed25519.KeyPair oldKey = key("old");
  private final Ed25519.KeyPair newKey = key("new");

  private static Ed25519.KeyPair key(String seed) {
    return Ed25519.fromSeed(Hashing.sha256(seed.getBytes(StandardCharsets.UTF_8)));
  }

  private NodeRecord rotation() {
    return NodeRecord.newBuilder()
        .setNodeId("n1")
        .setDisplayName("n1")
        .setPublicKey(ByteBuffer.wrap(newKey.publicKey()))
        .setRotatesFrom(ByteBuffer.wrap(oldKey.publicKey()))
        .setRegion("eu")
        .setGroups(List.of("g"))
        .setStatus(NodeStatus.ACTIVE)
        .setRegisteredAt(Instant.ofEpochMilli(1_700_000_000_000L))
        .build();
  }

  @Test
  void aRotationSignedByTheRetiredKeyVerifiesAndAnyChangeBreaksIt() {
    NodeRecord r = RotationSignatures.sign(rotation(), oldKey.privateKey());
    assertThat(RotationSignatures.verify(r)).isTrue();

    NodeRecord otherTime =
        NodeRecord.newBuilder(r).setRegisteredAt(Instant.ofEpochMilli(1)).build();
    NodeRecord otherNode = NodeRecord.newBuilder(r).setNodeId("n2").build();
    NodeRecord otherKey =
        NodeRecord.newBuilder(r).setPublicKey(ByteBuffer.wrap(key("x").publicKey())).build();
    assertThat(List.of(otherTime, otherNode, otherKey)).noneMatch(RotationSignatures::verify);
  }

  @Test
  void onlyTheRetiredKeyCanSignAndAnUnsignedRotationDoesNotVerify() {
    assertThat(RotationSignatures.verify(rotation())).isFalse();
    assertThatThrownBy(() -> RotationSignatures.sign(rotation(), newKey.privateKey()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not the key the record rotates from");
  }

  @Test
  void theMessageLayoutIsTheDocumentedOne() {
    byte[] m = RotationSignatures.message("n1", new byte[] {1}, new byte[] {2, 3}, 258);
    assertThat(HexFormat.of().formatHex(m))
        .isEqualTo(
            HexFormat.of().formatHex("HERALD-KEY-ROTATION-V1".getBytes(StandardCharsets.US_ASCII))
                + "00"
                + "00000002"
                + "6e31"
                + "00000001"
                + "01"
                + "00000002"
                + "0203"
                + "0000000000000102");
  }

  @Test
  void fullPublicKeyValidationRefusesWeakAndNonCanonicalKeys() {
    assertThat(Ed25519.isValidPublicKey(newKey.publicKey())).isTrue();
    byte[] identity = new byte[32];
    identity[0] = 1; // the neutral element (small order)
    assertThat(Ed25519.isValidPublicKey(identity)).isFalse();
    byte[] nonCanonical = new byte[32];
    java.util.Arrays.fill(nonCanonical, (byte) 0xff);
    nonCanonical[31] = 0x7f; // y = 2^255 - 1 >= p: not a canonical encoding
    assertThat(Ed25519.isValidPublicKey(nonCanonical)).isFalse();
    assertThat(Ed25519.isValidPublicKey(new byte[31])).isFalse();
    assertThat(Ed25519.isValidPublicKey(null)).isFalse();
  }
}
