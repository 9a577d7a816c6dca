package dev.herald.auditor.admission;

import dev.herald.auditor.identity.KeyCache;
import dev.herald.auditor.identity.NodeHistory;
import dev.herald.auditor.identity.RegisteredNode;
import dev.herald.auditor.policy.AuditPolicy;
import dev.herald.schema.Heartbeat;
import dev.herald.schema.canonical.CanonicalEncoding;
import dev.herald.schema.id.Identifiers;
import dev.herald.schema.serde.MalformedRecordException;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;
import org.apache.kafka.common.utils.Utils;

/**
 * Admission of one record of {@code herald.heartbeats.v1}, as a pure function: the same rules as
 * {@link BatchAdmission} — bounded decode, ids ({@code INVALID_ID}), identity as of the record's
 * broker time, signature with the rules of key rotation — plus what only a heartbeat needs: it must
 * be on its node's partition (murmur2 of the node id, as the producer contract says), its {@code
 * sequence} must be above the last one admitted for the node (so a replayed heartbeat, a STOPPING
 * one included, proves nothing), and its signed {@code eventTime} is clamped to its broker arrival
 * ± the policy's clock skew (a node with a clock days ahead can neither hide its own silence for
 * days nor make anyone else look silent).
 *
 * <pre>{@code
 * HeartbeatAdmission admission = new HeartbeatAdmission(policy, partitions, decoder, keys);
 * if (admission.admit(value, partition, arrival, registry::history, lastSequence)
 *     instanceof HeartbeatAdmission.Admitted a) {
 *   Liveness.onHeartbeat(liveness, a.eventTime(), a.heartbeat().getStatus(), threshold, now);
 * }
 * }</pre>
 */
public final class HeartbeatAdmission {
  /** What admission decided. */
  public sealed interface Outcome permits Dead, Admitted {}

  /**
   * Not admitted: no proof of life. Goes to the DLQ with {@code reason} and raises nothing.
   *
   * @param reason stable dead-letter reason code
   * @param detail a sentence for humans
   */
  public record Dead(String reason, String detail) implements Outcome {}

  /**
   * Admitted.
   *
   * @param heartbeat the heartbeat
   * @param node its node's registration
   * @param eventTime its signed event time, clamped to arrival ± clock skew
   */
  public record Admitted(Heartbeat heartbeat, RegisteredNode node, long eventTime)
      implements Outcome {}

  /** Decodes the wire bytes; throws {@link MalformedRecordException} for bad input. */
  @FunctionalInterface
  public interface Decoder {
    Heartbeat decode(byte[] value);
  }

  private final AuditPolicy policy;
  private final int partitions;
  private final Decoder decoder;
  private final KeyCache keys;

  /**
   * @param policy the audit policy
   * @param partitions partitions of {@code herald.heartbeats.v1}; 0 disables the placement check
   * @param decoder wire-format decoder
   * @param keys decoded-key cache of this task
   */
  public HeartbeatAdmission(AuditPolicy policy, int partitions, Decoder decoder, KeyCache keys) {
    this.policy = policy;
    this.partitions = partitions;
    this.decoder = decoder;
    this.keys = keys;
  }

