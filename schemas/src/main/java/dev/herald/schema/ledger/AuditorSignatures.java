package dev.herald.schema.ledger;

import dev.herald.schema.AuditAlert;
import dev.herald.schema.TreeHead;
import dev.herald.schema.canonical.CanonicalEncoding;
import dev.herald.schema.serde.ByteBuffers;
import dev.herald.schema.signing.Ed25519;
import java.nio.ByteBuffer;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;

/**
 * The auditor's signatures on its alerts and tree heads, and the alert's leaf hash in the auditor's
 * Merkle log (docs/security.md, "Who audits the auditor"). Signing runs on {@link Ed25519} (the
 * fastest provider available: Corretto, else BouncyCastle).
 *
 * <pre>{@code
 * AuditorSignatures.sign(alert, auditorKeys, "auditor-1");   // sets auditorId, keyId, signature
 * boolean ok = AuditorSignatures.verify(alert, auditorPublicKey);
 * byte[] leaf = AuditorSignatures.leafHash(alert);           // SHA-256(0x00 || leaf data)
 * }</pre>
 */
public final class AuditorSignatures {
  private AuditorSignatures() {}

  /**
   * Sets the alert's {@code auditorId}, {@code auditorKeyId} and {@code auditorSignature} (over
   * {@link CanonicalEncoding#auditAlert}, so log id and index are signed too) and returns it.
   */
  public static AuditAlert sign(AuditAlert alert, Ed25519.KeyPair key, String auditorId) {
    alert.setAuditorId(auditorId);
    alert.setAuditorKeyId(key.keyId());
    alert.setAuditorSignature(null);
    alert.setAuditorSignature(
        ByteBuffer.wrap(Ed25519.sign(key.privateKey(), CanonicalEncoding.auditAlert(alert))));
    return alert;
  }

  /**
   * Whether the alert's auditor signature verifies against {@code publicKey}; false, never an
   * exception, for an unsigned alert or one without a canonical encoding.
   */
  public static boolean verify(AuditAlert alert, Ed25519PublicKeyParameters publicKey) {
    if (alert.getAuditorSignature() == null) {
      return false;
    }
    byte[] message;
    try {
      message = CanonicalEncoding.auditAlert(alert);
    } catch (RuntimeException e) {
      return false;
    }
    return Ed25519.verify(publicKey, message, ByteBuffers.bytes(alert.getAuditorSignature()));
  }

  /** The RFC 9162 leaf hash of a signed alert: SHA-256(0x00 || auditAlertLeaf(alert)). */
  public static byte[] leafHash(AuditAlert alert) {
    return MerkleTree.leafHash(CanonicalEncoding.auditAlertLeaf(alert));
  }

  /** Sets the head's signature and returns it. */
  public static TreeHead sign(TreeHead head, Ed25519.KeyPair key) {
    head.setSignature(
        ByteBuffer.wrap(Ed25519.sign(key.privateKey(), CanonicalEncoding.treeHead(head))));
    return head;
  }

  /** Whether the head's signature verifies; false, never an exception, on malformed input. */
  public static boolean verify(TreeHead head, Ed25519PublicKeyParameters publicKey) {
    byte[] message;
    try {
      message = CanonicalEncoding.treeHead(head);
    } catch (RuntimeException e) {
      return false;
    }
    return Ed25519.verify(publicKey, message, ByteBuffers.bytes(head.getSignature()));
  }
}
