package dev.herald.schema.signing;

import dev.herald.schema.NodeRecord;
import dev.herald.schema.serde.ByteBuffers;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;

/**
 * A key rotation in the node registry is signed by the key it retires: whoever registers a new key
 * for a node must hold the node's current private key, so an operator alone cannot silently re-key
 * a node (and a thief of a retired key cannot rotate back to it: the auditor refuses a key the node
 * used before).
 *
 * <p>The signed message ({@link #message}) is, in this order: the ASCII tag {@value #TAG} and a NUL
 * byte; the node id as UTF-8, the previous and the new raw 32-byte public keys, each as a 4-byte
 * big-endian length and the bytes; the rotation time ({@code registeredAt}, epoch milliseconds) as
 * an 8-byte big-endian signed integer. The signature goes into {@code
 * NodeRecord.rotationSignature}; {@code NodeRecord.rotatesFrom} holds the previous key.
 *
 * <pre>{@code
 * NodeRecord rotated = NodeRecord.newBuilder(current)
 *     .setPublicKey(ByteBuffer.wrap(next.publicKey()))
 *     .setRotatesFrom(current.getPublicKey())
 *     .setRegisteredAt(Instant.now())
 *     .build();
 * RotationSignatures.sign(rotated, previous.privateKey());
 * boolean ok = RotationSignatures.verify(rotated);
 * }</pre>
 */
public final class RotationSignatures {
  /** Domain tag of the rotation message. */
  public static final String TAG = "HERALD-KEY-ROTATION-V1";

  private RotationSignatures() {}

  /** The bytes a rotation signature covers. */
  public static byte[] message(
      String nodeId, byte[] previousKey, byte[] newKey, long registeredAtMs) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(128);
    out.writeBytes(TAG.getBytes(StandardCharsets.US_ASCII));
    out.write(0);
    lengthPrefixed(out, nodeId.getBytes(StandardCharsets.UTF_8));
    lengthPrefixed(out, previousKey);
    lengthPrefixed(out, newKey);
    out.writeBytes(ByteBuffer.allocate(Long.BYTES).putLong(registeredAtMs).array());
    return out.toByteArray();
  }

  /**
   * Signs the rotation {@code record} declares (its {@code rotatesFrom} → its {@code publicKey} at
   * its {@code registeredAt}) with the previous key's private half, sets {@code rotationSignature}
   * and returns the record. {@link IllegalArgumentException} when the record declares no rotation
   * or {@code previousKey} is not the key it rotates from.
   */
  public static NodeRecord sign(NodeRecord record, Ed25519PrivateKeyParameters previousKey) {
    byte[] from = ByteBuffers.bytes(record.getRotatesFrom());
    if (from == null) {
      throw new IllegalArgumentException(
          "node " + record.getNodeId() + ": the record declares no rotation (rotatesFrom is null)");
    }
    byte[] holder = previousKey.generatePublicKey().getEncoded();
    if (!Arrays.equals(holder, from)) {
      throw new IllegalArgumentException(
          "node "
              + record.getNodeId()
              + ": the signing key ("
              + Ed25519.keyId(holder)
              + ") is not the key the record rotates from ("
              + Ed25519.keyId(from)
              + ")");
    }
    record.setRotationSignature(ByteBuffer.wrap(Ed25519.sign(previousKey, messageOf(record))));
    return record;
  }

  /**
   * Whether {@code record} carries a rotation signature by its {@code rotatesFrom} key over its
   * rotation; false (never an exception) when any part is missing or malformed.
   */
  public static boolean verify(NodeRecord record) {
    byte[] from = ByteBuffers.bytes(record.getRotatesFrom());
    byte[] signature = ByteBuffers.bytes(record.getRotationSignature());
    if (from == null || signature == null || record.getPublicKey() == null) {
      return false;
    }
    try {
      return Ed25519.verify(from, messageOf(record), signature);
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static byte[] messageOf(NodeRecord record) {
    if (record.getNodeId() == null || record.getRegisteredAt() == null) {
      throw new IllegalArgumentException("a rotation needs a nodeId and a registeredAt");
    }
    return message(
        record.getNodeId(),
        ByteBuffers.bytes(record.getRotatesFrom()),
        ByteBuffers.bytes(record.getPublicKey()),
        record.getRegisteredAt().toEpochMilli());
  }

  private static void lengthPrefixed(ByteArrayOutputStream out, byte[] value) {
    out.writeBytes(ByteBuffer.allocate(Integer.BYTES).putInt(value.length).array());
    out.writeBytes(value);
  }
}
