package dev.herald.auditor.identity;

import dev.herald.schema.NodeStatus;
import dev.herald.schema.signing.Ed25519;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Every registry change the auditor applied to one node, in the order of their broker times: what
 * the node was (key, status, groups) at any moment, and over which interval each of its keys was
 * the node's key. Admission checks a record against the node as it was at the record's broker time,
 * and {@code herald verify} checks evidence against the key that was valid when it was written, so
 * a replay, a second auditor and a verifier years later reach the same verdicts however often the
 * node rotated its key since.
 *
 * <p>Time of an entry: the broker time of its {@code herald.nodes.v1} record (a LogAppendTime
 * topic), never earlier than the node's previous entry. A node's first registration counts from the
 * beginning of time: a batch its key signed before the registration reached the broker is still
 * that key's (nobody else could sign it).
 *
 * <pre>{@code
 * RegisteredNode asThen = history.at(batchArrival);         // null: unknown or deleted then
 * Optional<NodeHistory.KeySpan> key = history.span(batch.getKeyId(), batchArrival);
 * }</pre>
 *
 * @param nodeId the node
 * @param entries applied changes, oldest first (at most {@link #MAX_ENTRIES}; the first is kept)
 */
public record NodeHistory(String nodeId, List<Entry> entries) {
  /** Changes kept per node: the first registration and the newest ones. */
  public static final int MAX_ENTRIES = 512;

  /** What one applied registry record changed. */
  public enum Change {
    /** First registration of the id. */
    REGISTERED,
    /** A new key, by a rotation the previous key signed. */
    ROTATED,
    /** ACTIVE → RETIRED or REVOKED, or between the two. */
    STATUS_CHANGED,
    /** RETIRED, REVOKED or deleted → ACTIVE again. */
    REACTIVATED,
    /** Display name, region or groups changed. */
    UPDATED,
    /** A tombstone: the id is no longer registered (its history stays). */
    DELETED
  }

  /**
   * One applied change and the node's state after it.
   *
   * @param at broker time of the registry record, epoch millis
   * @param offset offset of the record on {@code herald.nodes.v1} (-1 when unknown)
   * @param change what changed
   * @param publicKeyHex the node's key after it (hex; a deleted node keeps its last key here)
   * @param displayName display name
   * @param region region
   * @param groups groups
   * @param status status (the last status before the deletion for {@link Change#DELETED})
   */
  public record Entry(
      long at,
      long offset,
      Change change,
      String publicKeyHex,
      String displayName,
      String region,
      List<String> groups,
      NodeStatus status) {
    public Entry {
      groups = groups == null ? List.of() : List.copyOf(groups);
    }

    /** Whether the id is registered after this change. */
    public boolean registered() {
      return change != Change.DELETED;
    }
  }

  /**
   * The interval over which a key was the node's key: from its registration ({@link Long#MIN_VALUE}
   * for the node's first key) to the broker time of the rotation that replaced it ({@link
   * Long#MAX_VALUE} while it is the node's key).
   */
  public record KeySpan(String publicKeyHex, String keyId, long from, long until) {
    /** Whether the key was the node's key at {@code t}. */
    public boolean covers(long t) {
      return from <= t && t < until;
    }

    /** The raw key. */
    public byte[] publicKey() {
      return HexFormat.of().parseHex(publicKeyHex);
    }
  }

  public NodeHistory {
    entries = entries == null ? List.of() : List.copyOf(entries);
  }

  /** An empty history (nothing applied yet). */
  public static NodeHistory empty(String nodeId) {
    return new NodeHistory(nodeId, List.of());
  }

  /** A history of one registration, counting from the beginning of time (tests, fixtures). */
  public static NodeHistory of(RegisteredNode node) {
    return new NodeHistory(
        node.nodeId(),
        List.of(
            new Entry(
                node.registeredAtMs(),
                -1,
                Change.REGISTERED,
                node.publicKeyHex(),
                node.displayName(),
                node.region(),
                node.groups(),
                node.status())));
  }

  /**
   * This history with {@code e} appended (the oldest entries but the first dropped past the cap).
   */
  public NodeHistory with(Entry e) {
    List<Entry> out = new ArrayList<>(entries.size() + 1);
    out.addAll(entries);
    out.add(e);
    while (out.size() > MAX_ENTRIES) {
      out.remove(1);
    }
    return new NodeHistory(nodeId, out);
  }

  /** The newest entry, or null. */
  public Entry last() {
    return entries.isEmpty() ? null : entries.get(entries.size() - 1);
  }

  /** Broker time of the newest entry ({@link Long#MIN_VALUE} when empty). */
  public long lastAt() {
    Entry e = last();
    return e == null ? Long.MIN_VALUE : e.at();
  }

  /** The entry in force at {@code t}: the newest one not after it, or the first registration. */
  public Entry entryAt(long t) {
    if (entries.isEmpty()) {
      return null;
    }
    Entry found = entries.get(0);
    for (int i = 1; i < entries.size(); i++) {
      Entry e = entries.get(i);
      if (e.at() > t) {
        break;
      }
      found = e;
    }
    return found;
  }

  /** The node as it was registered at {@code t}; null when it was not registered then. */
  public RegisteredNode at(long t) {
    Entry e = entryAt(t);
    if (e == null || !e.registered()) {
      return null;
    }
    return new RegisteredNode(
        nodeId,
        e.displayName(),
        e.publicKeyHex(),
        previousKeyBefore(e),
        e.groups(),
        e.status(),
        e.region(),
        e.at());
  }

  /** The node as registered now (after every applied change); null when unknown or deleted. */
  public RegisteredNode latest() {
    return at(Long.MAX_VALUE);
  }

  /** Whether the id was registered at some point and its newest change is a tombstone. */
  public boolean deleted() {
    Entry e = last();
    return e != null && !e.registered();
  }

  /** The intervals of each key the node had, oldest first. */
  public List<KeySpan> keySpans() {
    List<KeySpan> spans = new ArrayList<>();
    String key = null;
    long from = Long.MIN_VALUE;
    for (int i = 0; i < entries.size(); i++) {
      Entry e = entries.get(i);
      if (key == null) {
        key = e.publicKeyHex();
        from = i == 0 ? Long.MIN_VALUE : e.at();
      } else if (!key.equals(e.publicKeyHex())) {
        spans.add(span(key, from, e.at()));
        key = e.publicKeyHex();
        from = e.at();
      }
    }
    if (key != null) {
      spans.add(span(key, from, Long.MAX_VALUE));
    }
    return spans;
  }

  /**
   * The span of the key with id {@code keyId} that had begun by {@code t} (the newest such, should
   * two keys share an id), or empty when the node had no such key by then.
   */
  public Optional<KeySpan> span(String keyId, long t) {
    KeySpan found = null;
    for (KeySpan s : keySpans()) {
      if (s.keyId().equals(keyId) && s.from() <= t) {
        found = s;
      }
    }
    return Optional.ofNullable(found);
  }

  /** The span of the key that was the node's key at {@code t}. */
  public Optional<KeySpan> spanAt(long t) {
    for (KeySpan s : keySpans()) {
      if (s.covers(t)) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }

  /** Whether {@code publicKeyHex} was ever this node's key. */
  public boolean usedKey(String publicKeyHex) {
    return entries.stream().anyMatch(e -> e.publicKeyHex().equals(publicKeyHex));
  }

  /** The times at which the node stopped being ACTIVE (revoked, retired or deleted). */
  public List<Long> deactivations() {
    List<Long> out = new ArrayList<>();
    boolean active = false;
    for (Entry e : entries) {
      boolean now = e.registered() && e.status() == NodeStatus.ACTIVE;
      if (active && !now) {
        out.add(e.at());
      }
      active = now;
    }
    return out;
  }

  private String previousKeyBefore(Entry e) {
    String previous = null;
    String key = null;
    for (Entry x : entries) {
      if (key != null && !key.equals(x.publicKeyHex())) {
        previous = key;
      }
      key = x.publicKeyHex();
      if (x == e) {
        break;
      }
    }
    return previous;
  }

  private static KeySpan span(String hex, long from, long until) {
    return new KeySpan(hex, Ed25519.keyId(HexFormat.of().parseHex(hex)), from, until);
  }
}
