package dev.herald.auditor.topology;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A task's time-ordered index over {@link AuditorStores#DEADLINES}: the grace deadlines of open
 * versions, each a key {@code [type][time][payload]} with fixed-width big-endian numbers, so a
 * range scan returns entries in time order and — for versions with one deadline — in numeric
 * version order ("9" before "10", never the string order). The earliest pending deadline is kept in
 * memory (unknown at first), so a record that finds nothing due costs no range scan. Entries of
 * type {@link #EVIDENCE_EXPIRY} were written by earlier versions (evidence expiry now lives in
 * memory, {@link EvidenceStore}); {@link #dropEvidenceExpiries} removes what a store restored from
 * then still holds.
 */
final class DeadlineIndex {
  static final byte DEADLINE = 0;
  static final byte EVIDENCE_EXPIRY = 1;

  /** One open version whose grace deadline passed. */
  record DueVersion(Bytes key, String entityId, long version) {}

  private final KeyValueStore<Bytes, byte[]> store;
  private long nextDeadline = Long.MIN_VALUE;

  /**
   * Every deadline key below this time has been taken (deleted): a scan starts here, not at 0, so
   * it never walks over the tombstones of the deadlines taken before (RocksDB keeps them until a
   * compaction, and a queue's scans from its start slow down with every one). 0 until the first
   * scan of this view, since a restored store may hold anything.
   */
  private long scannedBelow = 0;

  DeadlineIndex(KeyValueStore<Bytes, byte[]> store) {
    this.store = store;
  }

  /** Forgets the in-memory earliest times (after a restore or rewind of the store). */
  void forget() {
    nextDeadline = Long.MIN_VALUE;
    scannedBelow = 0;
  }

  void addDeadline(long deadline, String entityId, long version) {
    store.put(deadlineKey(deadline, entityId, version), new byte[0]);
    long at = Math.max(0, deadline);
    nextDeadline = Math.min(nextDeadline, at);
    scannedBelow = Math.min(scannedBelow, at);
  }

  /**
   * Removes the deadline of a version closed before it (by its last replica's report), so it is not
   * taken, looked up and skipped when it comes due; {@code deadline} is the one {@link
   * #addDeadline} was given. A deadline not there (added under another grace) is left to come due.
   * Through the store's buffer ({@code BufferedRangeStore}) a deadline added and removed between
   * two commits is never written.
   */
  void removeDeadline(long deadline, String entityId, long version) {
    store.delete(deadlineKey(deadline, entityId, version));
  }

  /** Whether a version deadline may be due by {@code now}. */
  boolean deadlinesDue(long now) {
    return now >= nextDeadline;
  }

  /** Removes and returns the versions due by {@code now}, in deadline then version order. */
  void takeDueVersions(long now, List<DueVersion> out) {
    List<Bytes> keys = new ArrayList<>();
    nextDeadline = dueBy(DEADLINE, scannedBelow, now, keys);
    // every deadline up to now is taken; a later one added below now lowers this again
    scannedBelow = Math.max(scannedBelow, now == Long.MAX_VALUE ? now : now + 1);
    for (Bytes k : keys) {
      store.delete(k);
      byte[] b = k.get();
      long version = ByteBuffer.wrap(b, 9, 8).getLong();
      String entityId = new String(b, 17, b.length - 17, StandardCharsets.UTF_8);
      out.add(new DueVersion(k, entityId, version));
    }
  }

  /** Removes the evidence expiries an earlier version wrote (see the class comment). */
  void dropEvidenceExpiries() {
    List<Bytes> keys = new ArrayList<>();
    dueBy(EVIDENCE_EXPIRY, 0, Long.MAX_VALUE, keys);
    keys.forEach(store::delete);
  }

  /**
   * Collects keys of {@code type} from {@code from} due by {@code now}; returns the next later time
   * or MAX.
   */
  private long dueBy(byte type, long from, long now, List<Bytes> due) {
    try (KeyValueIterator<Bytes, byte[]> it =
        store.range(key(type, from, new byte[0]), key(type, Long.MAX_VALUE, new byte[0]))) {
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
