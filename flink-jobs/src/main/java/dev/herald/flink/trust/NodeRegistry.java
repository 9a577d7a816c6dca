package dev.herald.flink.trust;

import dev.herald.schema.NodeRecord;
import dev.herald.schema.NodeStatus;
import dev.herald.schema.signing.Ed25519;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node registry ({@code herald.nodes.v1}) as one Flink task sees it: per node its status, its
 * current key and the key it declared a rotation from, its region and groups. Keys are decoded
 * once, when a registration is applied.
 *
 * <p>Bounded: at most {@code maxNodes} nodes and {@code maxGroups} groups per node. A registration
 * beyond the bound, whose record key differs from its {@code nodeId}, or whose public key is not 32
 * bytes is not applied and is counted in {@link #ignored()}; the node's heartbeats then stay
 * unverifiable.
 *
 * <pre>{@code
 * NodeRegistry registry = new NodeRegistry(100_000, 64);
 * registry.apply("n1", nodeRecord);
 * NodeRegistry.Node n1 = registry.node("n1");
 * }</pre>
 */
public final class NodeRegistry {
  private static final Logger LOG = LoggerFactory.getLogger(NodeRegistry.class);

  /**
   * One registered node.
   *
   * @param nodeId its id
   * @param active whether its status is ACTIVE (RETIRED and REVOKED nodes prove nothing)
   * @param region its registered region
   * @param groups its registered replication groups
   * @param keyId id of its current key
   * @param key its current key
   * @param previousKeyId id of the key it declared a rotation from, or null
   * @param previousKey that key, or null
   */
  public record Node(
      String nodeId,
      boolean active,
      String region,
      List<String> groups,
      String keyId,
      Ed25519PublicKeyParameters key,
      String previousKeyId,
      Ed25519PublicKeyParameters previousKey) {

    /**
     * The key a signature claims by key id: the current key (also for an empty id, as the SDK
     * writes before rotations), the declared previous one, or null when it names neither.
     */
    public Ed25519PublicKeyParameters keyFor(String claimedKeyId) {
      if (claimedKeyId == null || claimedKeyId.isEmpty() || claimedKeyId.equals(keyId)) {
        return key;
      }
      return claimedKeyId.equals(previousKeyId) ? previousKey : null;
    }
  }

  private final Map<String, Node> nodes = new HashMap<>();
  private final int maxNodes;
  private final int maxGroups;
  private long ignored;

  /**
   * @param maxNodes most nodes held
   * @param maxGroups most groups held per node (more are cut, with a warning)
   */
  public NodeRegistry(int maxNodes, int maxGroups) {
    if (maxNodes < 1 || maxGroups < 1) {
      throw new IllegalArgumentException("maxNodes and maxGroups must be >= 1");
    }
    this.maxNodes = maxNodes;
    this.maxGroups = maxGroups;
  }

  /**
   * Applies one record of the registry topic: a registration, or a tombstone ({@code value} null)
   * that removes the node.
   */
  public void apply(String key, NodeRecord value) {
    if (value == null) {
      if (key != null) {
        nodes.remove(key);
      }
      return;
    }
    String nodeId = value.getNodeId();
    if (key == null || !key.equals(nodeId)) {
      ignore("record key '" + key + "' is not its nodeId '" + nodeId + "'");
      return;
    }
    if (!nodes.containsKey(nodeId) && nodes.size() >= maxNodes) {
      ignore("registry view is full (" + maxNodes + " nodes, option max-nodes); node " + nodeId);
      return;
    }
    byte[] raw = bytes(value.getPublicKey());
    if (raw == null || raw.length != Ed25519.PUBLIC_KEY_SIZE) {
      ignore(
          "node " + nodeId + " has a public key of " + (raw == null ? 0 : raw.length) + " bytes");
      return;
    }
    byte[] previous = bytes(value.getRotatesFrom());
    boolean hasPrevious = previous != null && previous.length == Ed25519.PUBLIC_KEY_SIZE;
    Ed25519PublicKeyParameters current;
    Ed25519PublicKeyParameters previousKey;
    try {
      current = Ed25519.publicKey(raw);
      previousKey = hasPrevious ? Ed25519.publicKey(previous) : null;
    } catch (IllegalArgumentException e) {
      ignore(
          "node " + nodeId + " has a public key that is not an Ed25519 point: " + e.getMessage());
      return;
    }
    List<String> groups = new ArrayList<>();
    for (CharSequence g : value.getGroups()) {
      if (groups.size() == maxGroups) {
        LOG.warn(
            "node registration has more groups than kept nodeId={} kept={}", nodeId, maxGroups);
        break;
      }
      groups.add(g.toString());
    }
    nodes.put(
        nodeId,
        new Node(
            nodeId,
            value.getStatus() == NodeStatus.ACTIVE,
            value.getRegion(),
            List.copyOf(groups),
            Ed25519.keyId(raw),
            current,
            hasPrevious ? Ed25519.keyId(previous) : null,
            previousKey));
  }

  /** The node's registration, or null when it has none. */
  public Node node(String nodeId) {
    return nodes.get(nodeId);
  }

  /** How many nodes are registered. */
  public int size() {
    return nodes.size();
  }

  /** How many registry records were not applied (see the class comment). */
  public long ignored() {
    return ignored;
  }

  private void ignore(String why) {
    ignored++;
    LOG.warn("registry record not applied reason=\"{}\"", why);
  }

  private static byte[] bytes(ByteBuffer buffer) {
    if (buffer == null) {
      return null;
    }
    ByteBuffer b = buffer.duplicate();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }
}
