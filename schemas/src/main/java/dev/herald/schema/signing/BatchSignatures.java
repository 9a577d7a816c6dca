package dev.herald.schema.signing;

import dev.herald.schema.Heartbeat;
import dev.herald.schema.ReportBatch;
import dev.herald.schema.canonical.CanonicalEncoding;
import dev.herald.schema.serde.ByteBuffers;
import java.nio.ByteBuffer;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;

/**
 * Signs and verifies {@link ReportBatch}es and {@link Heartbeat}s per docs/producer-protocol.md.
 */
public final class BatchSignatures {
  private BatchSignatures() {}

  /**
   * Sets the batch's signature over its canonical encoding and returns it; {@link
   * IllegalArgumentException} if the batch has none (a missing field, a string that is not
   * Unicode).
   */
  public static ReportBatch sign(ReportBatch batch, Ed25519PrivateKeyParameters key) {
    batch.setSignature(ByteBuffer.wrap(Ed25519.sign(key, CanonicalEncoding.reportBatch(batch))));
    return batch;
  }

  /**
   * Whether the batch's signature verifies against {@code publicKey}; false, never an exception,
   * for a batch that has no canonical encoding (a missing field, a string that is not Unicode).
   */
  public static boolean verify(ReportBatch batch, Ed25519PublicKeyParameters publicKey) {
    byte[] message;
    try {
      message = CanonicalEncoding.reportBatch(batch);
    } catch (RuntimeException e) {
      return false;
    }
    return Ed25519.verify(publicKey, message, ByteBuffers.bytes(batch.getSignature()));
  }

  /** Sets the heartbeat's signature over its canonical encoding and returns it. */
  public static Heartbeat sign(Heartbeat heartbeat, Ed25519PrivateKeyParameters key) {
    heartbeat.setSignature(
        ByteBuffer.wrap(Ed25519.sign(key, CanonicalEncoding.heartbeat(heartbeat))));
    return heartbeat;
  }

  /**
   * Whether the heartbeat's signature verifies against {@code publicKey}; false, never an
   * exception, for a heartbeat that has no canonical encoding.
   */
  public static boolean verify(Heartbeat heartbeat, Ed25519PublicKeyParameters publicKey) {
    byte[] message;
    try {
      message = CanonicalEncoding.heartbeat(heartbeat);
    } catch (RuntimeException e) {
      return false;
    }
    return Ed25519.verify(publicKey, message, ByteBuffers.bytes(heartbeat.getSignature()));
  }
}
