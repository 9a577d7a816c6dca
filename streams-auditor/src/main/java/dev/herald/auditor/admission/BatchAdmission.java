package dev.herald.auditor.admission;

import dev.herald.auditor.detect.NodeLedger;
import dev.herald.auditor.identity.KeyCache;
import dev.herald.auditor.identity.NodeHistory;
import dev.herald.auditor.identity.RegisteredNode;
import dev.herald.auditor.policy.AuditPolicy;
import dev.herald.schema.ReportBatch;
import dev.herald.schema.StateChange;
import dev.herald.schema.canonical.CanonicalEncoding;
import dev.herald.schema.canonical.Hashing;
import dev.herald.schema.id.Identifiers;
import dev.herald.schema.serde.MalformedRecordException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Function;
import org.apache.kafka.common.utils.Utils;

/**
 * Admission of one record of {@code herald.state-changes.v1}, as a pure function of (bytes, where
 * they were written, when the broker took them, the registry, the signer's ledger, the policy) → a
 * sealed {@link Outcome}. Nothing here reads a store or the wall clock, so every rule is unit- and
 * property-tested without Kafka.
 *
 * <p>The order is that of DESIGN.md "Trust, time and admission": bounded decode → structure (ids
 * included: {@code INVALID_ID}) → identity (the registry as it was at the record's broker time) →
 * signature (with the rules of key rotation) → placement → replay. Only an {@link Admitted} batch
 * may advance a clock, charge a budget or be remembered for deduplication; a batch that does not
 * verify never makes the node it claims a suspect ({@link Unverified}), and a validly signed batch
 * that someone copied into another partition or replayed blames nobody ({@link Dead}).
 *
 * <pre>{@code
 * BatchAdmission admission = new BatchAdmission(policy, partitions, decoder, keys);
 * BatchAdmission.Outcome o = admission.admit(value, partition, brokerTime, registry::history, ledgers);
 * if (o instanceof BatchAdmission.Admitted a) {
 *   reconcile(a.batch());
 * }
 * }</pre>
 */
public final class BatchAdmission {
  static final int HASH_SIZE = 32;

  /** What admission decided. */
  public sealed interface Outcome permits Dead, Unverified, Admitted {}

  /**
   * Not admitted, and proves nothing against anyone: undecodable, malformed, misplaced, a stale or
   * repeated replay. Goes to the DLQ with {@code reason}.
   *
   * @param reason stable dead-letter reason code
   * @param detail a sentence for humans
   */
  public record Dead(String reason, String detail) implements Outcome {}

  /**
   * Not admitted: claims to be {@code claimedNode} but does not verify as it (bad signature,
   * unknown or inactive node). Goes to the DLQ; the auditor may warn about it once in a while,
   * naming the claimed node as the victim of the forgery, never as its author.
   *
   * @param reason {@code FORGED} or {@code UNKNOWN_NODE}
   * @param claimedNode the node id written in the batch
   * @param registered the claimed node's registration, or null when it is not registered
   * @param detail a sentence for humans
   */
  public record Unverified(
      String reason, String claimedNode, RegisteredNode registered, String detail)
      implements Outcome {}

  /**
   * Admitted: decoded, well-formed, validly signed by its registered, active node, written where it
   * was signed to go, and not seen before.
   *
   * @param batch the batch
   * @param node its signer's registration
   * @param digest hex SHA-256 of its canonical (signed) encoding
   * @param previousKey whether it verified under the key its node rotated from (within the grace)
   */
  public record Admitted(ReportBatch batch, RegisteredNode node, String digest, boolean previousKey)
      implements Outcome {}

  /** Decodes the wire bytes; throws {@link MalformedRecordException} for bad input. */
  @FunctionalInterface
  public interface Decoder {
    ReportBatch decode(byte[] value);
  }

  private final AuditPolicy policy;
  private final int partitions;
  private final Decoder decoder;
  private final KeyCache keys;

  /**
   * @param policy the audit policy (record limit, signatures, key-rotation grace)
   * @param partitions partitions of {@code herald.state-changes.v1}, to check that a batch's
   *     entities belong to its partition; 0 disables that check
   * @param decoder wire-format decoder (bounded; waits out a registry outage itself)
   * @param keys decoded-key cache of this task
   */
  public BatchAdmission(AuditPolicy policy, int partitions, Decoder decoder, KeyCache keys) {
    this.policy = policy;
    this.partitions = partitions;
    this.decoder = decoder;
    this.keys = keys;
  }