  /**
   * Admits or refuses one heartbeat record.
   *
   * @param value the record value
   * @param partition the partition it was written to
   * @param arrivalMs its broker time, clamped by the caller to wall clock + skew
   * @param registry each node's registry history as this task sees it (null: never registered); the
   *     heartbeat is judged against the node as it was at {@code arrivalMs}
   * @param lastSequence the last admitted sequence of a node, or {@link Long#MIN_VALUE}
   */
  public Outcome admit(
      byte[] value,
      int partition,
      long arrivalMs,
      Function<String, NodeHistory> registry,
      Function<String, Long> lastSequence) {
    if (value == null || value.length == 0) {
      return new Dead("EMPTY", "no value (tombstone or empty record)");
    }
    if (value.length > policy.maxRecordBytes()) {
      return new Dead(
          "OVERSIZED",
          value.length + " bytes exceed limits.maxRecordBytes=" + policy.maxRecordBytes());
    }
    Heartbeat hb;
    try {
      hb = decoder.decode(value);
    } catch (MalformedRecordException e) {
      return new Dead(e.reason().name(), e.getMessage());
    }
    String nodeId = hb.getNodeId() == null ? "" : hb.getNodeId().toString();
    if (nodeId.isBlank()) {
      return new Dead("INVALID", "heartbeat has no nodeId");
    }
    String invalidId = idProblem(hb);
    if (invalidId != null) {
      return new Dead("INVALID_ID", invalidId);
    }
    NodeHistory history = registry.apply(nodeId);
    RegisteredNode node = history == null ? null : history.at(arrivalMs);
    if (node == null || !node.active()) {
      return new Dead(
          "UNKNOWN_NODE",
          "heartbeat of "
              + (node == null ? "unregistered node " : node.status() + " node ")
              + nodeId
              + ": not a proof of life");
    }
    long signedAt = hb.getEventTime() == null ? Long.MIN_VALUE : hb.getEventTime().toEpochMilli();
    if (policy.defaults().requireSignatures()) {
      byte[] canonical;
      try {
        canonical = CanonicalEncoding.heartbeat(hb);
      } catch (RuntimeException e) {
        return new Dead("INVALID", "heartbeat cannot be canonically encoded: " + e.getMessage());
      }
      KeyCache.Verdict v =
          keys.check(
              hb.getKeyId(),
              signedAt,
              canonical,
              BatchAdmission.bytes(hb.getSignature()),
              history,
              arrivalMs,
              policy.keyRotationGrace().toMillis());
      if (v == KeyCache.Verdict.FORGED) {
        return new Dead(
            "FORGED",
            "heartbeat of node " + nodeId + " does not verify against its registered key");
      }
      if (v == KeyCache.Verdict.STALE_REPLAY) {
        return new Dead(
            "STALE_REPLAY",
            "heartbeat of node "
                + nodeId
                + " was signed before its key rotation and arrived after the rotation grace");
      }
    }
    if (partitions > 0) {
      int expected = partitionOf(nodeId, partitions);
      if (expected != partition) {
        return new Dead(
            "MISPLACED",
            "heartbeat of node "
                + nodeId
                + " written to partition "
                + partition
                + "; its node's heartbeats go to partition "
                + expected);
      }
    }
    Long last = lastSequence.apply(nodeId);
    if (last != null && last != Long.MIN_VALUE && hb.getSequence() <= last) {
      return new Dead(
          "REPLAY",
          "heartbeat sequence "
              + hb.getSequence()
              + " of node "
              + nodeId
              + " is not above the last one received ("
              + last
              + ")");
    }
    long skew = policy.clockSkew().toMillis();
    long eventTime = Math.max(arrivalMs - skew, Math.min(arrivalMs + skew, signedAt));
    return new Admitted(hb, node, eventTime);
  }

  /** Why the heartbeat's node id or one of its groups breaks {@link Identifiers#RULE}, or null. */
  static String idProblem(Heartbeat hb) {
    String p = Identifiers.problem(Identifiers.Kind.NODE, hb.getNodeId());
    if (p != null) {
      return "heartbeat: " + p;
    }
    if (hb.getGroups() != null) {
      for (CharSequence g : hb.getGroups()) {
        p = Identifiers.problem(Identifiers.Kind.GROUP, g);
        if (p != null) {
          return "heartbeat of node " + hb.getNodeId() + ": " + p;
        }
      }
    }
    return null;
  }

  /** The heartbeat partition of a node: murmur2 of its id's UTF-8 bytes, as Kafka's partitioner. */
  public static int partitionOf(String nodeId, int partitions) {
    return Utils.toPositive(Utils.murmur2(nodeId.getBytes(StandardCharsets.UTF_8))) % partitions;
  }
}
