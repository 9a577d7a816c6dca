package dev.herald.auditor.identity;

import dev.herald.schema.signing.Ed25519;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;

/**
 * Verifies batches and heartbeats against a node's registered key (and the rules of its rotation),
 * decoding each key once (a small LRU of decoded BouncyCastle keys). One instance per stream task;
 * not thread-safe.
 *
 * <pre>{@code
 * KeyCache keys = new KeyCache(1024);
 * KeyCache.Verdict v = keys.check(keyId, createdAt, canonical, signature, node, arrival, graceMs);
 * }</pre>
 */
public final class KeyCache {
  private final Map<String, Ed25519PublicKeyParameters> decoded;

  public KeyCache(int capacity) {
    this.decoded =
        new LinkedHashMap<>(16, 0.75f, true) {
          private static final long serialVersionUID = 1L;

          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Ed25519PublicKeyParameters> e) {
            return size() > capacity;
          }
        };
  }

  /**
   * The key a signer claims by {@code keyId}: the current key, or the key it declared a rotation
   * from when {@code previousAllowed}; null otherwise. The cache is keyed by the key itself (hex),
   * never by node id, so a rotation can never leave a node's old key behind under its id.
   */
  Ed25519PublicKeyParameters keyFor(RegisteredNode node, String keyId, boolean previousAllowed) {
    String hex;
    if (keyId == null || keyId.isEmpty() || keyId.equals(node.keyId())) {
      hex = node.publicKeyHex();
    } else if (previousAllowed && keyId.equals(node.previousKeyId())) {
      hex = node.rotatesFromHex();
    } else {
      return null;
    }
    return decoded.computeIfAbsent(
        hex,
        h -> {
          byte[] raw = HexFormat.of().parseHex(h);
          return raw.length == Ed25519PublicKeyParameters.KEY_SIZE
              ? new Ed25519PublicKeyParameters(raw, 0)
              : null;
        });
  }

  /** What a signature check found. */
  public enum Verdict {
    /** Verifies against the node's current key. */
    CURRENT_KEY,
    /** Verifies against the key it rotated from, within the rotation grace. */
    PREVIOUS_KEY,
    /**
     * Verifies only against the key it rotated from, arrived after the rotation grace, and was
     * signed before the rotation: an old record replayed (or delivered very late). It proves
     * nothing against the node and is not counted.
     */
    STALE_REPLAY,
    /**
     * Does not verify against the node's current key, nor against its former key within the rules:
     * someone without the node's current key made it.
     */
    FORGED
  }

  /**
   * Checks a signature over canonical bytes (computed once by the caller, who also hashes them).
   * The previous key of a declared rotation is honoured for records arriving (broker time) up to
   * {@code graceMs} after the rotation was registered (its broker time); after that, a record it
   * verifies is a {@link Verdict#STALE_REPLAY} when it was signed ({@code signedAtMs}: a batch's
   * {@code createdAt}, a heartbeat's {@code eventTime}) before the rotation, else {@link
   * Verdict#FORGED} (the retired key is still in use by someone).
   *
   * @param keyId the key id the record names ("" or null: the current key)
   * @param signedAtMs the signed creation time of the record
   * @param canonical the canonical encoding the signature covers
   * @param signature the signature
   * @param node the claimed signer's registration
   * @param arrivalMs the record's admitted broker time
   * @param graceMs the policy's key-rotation grace
   */
  public Verdict check(
      CharSequence keyId,
      long signedAtMs,
      byte[] canonical,
      byte[] signature,
      RegisteredNode node,
      long arrivalMs,
      long graceMs) {
    String id = keyId == null ? "" : keyId.toString();
    boolean previous = !id.isEmpty() && !id.equals(node.keyId()) && id.equals(node.previousKeyId());
    Ed25519PublicKeyParameters key = keyFor(node, id, true);
    if (key == null || !safeVerify(key, canonical, signature)) {
      return Verdict.FORGED;
    }
    if (!previous) {
      return Verdict.CURRENT_KEY;
    }
    long rotatedAt = node.registeredAtMs();
    if (rotatedAt > 0 && graceMs >= 0 && arrivalMs <= rotatedAt + graceMs) {
      return Verdict.PREVIOUS_KEY;
    }
    return rotatedAt > 0 && signedAtMs < rotatedAt ? Verdict.STALE_REPLAY : Verdict.FORGED;
  }

  /** A signature check that can never throw (malformed input simply does not verify). */
  private static boolean safeVerify(
      Ed25519PublicKeyParameters key, byte[] canonical, byte[] signature) {
    try {
      return canonical != null && signature != null && Ed25519.verify(key, canonical, signature);
    } catch (RuntimeException e) {
      return false;
    }
  }
}
