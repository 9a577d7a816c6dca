package dev.herald.schema.ledger;

import dev.herald.schema.AuditAlert;
import dev.herald.schema.TreeHead;
import dev.herald.schema.canonical.Hashing;
import dev.herald.schema.serde.ByteBuffers;
import dev.herald.schema.signing.Ed25519;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The checks {@code herald verify} and {@code herald audit-log check} run on what an auditor
 * published: its signature on an alert, the alert's inclusion in a signed tree head, and the
 * consistency of two tree heads (RFC 9162 proofs, {@link MerkleTree}), against the leaves read from
 * {@code herald.audit-log.v1} and the auditor keys of the registry. Pure functions: no Kafka.
 *
 * <pre>{@code
 * List<Check> checks = AuditLogVerifier.alert(alert, auditorKeys, leaves, heads);
 * boolean ok = checks.stream().allMatch(Check::ok);
 * }</pre>
 */
public final class AuditLogVerifier {
  private AuditLogVerifier() {}

  /** One check's outcome and, when it failed, what was wrong and what to do. */
  public record Check(String name, boolean ok, String detail) {}

  /**
   * A key registered with role {@code auditor}.
   *
   * @param auditorId the auditor's node id
   * @param publicKey raw 32-byte Ed25519 public key
   * @param status its last registry status (ACTIVE, RETIRED, REVOKED)
   */
  public record AuditorKey(String auditorId, byte[] publicKey, String status) {}

  /**
   * Checks the auditor's signature on {@code alert} and its inclusion in the newest verifying head
   * of its log that covers it.
   *
   * @param keys auditor keys by key id
   * @param leaves leaf hashes of the alert's log, in index order, as read from the audit log
   * @param heads tree heads of the alert's log, in any order
   */
  public static List<Check> alert(
      AuditAlert alert, Map<String, AuditorKey> keys, List<byte[]> leaves, List<TreeHead> heads) {
    List<Check> out = new ArrayList<>();
    Check signature = alertSignature(alert, keys);
    out.add(signature);
    if (alert.getLogId() == null || alert.getLogIndex() == null) {
      out.add(
          new Check(
              "inclusion",
              false,
              "the alert names no audit log (logId/logIndex): it was not logged, or written before"
                  + " auditors kept logs"));
      return out;
    }
    long index = alert.getLogIndex();
    Optional<TreeHead> head =
        heads.stream()
            .filter(h -> h.getLogId().equals(alert.getLogId()) && h.getTreeSize() > index)
            .filter(h -> headSignature(h, keys).ok())
            .max(Comparator.comparingLong(TreeHead::getTreeSize));
    if (head.isEmpty()) {
      out.add(
          new Check(
              "inclusion",
              false,
              "no signed tree head of log "
                  + alert.getLogId()
                  + " covers index "
                  + index
                  + " yet: wait for the auditor's next head (--tree-head-interval) and re-run"));
      return out;
    }
    TreeHead h = head.get();
    long size = h.getTreeSize();
    if (leaves.size() < size) {
      out.add(
          new Check(
              "inclusion",
              false,
              "the audit log of "
                  + alert.getLogId()
                  + " has "
                  + leaves.size()
                  + " leaves but the signed head has "
                  + size
                  + ": leaves were dropped from herald.audit-log.v1"));
      return out;
    }
    byte[] leaf = AuditorSignatures.leafHash(alert);
    List<byte[]> proof = MerkleTree.inclusionProof(leaves, index, size);
    boolean included =
        MerkleTree.verifyInclusion(index, size, leaf, proof, ByteBuffers.bytes(h.getRootHash()));
    String where = "log " + alert.getLogId() + " index " + index + " in the head of size " + size;
    if (included) {
      out.add(
          new Check(
              "inclusion",
              true,
              where
                  + " (root "
                  + Hashing.hex(h.getRootHash()).substring(0, 16)
                  + "…, proof of "
                  + proof.size()
                  + " hashes)"));
    } else if (!MessageDigest.isEqual(leaves.get((int) index), leaf)) {
      out.add(
          new Check(
              "inclusion",
              false,
              where
                  + ": the logged leaf is another alert's; this alert was rewritten after it was"
                  + " logged, or the auditor dropped it from its log"));
    } else {
      out.add(
          new Check(
              "inclusion",
              false,
              where
                  + ": the audit log does not hash to the signed root; the log was rewritten"
                  + " after the head was signed"));
    }
    return out;
  }

