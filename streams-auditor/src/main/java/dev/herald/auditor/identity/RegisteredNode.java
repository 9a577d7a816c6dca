package dev.herald.auditor.identity;

import dev.herald.schema.NodeRecord;
import dev.herald.schema.NodeStatus;
import dev.herald.schema.canonical.Hashing;
import dev.herald.schema.signing.Ed25519;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.List;

/**
 * A registry entry as the auditor keeps it (JSON in the global {@code herald-registry} store).
 *
 * @param nodeId node id
 * @param displayName display name
 * @param publicKeyHex raw Ed25519 public key, hex
 * @param rotatesFromHex previous key of a declared rotation, hex, or null
 * @param groups groups it is a member of
 * @param status ACTIVE, RETIRED or REVOKED
 * @param region region
 * @param registeredAtMs when this registration (or rotation) reached the broker, epoch millis; 0 if
 *     unknown. A declared previous key is honoured only for a short grace after it (see {@link
 *     KeyCache}).
 */
public record RegisteredNode(
    String nodeId,
    String displayName,
    String publicKeyHex,
    String rotatesFromHex,
    List<String> groups,
    NodeStatus status,
    String region,
    long registeredAtMs) {

  public RegisteredNode {
    groups = groups == null ? List.of() : List.copyOf(groups);
  }

  /** A registration whose time is unknown (its previous key, if any, is never honoured). */
  public RegisteredNode(
      String nodeId,
      String displayName,
      String publicKeyHex,
      String rotatesFromHex,
      List<String> groups,
      NodeStatus status,
      String region) {
    this(nodeId, displayName, publicKeyHex, rotatesFromHex, groups, status, region, 0L);
  }

  /**
   * From the registry record as the broker appended it: the rotation time is the record's broker
   * timestamp ({@code herald.nodes.v1} is a LogAppendTime topic), not the {@code registeredAt} an
   * operator's machine wrote into it, so a skewed or forged clock cannot stretch or cut the grace.
   */
  public static RegisteredNode of(NodeRecord record, long brokerTimeMs) {
    RegisteredNode n = of(record);
    return brokerTimeMs <= 0
        ? n
        : new RegisteredNode(
            n.nodeId,
            n.displayName,
            n.publicKeyHex,
            n.rotatesFromHex,
            n.groups,
            n.status,
            n.region,
            brokerTimeMs);
  }

  /** From the registry record, timed by its own {@code registeredAt}. */
  public static RegisteredNode of(NodeRecord record) {
    return new RegisteredNode(
        record.getNodeId(),
        record.getDisplayName(),
        Hashing.hex(record.getPublicKey()),
        record.getRotatesFrom() == null ? null : Hashing.hex(record.getRotatesFrom()),
        record.getGroups(),
        record.getStatus(),
        record.getRegion(),
        record.getRegisteredAt() == null ? 0L : record.getRegisteredAt().toEpochMilli());
  }

  /** Whether it may report (ACTIVE). */
  public boolean active() {
    return status == NodeStatus.ACTIVE;
  }

  /** Key id of the current key. */
  public String keyId() {
    return Ed25519.keyId(HexFormat.of().parseHex(publicKeyHex));
  }

  /** Key id of the key it rotated from, or null. */
  public String previousKeyId() {
    return rotatesFromHex == null || rotatesFromHex.isEmpty()
        ? null
        : Ed25519.keyId(HexFormat.of().parseHex(rotatesFromHex));
  }

  static String hex(ByteBuffer b) {
    return b == null ? null : Hashing.hex(b);
  }
}
