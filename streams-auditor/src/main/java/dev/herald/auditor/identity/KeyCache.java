package dev.herald.auditor.identity;

import dev.herald.schema.Heartbeat;
import dev.herald.schema.ReportBatch;
import dev.herald.schema.signing.BatchSignatures;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;

/**
 * Verifies batches and heartbeats against a node's registered key, decoding each key once (a small
 * LRU of decoded BouncyCastle keys). One instance per stream task; not thread-safe.
 *
 * <pre>{@code
 * KeyCache keys = new KeyCache(1024);
 * boolean ok = keys.verify(batch, registeredNode, recordTime, graceMs);
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

  /**
   * A declared previous key covers only batches in flight during the rotation: records up to {@code
   * graceMs} after the rotation was registered. A rotation of unknown time honours nothing.
   */
  static boolean previousKeyHonoured(RegisteredNode node, long recordTime, long graceMs) {
    return node.registeredAtMs() > 0
        && graceMs >= 0
        && recordTime <= node.registeredAtMs() + graceMs;
  }

  /**
   * Whether the batch verifies against the node's current key, or against its declared previous key
   * when {@code recordTime} (the record's stream time, which the signer cannot move back) is within
   * {@code previousKeyGraceMs} of the rotation.
   */
  public boolean verify(
      ReportBatch batch, RegisteredNode node, long recordTime, long previousKeyGraceMs) {
    Ed25519PublicKeyParameters key =
        keyFor(node, batch.getKeyId(), previousKeyHonoured(node, recordTime, previousKeyGraceMs));
    return key != null && BatchSignatures.verify(batch, key);
  }

  /**
   * Whether the heartbeat verifies against the node's current key or its declared previous key
   * (heartbeats prove liveness only, never a report; their previous key has no grace bound).
   */
  public boolean verify(Heartbeat heartbeat, RegisteredNode node) {
    Ed25519PublicKeyParameters key = keyFor(node, heartbeat.getKeyId(), true);
    return key != null && BatchSignatures.verify(heartbeat, key);
  }
}