  /** The auditor signature on an alert, against the registered auditor keys. */
  public static Check alertSignature(AuditAlert alert, Map<String, AuditorKey> keys) {
    if (alert.getAuditorSignature() == null || alert.getAuditorKeyId() == null) {
      return new Check(
          "auditor signature",
          false,
          "the alert is not signed by an auditor (written before auditors signed, or altered)");
    }
    AuditorKey key = keys.get(alert.getAuditorKeyId());
    if (key == null) {
      return new Check(
          "auditor signature",
          false,
          "key "
              + alert.getAuditorKeyId()
              + " is not registered with role auditor; register the auditor's key with: herald"
              + " nodes register --node-id "
              + alert.getAuditorId()
              + " --role auditor --key FILE");
    }
    if (!key.auditorId().equals(alert.getAuditorId())) {
      return new Check(
          "auditor signature",
          false,
          "key "
              + alert.getAuditorKeyId()
              + " belongs to auditor "
              + key.auditorId()
              + ", not to "
              + alert.getAuditorId());
    }
    if (key.status().equals("REVOKED")) {
      return new Check(
          "auditor signature",
          false,
          "auditor "
              + key.auditorId()
              + "'s key "
              + alert.getAuditorKeyId()
              + " was revoked: whoever holds it may have signed this alert, so its signature proves"
              + " nothing; re-check the alert with the auditor's current key");
    }
    boolean ok = AuditorSignatures.verify(alert, Ed25519.publicKey(key.publicKey()));
    return new Check(
        "auditor signature",
        ok,
        ok
            ? "signed by auditor "
                + key.auditorId()
                + " key "
                + alert.getAuditorKeyId()
                + (key.status().equals("ACTIVE") ? "" : " (key now " + key.status() + ")")
            : "the signature of auditor "
                + key.auditorId()
                + " does not verify: the alert was changed after the auditor signed it");
  }

  /** The signature on a tree head, against the registered auditor keys. */
  public static Check headSignature(TreeHead head, Map<String, AuditorKey> keys) {
    AuditorKey key = keys.get(head.getKeyId());
    String what = "head of " + head.getLogId() + " size " + head.getTreeSize();
    if (key == null || !key.auditorId().equals(head.getAuditorId())) {
      return new Check(
          "head signature",
          false,
          what
              + ": key "
              + head.getKeyId()
              + " is not registered with role auditor for "
              + head.getAuditorId());
    }
    if (key.status().equals("REVOKED")) {
      return new Check(
          "head signature",
          false,
          what + ": key " + head.getKeyId() + " of " + key.auditorId() + " was revoked");
    }
    boolean ok = AuditorSignatures.verify(head, Ed25519.publicKey(key.publicKey()));
    return new Check(
        "head signature",
        ok,
        what + (ok ? ": signed by " + key.auditorId() : ": the signature does not verify"));
  }

  /**
   * Checks that {@code newer} extends {@code older}: both signatures, then an RFC 9162 consistency
   * proof computed from {@code leaves} (the log as published now) verified against both signed
   * roots. A dropped or rewritten leaf among the first {@code older.treeSize} fails it.
   */
  public static List<Check> consistency(
      TreeHead older, TreeHead newer, Map<String, AuditorKey> keys, List<byte[]> leaves) {
    List<Check> out = new ArrayList<>();
    out.add(headSignature(older, keys));
    out.add(headSignature(newer, keys));
    String what = "from size " + older.getTreeSize() + " to " + newer.getTreeSize();
    if (!older.getLogId().equals(newer.getLogId())) {
      out.add(
          new Check(
              "consistency",
              false,
              "the heads are of two logs (" + older.getLogId() + ", " + newer.getLogId() + ")"));
      return out;
    }
    if (newer.getTreeSize() < older.getTreeSize()) {
      out.add(
          new Check(
              "consistency",
              false,
              what + ": the log shrank; the auditor dropped alerts it had logged"));
      return out;
    }
    if (leaves.size() < newer.getTreeSize()) {
      out.add(
          new Check(
              "consistency",
              false,
              what
                  + ": the audit log has only "
                  + leaves.size()
                  + " leaves; leaves were dropped from herald.audit-log.v1"));
      return out;
    }
    List<byte[]> proof =
        MerkleTree.consistencyProof(leaves, older.getTreeSize(), newer.getTreeSize());
    boolean ok =
        MerkleTree.verifyConsistency(
            older.getTreeSize(),
            newer.getTreeSize(),
            ByteBuffers.bytes(older.getRootHash()),
            ByteBuffers.bytes(newer.getRootHash()),
            proof);
    out.add(
        new Check(
            "consistency",
            ok,
            ok
                ? what + " (proof of " + proof.size() + " hashes)"
                : what
                    + ": no consistency proof; the log behind the newer head is not an extension"
                    + " of the older one — an alert was dropped or rewritten"));
    return out;
  }
}
