package dev.herald.auditor.topology;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A task's time-ordered index over {@link AuditorStores#DEADLINES}: the grace deadlines of open
 * versions and the expiry times of kept evidence, each a key {@code [type][time][payload]} with
 * fixed-width big-endian numbers, so a range scan returns entries in time order and — for versions
 * with one deadline — in numeric version order ("9" before "10", never the string order). The
 * earliest pending time of each type is kept in memory (unknown after {@link #forget}), so a record
 * that finds nothing due costs no range scan.
 */
final class DeadlineIndex {
  static final byte DEADLINE = 0;
  static final byte EVIDENCE_EXPIRY = 1;

  /** One open version whose grace deadline passed. */
  record DueVersion(Bytes key, String entityId, long version) {}

  private final KeyValueStore<Bytes, byte[]> store;
  private long nextDeadline = Long.MIN_VALUE;
  private long nextExpiry = Long.MIN_VALUE;

  DeadlineIndex(KeyValueStore<Bytes, byte[]> store) {
    this.store = store;
  }

  /** Forgets the in-memory earliest times (after a restore or rewind of the store). */
  void forget() {
    nextDeadline = Long.MIN_VALUE;
    nextExpiry = Long.MIN_VALUE;
  }

  void addDeadline(long deadline, String entityId, long version) {
    store.put(deadlineKey(deadline, entityId, version), new byte[0]);
    nextDeadline = Math.min(nextDeadline, Math.max(0, deadline));
  }

  void addExpiry(long expiry, String evidenceKey) {
    store.put(
        key(EVIDENCE_EXPIRY, expiry, evidenceKey.getBytes(StandardCharsets.UTF_8)), new byte[0]);
    nextExpiry = Math.min(nextExpiry, Math.max(0, expiry));
  }

  /** Whether a version deadline may be due by {@code now}. */
  boolean deadlinesDue(long now) {
    return now >= nextDeadline;
  }

  /** Whether an evidence expiry may be due by {@code now}. */
  boolean expiriesDue(long now) {
    return now >= nextExpiry;
  }

  /** Removes and returns the versions due by {@code now}, in deadline then version order. */
  void takeDueVersions(long now, List<DueVersion> out) {
    List<Bytes> keys = new java.util.ArrayList<>();
    nextDeadline = dueBy(DEADLINE, now, keys);
    for (Bytes k : keys) {
      store.delete(k);
      byte[] b = k.get();
      long version = ByteBuffer.wrap(b, 9, 8).getLong();
      String entityId = new String(b, 17, b.length - 17, StandardCharsets.UTF_8);
      out.add(new DueVersion(k, entityId, version));
    }
  }

  /** Removes and returns the evidence keys whose retention ended by {@code now}. */
  void takeExpired(long now, List<String> out) {
    List<Bytes> keys = new java.util.ArrayList<>();
    nextExpiry = dueBy(EVIDENCE_EXPIRY, now, keys);
    for (Bytes k : keys) {
      store.delete(k);
      byte[] b = k.get();
      out.add(new String(b, 9, b.length - 9, StandardCharsets.UTF_8));
    }
  }

  /** Collects keys of {@code type} due by {@code now}; returns the next later time or MAX. */
  private long dueBy(byte type, long now, List<Bytes> due) {
    try (KeyValueIterator<Bytes, byte[]> it =
        store.range(key(type, 0, new byte[0]), key(type, Long.MAX_VALUE, new byte[0]))) {
      while (it.hasNext()) {
        Bytes key = it.next().key;
        long at = ByteBuffer.wrap(key.get(), 1, 8).getLong();
        if (at > now) {
          return at;
        }
        due.add(key);
      }
    }
    return Long.MAX_VALUE;
  }

  /** The key of a version deadline: type, deadline, version (both big-endian), entity id. */
  static Bytes deadlineKey(long deadline, String entityId, long version) {
    byte[] e = entityId.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(1 + 8 + 8 + e.length);
    b.put(DEADLINE).putLong(Math.max(0, deadline)).putLong(version).put(e);
    return Bytes.wrap(b.array());
  }

  private static Bytes key(byte type, long time, byte[] payload) {
    ByteBuffer b = ByteBuffer.allocate(1 + 8 + payload.length);
    b.put(type).putLong(Math.max(0, time)).put(payload);
    return Bytes.wrap(b.array());
  }
}
