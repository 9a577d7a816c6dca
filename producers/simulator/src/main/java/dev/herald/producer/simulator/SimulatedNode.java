package dev.herald.producer.simulator;

import dev.herald.schema.signing.Ed25519;

/**
 * An honest replica of the simulation: its id, group, region and deterministic key (derived from
 * the seed and the id, so a rerun with the same seed registers the same keys).
 *
 * @param nodeId node id, e.g. {@code g1-node-3}
 * @param group its replication group
 * @param region its region
 * @param keys its Ed25519 key pair
 */
public record SimulatedNode(String nodeId, String group, String region, Ed25519.KeyPair keys) {
  /** The raw 32-byte public key, as registered. */
  public byte[] publicKey() {
    return keys.publicKey().clone();
  }

  /** The key id written in its batches. */
  public String keyId() {
    return keys.keyId();
  }
}
