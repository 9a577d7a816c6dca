package dev.herald.auditor.identity;

import dev.herald.schema.NodeRecord;
import dev.herald.schema.NodeStatus;
import dev.herald.schema.canonical.Hashing;
import dev.herald.schema.id.Identifiers;
import dev.herald.schema.signing.Ed25519;
import dev.herald.schema.signing.RotationSignatures;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What one record of {@code herald.nodes.v1} does to the registry, as a pure function of (the
 * record key, the record, its broker time, the histories applied so far) → a sealed {@link
 * Decision}. The auditor's global registry view, its identity application and {@code herald verify}
 * all apply these rules to the same ordered topic, so they agree on every node's history.
 *
 * <p>The rules, in order:
 *
 * <ol>
 *   <li>a record whose key is not its value's {@code nodeId} is {@link Rejected} ({@code
 *       KEY_MISMATCH}): a record keyed {@code x} never defines node {@code n1};
 *   <li>a node or group id that breaks {@link Identifiers#RULE} is rejected ({@code INVALID_ID});
 *   <li>a public key that is not a valid Ed25519 key (BouncyCastle's full validation: canonical, on
 *       the curve, not of small order) is rejected ({@code WEAK_KEY});
 *   <li>a key already registered for another node id, a key this node used before (a rotation
 *       back), or another key for a registered node without a rotation signed by its current key
 *       ({@link RotationSignatures}) is {@link Quarantined}: not applied, an {@code
 *       IDENTITY_CONFLICT};
 *   <li>otherwise the record is {@link Applied} as one {@link NodeHistory.Change}: registration,
 *       rotation, status change, reactivation (of a revoked, retired or deleted node), update, or a
 *       tombstone ({@code DELETED}: the history stays, the id is no longer registered). A record
 *       that changes nothing is {@link Unchanged}.
 * </ol>
 *
 * <pre>{@code
 * RegistryRules.Decision d = RegistryRules.apply(view, key, record, brokerTime, offset);
 * if (d instanceof RegistryRules.Applied a) {
 *   store.put(a.history().nodeId(), a.history());
 * }
 * }</pre>
 */
public final class RegistryRules {
  private RegistryRules() {}

  /** What the rules read: the histories applied so far. */
  public interface View {
    /** The history of {@code nodeId}, if anything was ever applied to it. */
    Optional<NodeHistory> history(String nodeId);

    /** A node other than {@code except} that has (or had) the key {@code publicKeyHex}. */
    Optional<String> otherOwnerOfKey(String publicKeyHex, String except);

    /** The view of the histories in {@code histories}, by node id (read as it changes). */
    static View of(Map<String, NodeHistory> histories) {
      return new View() {
        @Override
        public Optional<NodeHistory> history(String nodeId) {
          return Optional.ofNullable(histories.get(nodeId));
        }

        @Override
        public Optional<String> otherOwnerOfKey(String publicKeyHex, String except) {
          return histories.values().stream()
              .filter(h -> !h.nodeId().equals(except) && h.usedKey(publicKeyHex))
              .map(NodeHistory::nodeId)
              .findFirst();
        }
      };
    }
  }

  /** What a registry record does. */
  public sealed interface Decision permits Applied, Unchanged, Rejected, Quarantined {}

  /**
   * Applied: the node's new history and its state before and after.
   *
   * @param history the new history (store it)
   * @param entry the entry this record added
   * @param before the node as registered just before (null: unknown, or deleted)
   * @param record the record (null for a tombstone)
   */
  public record Applied(
      NodeHistory history, NodeHistory.Entry entry, RegisteredNode before, NodeRecord record)
      implements Decision {}

  /**
   * Nothing to apply: the record restates the node as it is, or tombstones an id that is not
   * registered.
   */
  public record Unchanged(String nodeId, String detail) implements Decision {}

  /**
   * Not applied, and not a registration at all: the record is malformed for the registry.
   *
   * @param reason dead-letter reason: KEY_MISMATCH, INVALID_ID, WEAK_KEY or INVALID
   * @param nodeId the node id the record names (or its key, when it names none)
   * @param detail one sentence: what is wrong and what to do
   */
  public record Rejected(String reason, String nodeId, String detail) implements Decision {}

  /**
   * Not applied: a registration that conflicts with the registry (IDENTITY_CONFLICT).
   *
   * @param nodeId the node id the record names
   * @param nodes the ids in conflict (the record's, and another owner of its key)
   * @param detail one sentence
   */
  public record Quarantined(String nodeId, List<String> nodes, String detail) implements Decision {}

  /**
   * Applies one record.
   *
   * @param view the histories applied so far
   * @param key the record key (UTF-8), null when it has none
   * @param record the record value, null for a tombstone
   * @param brokerTime the record's broker time
   * @param offset the record's offset (-1 when unknown)
   */
  public static Decision apply(
      View view, String key, NodeRecord record, long brokerTime, long offset) {
    if (record == null) {
      return tombstone(view, key, brokerTime, offset);
    }
    String nodeId = record.getNodeId() == null ? "" : record.getNodeId();
    if (key == null || !key.equals(nodeId)) {
      return new Rejected(
          "KEY_MISMATCH",
          nodeId.isEmpty() ? String.valueOf(key) : nodeId,
          "registry record keyed "
              + (key == null ? "(no key)" : "'" + Identifiers.printable(key) + "'")
              + " names node '"
              + Identifiers.printable(nodeId)
              + "': a registration must be keyed by its own nodeId (herald nodes register does"
              + " this)");
    }
    String idProblem = Identifiers.problem(Identifiers.Kind.NODE, nodeId);
    if (idProblem != null) {
      return new Rejected("INVALID_ID", nodeId, idProblem);
    }
    if (record.getGroups() == null || record.getStatus() == null) {
      return new Rejected(
          "INVALID", nodeId, "registration of " + nodeId + " has no groups or status");
    }
    for (String g : record.getGroups()) {
      String p = Identifiers.problem(Identifiers.Kind.GROUP, g);
      if (p != null) {
        return new Rejected("INVALID_ID", nodeId, "registration of " + nodeId + ": " + p);
      }
    }
    byte[] publicKey = bytes(record.getPublicKey());
    if (!Ed25519.isValidPublicKey(publicKey)) {
      return new Rejected(
          "WEAK_KEY",
          nodeId,
          "registration of "
              + nodeId
              + ": the public key is not a valid Ed25519 key ("
              + (publicKey == null ? 0 : publicKey.length)
              + " bytes; a key must be 32 bytes encoding a point of the prime-order subgroup, not"
              + " of small order); generate one with: herald nodes keygen");
    }
    String keyHex = Hashing.hex(publicKey);
    NodeHistory history = view.history(nodeId).orElse(NodeHistory.empty(nodeId));
    long at = Math.max(brokerTime, history.lastAt());
    NodeHistory.Entry last = history.last();
    RegisteredNode before = history.latest();
    Optional<String> otherOwner = view.otherOwnerOfKey(keyHex, nodeId);
    boolean keyChanged = last != null && !last.publicKeyHex().equals(keyHex);
    if (otherOwner.isPresent() && (last == null || keyChanged)) {
      return new Quarantined(
          nodeId,
          List.of(nodeId, otherOwner.get()),
          "one key is registered under two node ids: "
              + otherOwner.get()
              + " and "
              + nodeId
              + "; the registration of "
              + nodeId
              + " is quarantined (not applied)");
    }
    if (last == null) {
      return applied(
          history, entry(at, offset, NodeHistory.Change.REGISTERED, keyHex, record), null, record);
    }
    if (keyChanged) {
      String problem = rotationProblem(history, record, keyHex, last);
      if (problem != null) {
        return new Quarantined(nodeId, List.of(nodeId), problem);
      }
    }
    boolean wasActive = before != null && before.active();
    boolean isActive = record.getStatus() == NodeStatus.ACTIVE;
    NodeHistory.Change change;
    if (before == null || (!wasActive && isActive)) {
      change = NodeHistory.Change.REACTIVATED;
    } else if (before.status() != record.getStatus()) {
      change = NodeHistory.Change.STATUS_CHANGED;
    } else if (keyChanged) {
      change = NodeHistory.Change.ROTATED;
    } else if (!Objects.equals(before.displayName(), record.getDisplayName())
        || !Objects.equals(before.region(), record.getRegion())
        || !before.groups().equals(record.getGroups())) {
      change = NodeHistory.Change.UPDATED;
    } else {
      return new Unchanged(nodeId, "registration of " + nodeId + " restates it as it is");
    }
    return applied(history, entry(at, offset, change, keyHex, record), before, record);
  }

  /** Why a new key for a registered node is not a valid rotation, or null when it is. */
  private static String rotationProblem(
      NodeHistory history, NodeRecord record, String keyHex, NodeHistory.Entry last) {
    String nodeId = history.nodeId();
    if (history.usedKey(keyHex)) {
      return "node "
          + nodeId
          + " was registered with a key it had before: a rotation back to a retired key is"
          + " quarantined (not applied)";
    }
    if (last.registered() && last.status() == NodeStatus.REVOKED) {
      return "node "
          + nodeId
          + " is revoked: a revoked identity cannot change its key (register a new node id);"
          + " quarantined (not applied)";
    }
    byte[] from = bytes(record.getRotatesFrom());
    if (from == null || !Hashing.hex(from).equals(last.publicKeyHex())) {
      return "node "
          + nodeId
          + " was re-registered with another key and no rotation from its current key; quarantined"
          + " (not applied): use herald nodes rotate, which signs the rotation with the current key";
    }
    if (!RotationSignatures.verify(record)) {
      return "node "
          + nodeId
          + " declares a rotation from its current key, but "
          + (record.getRotationSignature() == null
              ? "the rotation is not signed by it"
              : "the rotation signature does not verify against it")
          + "; quarantined (not applied): use herald nodes rotate --key CURRENT.pem";
    }
    return null;
  }

  private static Decision tombstone(View view, String key, long brokerTime, long offset) {
    Optional<NodeHistory> history = key == null ? Optional.empty() : view.history(key);
    if (history.isEmpty() || history.get().deleted()) {
      return new Unchanged(
          String.valueOf(key),
          "tombstone for node id '"
              + (key == null ? "" : Identifiers.printable(key))
              + "', which is not registered");
    }
    NodeHistory h = history.get();
    NodeHistory.Entry last = h.last();
    NodeHistory.Entry deleted =
        new NodeHistory.Entry(
            Math.max(brokerTime, h.lastAt()),
            offset,
            NodeHistory.Change.DELETED,
            last.publicKeyHex(),
            last.displayName(),
            last.region(),
            last.groups(),
            last.status());
    return applied(h, deleted, h.latest(), null);
  }

  private static Applied applied(
      NodeHistory history, NodeHistory.Entry e, RegisteredNode before, NodeRecord record) {
    return new Applied(history.with(e), e, before, record);
  }

  private static NodeHistory.Entry entry(
      long at, long offset, NodeHistory.Change change, String keyHex, NodeRecord r) {
    return new NodeHistory.Entry(
        at,
        offset,
        change,
        keyHex,
        r.getDisplayName(),
        r.getRegion(),
        new ArrayList<>(r.getGroups()),
        r.getStatus());
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