  /**
   * Admits or refuses one record.
   *
   * @param value the record value
   * @param partition the partition it was written to
   * @param arrivalMs its broker time (already clamped by the caller to wall clock + skew)
   * @param registry each node's registry history as this task sees it (null: never registered); the
   *     batch is judged against the node as it was at {@code arrivalMs}
   * @param ledgerOf the ledger of a registered node (created if absent); admission remembers an
   *     admitted batch's digest in it, so the caller must store the ledger it got back
   */
  public Outcome admit(
      byte[] value,
      int partition,
      long arrivalMs,
      Function<String, NodeHistory> registry,
      Function<String, NodeLedger> ledgerOf) {
    if (value == null || value.length == 0) {
      return new Dead("EMPTY", "no value (tombstone or empty record)");
    }
    if (value.length > policy.maxRecordBytes()) {
      return new Dead(
          "OVERSIZED",
          value.length + " bytes exceed limits.maxRecordBytes=" + policy.maxRecordBytes());
    }
    ReportBatch batch;
    try {
      batch = decoder.decode(value);
    } catch (MalformedRecordException e) {
      return new Dead(e.reason().name(), e.getMessage());
    }
    String problem = structuralProblem(batch);
    if (problem != null) {
      return new Dead("INVALID", problem);
    }
    String invalidId = idProblem(batch);
    if (invalidId != null) {
      return new Dead("INVALID_ID", invalidId);
    }
    String nodeId = batch.getNodeId();
    NodeHistory history = registry.apply(nodeId);
    RegisteredNode node = history == null ? null : history.at(arrivalMs);
    if (node == null) {
      return new Unverified(
          "UNKNOWN_NODE",
          nodeId,
          null,
          "batch claims node "
              + nodeId
              + (history == null || history.entries().isEmpty()
                  ? ", which is not registered"
                  : ", which was not registered when the batch arrived (deleted)"));
    }
    if (!node.active()) {
      return new Unverified(
          "UNKNOWN_NODE", nodeId, node, "batch of node " + nodeId + ", which is " + node.status());
    }
    byte[] canonical;
    try {
      canonical = CanonicalEncoding.reportBatch(batch);
    } catch (RuntimeException e) {
      return new Dead("INVALID", "batch cannot be canonically encoded: " + e.getMessage());
    }
    boolean previousKey = false;
    if (policy.defaults().requireSignatures()) {
      KeyCache.Verdict v =
          keys.check(
              batch.getKeyId(),
              batch.getCreatedAt() == null ? Long.MIN_VALUE : batch.getCreatedAt().toEpochMilli(),
              canonical,
              bytes(batch.getSignature()),
              history,
              arrivalMs,
              policy.keyRotationGrace().toMillis());
      switch (v) {
        case FORGED -> {
          return new Unverified(
              "FORGED",
              nodeId,
              node,
              "batch "
                  + batch.getBatchSeq()
                  + " claims node "
                  + nodeId
                  + " but does not verify against its registered key");
        }
        case STALE_REPLAY -> {
          return new Dead(
              "STALE_REPLAY",
              "batch "
                  + batch.getBatchSeq()
                  + " of node "
                  + nodeId
                  + " was signed before its key rotation and arrived after the rotation grace");
        }
        case PREVIOUS_KEY -> previousKey = true;
        case CURRENT_KEY -> {}
      }
    }
    String misplaced = misplacement(batch, partition);
    if (misplaced != null) {
      return new Dead("MISPLACED", misplaced);
    }
    String digest = Hashing.hex(Hashing.sha256(canonical));
    NodeLedger ledger = ledgerOf.apply(nodeId);
    NodeLedger.BatchCheck seen = ledger.rememberBatch(batch.getBatchSeq(), digest);
    if (seen == NodeLedger.BatchCheck.DUPLICATE) {
      return new Dead(
          "REPLAY",
          "batch "
              + batch.getBatchSeq()
              + " of node "
              + nodeId
              + " was already received (same signed content)");
    }
    if (seen == NodeLedger.BatchCheck.STALE) {
      return new Dead(
          "REPLAY",
          "batch "
              + batch.getBatchSeq()
              + " of node "
              + nodeId
              + " is older than its recent batches (a replay of old input)");
    }
    return new Admitted(batch, node, digest, previousKey);
  }

