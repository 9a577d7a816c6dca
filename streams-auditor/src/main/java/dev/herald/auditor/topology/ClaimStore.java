package dev.herald.auditor.topology;

import dev.herald.auditor.detect.EvidenceRef;
import dev.herald.auditor.detect.SignedClaim;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A task's record of the claims its nodes signed ({@link AuditorStores#CLAIMS}, RocksDB,
 * changelogged), one entry per (entity, version, node): the key is the entity id's length (4 bytes)
 * and UTF-8 bytes, the version (8 bytes, big-endian, so an entity's versions scan in numeric order)
 * and the node id; the value is the claim's {@link SignedClaim#digest}, the admitted time it was
 * recorded and where its signed batch was read (no bytes).
 *
 * <p>Cost per report: one point read; one write per <em>new</em> claim, and those of one batch go
 * to RocksDB as one write batch ({@link #flush}). Duplicates write nothing.
 *
 * <p>Bounded two ways, both judged on the partition's admitted clock, never a writer's: a claim
 * older than the retention is gone, and each node keeps at most {@code maxPerNode} claims in the
 * task, its oldest dropping first (counted in {@code herald_claims_dropped_total}). Both take
 * effect at once for lookups; the entries themselves are deleted by {@link #sweep}, a cursor over
 * the store that visits at most {@link #SWEEP_CHUNK} entries per call, so no punctuation does
 * unbounded work. To drop a node's oldest claims without a second, time-ordered index (a second
 * write per claim), the task keeps in memory, per node, how many of its claims were recorded at
 * each admitted time; it is rebuilt by one scan when the task starts.
 */
final class ClaimStore {
  /** Entries one {@link #sweep} visits at most. */
  static final int SWEEP_CHUNK = 10_000;

  private static final byte FORMAT = 1;

  private static final HexFormat HEX = HexFormat.of();

  private final KeyValueStore<Bytes, byte[]> store;
  private final AuditorMetrics metrics;
  private long retentionMs;
  private int maxPerNode;

  /**
   * Per node: admitted time → claims recorded then (live ones only), their number, and the time at
   * or before which its claims were dropped for the cap.
   */
  private final Map<String, NodeClaims> nodes = new HashMap<>();

  /** New claims of the batch being audited, written by {@link #flush}. */
  private final Map<Bytes, byte[]> pending = new LinkedHashMap<>();

  private Bytes cursor;

  /** Claims recorded since the last sweep: the next sweep visits at least twice as many. */
  private long recordedSinceSweep;

  /**
   * Drops for the cap so far, and as of the start of the sweep pass under way / of the last
   * complete one: once a whole pass began after the last drop, every dropped entry is deleted.
   */
  private long drops;

  private long passStartDrops;
  private long sweptDrops;

  /** The key {@link #get} read last from the store and what it found, for {@link #record}. */
  private Bytes lastReadKey;

  private byte[] lastRead;

  /** The coordinates {@link #encode} wrote last and their encoding (one batch's claims share). */
  private EvidenceRef lastWhere;

  private byte[] lastWhereBytes;

  /** One node's live claims in this task. */
  private static final class NodeClaims {
    /** Admitted time → claims recorded then; the newest instant is also held in {@link #last}. */
    final TreeMap<Long, int[]> byTime = new TreeMap<>();

    long count;
    long droppedUpTo = Long.MIN_VALUE;
    long lastAt = Long.MIN_VALUE;
    int[] last;
  }

  ClaimStore(
      KeyValueStore<Bytes, byte[]> store,
      AuditorMetrics metrics,
      long retentionMs,
      int maxPerNode) {
    this.store = store;
    this.metrics = metrics;
    this.retentionMs = retentionMs;
    this.maxPerNode = maxPerNode;
    try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
      while (it.hasNext()) {
        KeyValue<Bytes, byte[]> kv = it.next();
        count(nodeOf(kv.key.get()), recordedAt(kv.value), 1);
      }
    }
    List.copyOf(nodes.keySet()).forEach(this::enforceCap);
  }

  /** Takes up a reloaded policy. */
  void configure(long retentionMs, int maxPerNode) {
    this.retentionMs = retentionMs;
    if (maxPerNode != this.maxPerNode) {
      this.maxPerNode = maxPerNode;
      List.copyOf(nodes.keySet()).forEach(this::enforceCap);
    }
  }

  /** The live claim of {@code node} for the entity version, or null (none, expired or dropped). */
  SignedClaim get(String entityId, long version, String node, long now) {
    Bytes key = key(entityId, version, node);
    byte[] value = pending.get(key);
    if (value == null) {
      value = store.get(key);
      lastReadKey = key;
      lastRead = value;
    }
    if (value == null || !live(node, recordedAt(value), now)) {
      return null;
    }
    return decode(node, value);
  }

  /**
   * Records a new claim of {@code node} (none live for the version), written by the next {@link
   * #flush}; a dead entry it replaces stops counting.
   */
  void record(
      String entityId, long version, String node, byte[] digest, EvidenceRef where, long now) {
    Bytes key = key(entityId, version, node);
    byte[] old = pending.get(key);
    if (old == null) {
      // the store changes only in flush and sweep, which forget the last read: a claim judged
      // after get() (the usual order) costs one store read, not two
      old = key.equals(lastReadKey) ? lastRead : store.get(key);
    }
    lastReadKey = null;
    lastRead = null;
    if (old != null) {
      forget(node, recordedAt(old), "retention");
    }
    NodeClaims c = nodes.get(node);
    long at = Math.max(now, (c == null ? Long.MIN_VALUE : c.droppedUpTo) + 1);
    pending.put(key, encode(digest, at, where(where)));
    recordedSinceSweep++;
    count(node, at, 1);
    enforceCap(node);
  }

  /** Writes the claims recorded since the last flush, as one write batch. */
  void flush() {
    lastReadKey = null;
    lastRead = null;
    if (pending.isEmpty()) {
      return;
    }
    List<KeyValue<Bytes, byte[]>> batch = new ArrayList<>(pending.size());
    pending.forEach((k, v) -> batch.add(KeyValue.pair(k, v)));
    pending.clear();
    store.putAll(batch);
  }

  /**
   * Visits up to {@link #SWEEP_CHUNK} entries (or twice the claims recorded since the last sweep,
   * if more) and deletes the dead ones (older than the retention at {@code now}, or dropped for the
   * cap), continuing where the last sweep stopped and starting over at the end. Visits nothing
   * while no entry can be dead: no live claim is older than the retention, and a whole pass began
   * after the last drop for the cap (so the dropped entries are deleted).
   */
  void sweep(long now) {
    flush();
    if (nothingDead(now)) {
      recordedSinceSweep = 0;
      return;
    }
    List<Bytes> dead = new ArrayList<>();
    int visited = 0;
    // at least twice the claims recorded since the last sweep, so the sweep outruns the cap's
    // drops whatever the ingress rate (a fixed chunk let the store grow under heavy writers)
    long chunk = Math.max(SWEEP_CHUNK, 2 * recordedSinceSweep);
    recordedSinceSweep = 0;
    if (cursor == null) {
      passStartDrops = drops;
    }
    boolean wrapped = false;
    try (KeyValueIterator<Bytes, byte[]> it = store.range(cursor, null)) {
      while (it.hasNext() && visited < chunk) {
        KeyValue<Bytes, byte[]> kv = it.next();
        if (kv.key.equals(cursor)) {
          continue;
        }
        visited++;
        cursor = kv.key;
        String node = nodeOf(kv.key.get());
        long at = recordedAt(kv.value);
        if (!live(node, at, now)) {
          dead.add(kv.key);
          NodeClaims c = nodes.get(node);
          if (at > (c == null ? Long.MIN_VALUE : c.droppedUpTo)) {
            forget(node, at, "retention");
          }
        }
      }
      wrapped = !it.hasNext();
    }
    if (wrapped) {
      cursor = null;
      sweptDrops = passStartDrops;
    }
    dead.forEach(store::delete);
  }

  /**
   * Whether no entry of the store can be dead at {@code now}: every entry is either counted (live
   * until the retention passes it) or was dropped for the cap, and those are gone once a pass that
   * began after the drop is complete.
   */
  private boolean nothingDead(long now) {
    if (sweptDrops != drops) {
      return false;
    }
    if (now < 0 || retentionMs <= 0) {
      return true;
    }
    for (NodeClaims c : nodes.values()) {
      if (!c.byTime.isEmpty() && c.byTime.firstKey() <= now - retentionMs) {
        return false;
      }
    }
    return true;
  }

  /** Live claims of {@code node} in this task (for tests and metrics). */
  long count(String node) {
    NodeClaims c = nodes.get(node);
    return c == null ? 0 : c.count;
  }

  private boolean live(String node, long at, long now) {
    NodeClaims c = nodes.get(node);
    if (c != null && at <= c.droppedUpTo) {
      return false;
    }
    return now < 0 || retentionMs <= 0 || at > now - retentionMs;
  }

  private void count(String node, long at, int n) {
    NodeClaims c = nodes.computeIfAbsent(node, k -> new NodeClaims());
    // claims are recorded on the admitted clock, which never runs back: nearly always the newest
    // instant again
    if (c.last == null || at != c.lastAt) {
      c.last = c.byTime.computeIfAbsent(at, k -> new int[1]);
      c.lastAt = at;
    }
    c.last[0] += n;
    c.count += n;
  }

  /** One claim recorded at {@code at} stops counting (it expired or was replaced). */
  private void forget(String node, long at, String reason) {
    NodeClaims c = nodes.get(node);
    int[] n = c == null ? null : c.byTime.get(at);
    if (n == null) {
      return;
    }
    if (--n[0] <= 0) {
      c.byTime.remove(at);
      if (n == c.last) {
        c.last = null;
      }
    }
    c.count--;
    metrics.claimsDropped(reason, 1);
  }

  /** Drops the node's oldest claims (whole admitted instants) until it is within the cap. */
  private void enforceCap(String node) {
    NodeClaims c = nodes.get(node);
    if (c == null) {
      return;
    }
    int dropped = 0;
    while (c.count > maxPerNode && !c.byTime.isEmpty()) {
      Map.Entry<Long, int[]> oldest = c.byTime.pollFirstEntry();
      if (oldest.getValue() == c.last) {
        c.last = null;
      }
      c.count -= oldest.getValue()[0];
      dropped += oldest.getValue()[0];
      c.droppedUpTo = Math.max(c.droppedUpTo, oldest.getKey());
    }
    if (dropped > 0) {
      drops++;
      metrics.claimsDropped("cap", dropped);
    }
  }

  // ---- encoding -------------------------------------------------------------------------------

  static Bytes key(String entityId, long version, String node) {
    byte[] e = entityId.getBytes(StandardCharsets.UTF_8);
    byte[] n = node.getBytes(StandardCharsets.UTF_8);
    return Bytes.wrap(
        ByteBuffer.allocate(4 + e.length + 8 + n.length)
            .putInt(e.length)
            .put(e)
            .putLong(version)
            .put(n)
            .array());
  }

  static String nodeOf(byte[] key) {
    int at = 4 + ByteBuffer.wrap(key, 0, 4).getInt() + 8;
    return new String(key, at, key.length - at, StandardCharsets.UTF_8);
  }

  static byte[] encode(byte[] digest, long recordedAt, EvidenceRef where) {
    return encode(digest, recordedAt, encodeWhere(where));
  }

  /** The value: the format, the digest, the time, then {@code where} as {@link #encodeWhere}. */
  private static byte[] encode(byte[] digest, long recordedAt, byte[] where) {
    ByteBuffer b = ByteBuffer.allocate(1 + 32 + 8 + where.length);
    b.put(FORMAT).put(digest, 0, 32).putLong(recordedAt).put(where);
    return b.array();
  }

  /** The encoding of {@code where}, reused while the claims recorded come from one batch. */
  private byte[] where(EvidenceRef where) {
    if (where != lastWhere) {
      lastWhereBytes = encodeWhere(where);
      lastWhere = where;
    }
    return lastWhereBytes;
  }

  private static byte[] encodeWhere(EvidenceRef where) {
    byte[] topic = where.topic().getBytes(StandardCharsets.UTF_8);
    byte[] keyId = where.keyId().getBytes(StandardCharsets.UTF_8);
    byte[] sha = where.sha256().isEmpty() ? new byte[0] : HEX.parseHex(where.sha256());
    ByteBuffer b =
        ByteBuffer.allocate(4 + 8 + 8 + 1 + sha.length + 2 + topic.length + 2 + keyId.length);
    b.putInt(where.partition()).putLong(where.offset()).putLong(where.batchSeq());
    b.put((byte) sha.length).put(sha);
    b.putShort((short) topic.length).put(topic);
    b.putShort((short) keyId.length).put(keyId);
    return b.array();
  }

  static long recordedAt(byte[] value) {
    return ByteBuffer.wrap(value, 1 + 32, 8).getLong();
  }

  static SignedClaim decode(String node, byte[] value) {
    ByteBuffer b = ByteBuffer.wrap(value);
    b.get(); // format
    byte[] digest = new byte[32];
    b.get(digest);
    long at = b.getLong();
    int partition = b.getInt();
    long offset = b.getLong();
    long batchSeq = b.getLong();
    byte[] sha = new byte[b.get() & 0xff];
    b.get(sha);
    byte[] topic = new byte[b.getShort() & 0xffff];
    b.get(topic);
    byte[] keyId = new byte[b.getShort() & 0xffff];
    b.get(keyId);
    EvidenceRef where =
        new EvidenceRef(
            new String(topic, StandardCharsets.UTF_8),
            partition,
            offset,
            node,
            new String(keyId, StandardCharsets.UTF_8),
            batchSeq,
            null,
            true,
            sha.length == 0 ? "" : dev.herald.schema.canonical.Hashing.hex(sha));
    return new SignedClaim(digest, at, where);
  }
}
