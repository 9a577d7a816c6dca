package dev.herald.auditor.api;

import java.util.Optional;

/**
 * The registered public keys of nodes ({@code herald.nodes.v1}), by node id and key id.
 *
 * <pre>{@code
 * Optional<byte[]> key = keys.publicKey("node-a", batch.getKeyId());
 * }</pre>
 */
@FunctionalInterface
public interface KeyDirectory {
  /**
   * The raw 32-byte Ed25519 key registered for {@code nodeId} whose key id is {@code keyId} (the
   * current key or the one it declares to rotate from).
   */
  Optional<byte[]> publicKey(String nodeId, String keyId);
}