  /**
   * The first structural problem of a decoded batch (what the schema cannot say), or null: ids,
   * positive sequence and versions, digest sizes, signature size, every report of the batch's node.
   */
  static String structuralProblem(ReportBatch batch) {
    if (blank(batch.getNodeId())) {
      return "batch has no nodeId";
    }
    if (batch.getBatchSeq() < 1) {
      return "batchSeq " + batch.getBatchSeq() + " is not positive";
    }
    if (batch.getSignature() == null
        || batch.getSignature().remaining() != dev.herald.schema.signing.Ed25519.SIGNATURE_SIZE) {
      return "signature is not " + dev.herald.schema.signing.Ed25519.SIGNATURE_SIZE + " bytes";
    }
    List<StateChange> reports = batch.getReports();
    for (int i = 0; i < reports.size(); i++) {
      StateChange r = reports.get(i);
      // the message only for a problem: this runs for every report the auditor reads
      if (blank(r.getEventId()) || blank(r.getGroup()) || blank(r.getEntityKey())) {
        return where(i) + "eventId, group and entityKey must not be empty";
      }
      if (r.getVersion() < 1) {
        return where(i) + "version " + r.getVersion() + " is not positive";
      }
      if (size(r.getStateHash()) != HASH_SIZE || size(r.getOpDigest()) != HASH_SIZE) {
        return where(i) + "stateHash and opDigest must be 32-byte SHA-256 digests";
      }
      int prev = size(r.getPrevStateHash());
      if (prev != 0 && prev != HASH_SIZE) {
        return where(i) + "prevStateHash must be empty or 32 bytes, not " + prev;
      }
      if (blank(r.getOpId())) {
        return where(i) + "opId must not be empty";
      }
      if (!r.getNodeId().toString().contentEquals(batch.getNodeId())) {
        return where(i)
            + "a batch of node "
            + batch.getNodeId()
            + " carries a report of node "
            + r.getNodeId();
      }
      if (r.getEventTime() == null) {
        return where(i) + "no eventTime";
      }
    }
    return null;
  }

  private static String where(int report) {
    return "report " + report + ": ";
  }

  /**
   * Why the batch's node id or a report's group id breaks {@link Identifiers#RULE}, or null. Such a
   * batch is a dead letter that blames nobody: no registered node can have that id.
   */
  static String idProblem(ReportBatch batch) {
    String p = Identifiers.problem(Identifiers.Kind.NODE, batch.getNodeId());
    if (p != null) {
      return "batch " + batch.getBatchSeq() + ": " + p;
    }
    String previous = null;
    for (StateChange r : batch.getReports()) {
      String group = r.getGroup().toString();
      if (group.equals(previous)) {
        continue;
      }
      previous = group;
      p = Identifiers.problem(Identifiers.Kind.GROUP, group);
      if (p != null) {
        return "batch " + batch.getBatchSeq() + " of node " + batch.getNodeId() + ": " + p;
      }
    }
    return null;
  }

  /**
   * Why a validly signed batch is not where it was signed to go, or null. The signer put its
   * partition inside the signed bytes, so a copy in another partition was placed there by someone
   * else: a dead letter that blames nobody.
   */
  private String misplacement(ReportBatch batch, int partition) {
    if (batch.getPartition() != partition) {
      return "batch "
          + batch.getBatchSeq()
          + " of node "
          + batch.getNodeId()
          + " was signed for partition "
          + batch.getPartition()
          + " but written to partition "
          + partition;
    }
    if (partitions > 0) {
      for (StateChange r : batch.getReports()) {
        int p = partitionOf(r.getGroup().toString(), r.getEntityKey().toString(), partitions);
        if (p != partition) {
          return "batch "
              + batch.getBatchSeq()
              + " of node "
              + batch.getNodeId()
              + " carries entity "
              + r.getGroup()
              + "/"
              + r.getEntityKey()
              + ", which belongs to partition "
              + p;
        }
      }
    }
    return null;
  }

  /** The partition of entity {@code group/entityKey}: murmur2 of its UTF-8 bytes, as Kafka's. */
  public static int partitionOf(String group, String entityKey, int partitions) {
    byte[] k = (group + "/" + entityKey).getBytes(StandardCharsets.UTF_8);
    return Utils.toPositive(Utils.murmur2(k)) % partitions;
  }

  private static boolean blank(CharSequence s) {
    return s == null || s.toString().isBlank();
  }

  private static int size(ByteBuffer b) {
    return b == null ? -1 : b.remaining();
  }

  static byte[] bytes(ByteBuffer buffer) {
    if (buffer == null) {
      return null;
    }
    ByteBuffer b = buffer.duplicate();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }
}
