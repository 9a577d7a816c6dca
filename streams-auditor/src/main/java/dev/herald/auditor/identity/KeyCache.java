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
 * boolean ok = keys.verify(batch, registeredNode);
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
   * from; null when the key id is neither.
   */
  Ed25519PublicKeyParameters keyFor(RegisteredNode node, String keyId) {
    String hex;
    if (keyId == null || keyId.isEmpty() || keyId.equals(node.keyId())) {
      hex = node.publicKeyHex();
    } else if (keyId.equals(node.previousKeyId())) {
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

  /** Whether the batch verifies against the node's registered key. */
  public boolean verify(ReportBatch batch, RegisteredNode node) {
    Ed25519PublicKeyParameters key = keyFor(node, batch.getKeyId());
    return key != null && BatchSignatures.verify(batch, key);
  }

  /** Whether the heartbeat verifies against the node's registered key. */
  public boolean verify(Heartbeat heartbeat, RegisteredNode node) {
    Ed25519PublicKeyParameters key = keyFor(node, heartbeat.getKeyId());
    return key != null && BatchSignatures.verify(heartbeat, key);
  }
}
