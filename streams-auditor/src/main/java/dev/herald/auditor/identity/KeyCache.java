package dev.herald.auditor.identity;

import dev.herald.schema.signing.Ed25519;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;

/**
 * Verifies batches and heartbeats against the key their node had when they arrived (and the rules
 * of its rotations), decoding each key once (a small LRU of decoded BouncyCastle keys, keyed by the
 * key itself, never by node id). One instance per stream task; not thread-safe.
 *
 * <pre>{@code
 * KeyCache keys = new KeyCache(1024);
 * KeyCache.Verdict v = keys.check(keyId, createdAt, canonical, signature, history, arrival, graceMs);
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

  /** The decoded key of a span (null for a malformed key; the registry refuses those). */
  private Ed25519PublicKeyParameters decode(String hex) {
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
    /** Verifies against the key the node had at the record's arrival. */
    CURRENT_KEY,
    /** Verifies against a key the node rotated away from, within the rotation grace. */
    PREVIOUS_KEY,
    /**
     * Verifies only against a key the node rotated away from, arrived after the rotation grace, and
     * was signed before the rotation: an old record replayed (or delivered very late). It proves
     * nothing against the node and is not counted.
     */
    STALE_REPLAY,
    /**
     * Does not verify against the node's key at its arrival, nor against a former key within the
     * rules: someone without the node's key made it.
     */
    FORGED
  }

  /**
   * Checks a signature over canonical bytes (computed once by the caller, who also hashes them)
   * against the key the node had when the record arrived. A record names its key by {@code keyId}
   * ("" or null: the key of the node at its arrival); that key must have been the node's key by
   * then ({@link NodeHistory#span}). A key the node had rotated away from is honoured for records
   * arriving (broker time) up to {@code graceMs} after the rotation (its broker time); after that,
   * a record it verifies is a {@link Verdict#STALE_REPLAY} when it was signed ({@code signedAtMs}:
   * a batch's {@code createdAt}, a heartbeat's {@code eventTime}) before the rotation, else {@link
   * Verdict#FORGED} (the retired key is still in use by someone). The same rules hold for every
   * former key, however many rotations ago, so a replay judges old records as they were judged.
   *
   * @param keyId the key id the record names ("" or null: the key at its arrival)
   * @param signedAtMs the signed creation time of the record
   * @param canonical the canonical encoding the signature covers
   * @param signature the signature
   * @param history the claimed signer's registry history
   * @param arrivalMs the record's admitted broker time
   * @param graceMs the policy's key-rotation grace
   */
  public Verdict check(
      CharSequence keyId,
      long signedAtMs,
      byte[] canonical,
      byte[] signature,
      NodeHistory history,
      long arrivalMs,
      long graceMs) {
    String id = keyId == null ? "" : keyId.toString();
    Optional<NodeHistory.KeySpan> span =
        id.isEmpty() ? history.spanAt(arrivalMs) : history.span(id, arrivalMs);
    if (span.isEmpty()) {
      return Verdict.FORGED;
    }
    Ed25519PublicKeyParameters key = decode(span.get().publicKeyHex());
    if (key == null || !safeVerify(key, canonical, signature)) {
      return Verdict.FORGED;
    }
    long retiredAt = span.get().until();
    if (arrivalMs < retiredAt) {
      return Verdict.CURRENT_KEY;
    }
    if (graceMs >= 0 && arrivalMs - graceMs <= retiredAt) {
      return Verdict.PREVIOUS_KEY;
    }
    return signedAtMs < retiredAt ? Verdict.STALE_REPLAY : Verdict.FORGED;
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
