package dev.herald.auditor.topology;

import dev.herald.auditor.detect.EvidenceRef;
import dev.herald.auditor.detect.SignedClaim;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
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
 * changelogged, behind a {@code WriteBackStore}), one entry per entity version holding every node's
 * claim for it: the key is the entity id's length (4 bytes) and UTF-8 bytes and the version (8
 * bytes, big-endian, so an entity's versions scan in numeric order); the value is, per node, the
 * node id, the claim's {@link SignedClaim#digest}, the admitted time it was recorded and where its
 * signed batch was read (no bytes).
 *
 * <p>Cost per report: one lookup and, for a new claim, one put of the version's value into the
 * write-back cache. The replicas' claims of a version arrive within moments of each other, so the
 * first finds nothing in RocksDB (its bloom filter answers) and the others find the version cached;
 * the value is written to RocksDB and the changelog once per commit, whatever number of claims it
 * gained. (Until round 7 of issue #15 every claim was an entry of its own: one store read, one
 * RocksDB put and one changelog record per report, 73 % of the auditor's changelog records.)
 *
 * <p>Bounded two ways, both judged on the partition's admitted clock, never a writer's: a claim
 * older than the retention is gone, and each node keeps at most {@code maxPerNode} claims in the
 * task, its oldest dropping first (counted in {@code herald_claims_dropped_total}). Both take
 * effect at once for lookups; the claims themselves are deleted by {@link #sweep}, a cursor over
 * the store that visits at most {@link #SWEEP_CHUNK} entries per call, so no punctuation does
 * unbounded work. To drop a node's oldest claims without a second, time-ordered index (a second
 * write per claim), the task keeps in memory, per node, how many of its claims were recorded at
 * each admitted time; it is rebuilt by one scan when the task starts.
 *
 * <p>A store written by an auditor before round 7 holds one entry per (entity, version, node)
 * (value format 1). Such entries are still read and counted; the sweep moves them into their
 * version's entry, chunk by chunk, and once a whole pass finds none, lookups stop asking for them.
 */
final class ClaimStore {
  /** Entries one {@link #sweep} visits at most. */
  static final int SWEEP_CHUNK = 10_000;

  /** Value of one node's claim (and, within a version's value, the form of each claim). */
  private static final byte FORMAT_CLAIM = 1;

  /** Value of every node's claim for one entity version. */
  private static final byte FORMAT_VERSION = 2;

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

  /**
   * Whether the store may hold entries of one claim each (format 1, written before claims were kept
   * per version); cleared by a whole sweep pass that finds none ({@link #legacyInPass}).
   */
  private boolean legacy;

  private boolean legacyInPass;

  /** The version key read or written last and its value (null: none), for {@link #record}. */
  private Bytes lastKey;

  private byte[] lastValue;

  /** The coordinates {@link #encode} wrote last and their encoding (one batch's claims share). */
  private EvidenceRef lastWhere;

  private byte[] lastWhereBytes;

  /** One node's live claims in this task. */
  private static final class NodeClaims {
    /** Claims recorded per admitted instant, oldest first. */
    final ClaimInstants byTime = new ClaimInstants();

    long count;
    long droppedUpTo = Long.MIN_VALUE;
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
    // the scan reads in key order, not time order: counted in trees first, then appended in order
    Map<String, TreeMap<Long, int[]>> found = new HashMap<>();
    try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
      while (it.hasNext()) {
        KeyValue<Bytes, byte[]> kv = it.next();
        if (kv.value[0] == FORMAT_CLAIM) {
          legacy = true;
          tally(found, nodeOf(kv.key.get()), recordedAt(kv.value, 0));
        } else {
          for (Claims c = new Claims(kv.value); c.next(); ) {
            tally(found, c.node(), c.recordedAt());
          }
        }
      }
    }
    found.forEach((node, byTime) -> byTime.forEach((at, n) -> count(node, at, n[0])));
    List.copyOf(nodes.keySet()).forEach(this::enforceCap);
  }

  private static void tally(Map<String, TreeMap<Long, int[]>> found, String node, long at) {
    found.computeIfAbsent(node, k -> new TreeMap<>()).computeIfAbsent(at, k -> new int[1])[0]++;
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
    byte[] value = read(key(entityId, version));
    byte[] claim = value == null ? null : claimOf(value, utf8(node));
    if (claim == null && legacy) {
      claim = store.get(key(entityId, version, node));
    }
    if (claim == null || !live(node, recordedAt(claim, 0), now)) {
      return null;
    }
    return decode(node, claim);
  }

  /**
   * Records a new claim of {@code node} (none live for the version) in its version's entry; a dead
   * claim it replaces stops counting.
   */
  void record(
      String entityId, long version, String node, byte[] digest, EvidenceRef where, long now) {
    Bytes key = key(entityId, version);
    byte[] old = read(key);
    byte[] n = utf8(node);
    byte[] replaced = old == null ? null : claimOf(old, n);
    if (replaced != null) {
      forget(node, recordedAt(replaced, 0), "retention");
    }
    if (legacy) {
      Bytes one = key(entityId, version, node);
      byte[] earlier = store.get(one);
      if (earlier != null) {
        forget(node, recordedAt(earlier, 0), "retention");
        store.delete(one);
      }
    }
    NodeClaims c = nodes.get(node);
    long at = Math.max(now, (c == null ? Long.MIN_VALUE : c.droppedUpTo) + 1);
    byte[] value = with(old, n, encode(digest, at, where(where)));
    store.put(key, value);
    lastKey = key;
    lastValue = value;
    recordedSinceSweep++;
    count(node, at, 1);
    enforceCap(node);
  }

  /** The value of {@code key}: the one read or written last, or the store's. */
  private byte[] read(Bytes key) {
    if (!key.equals(lastKey)) {
      lastValue = store.get(key);
      lastKey = key;
    }
    return lastValue;
  }

  /**
   * Visits up to {@link #SWEEP_CHUNK} entries (or twice the claims recorded since the last sweep,
   * if more) and deletes the dead claims (older than the retention at {@code now}, or dropped for
   * the cap), continuing where the last sweep stopped and starting over at the end; moves the
   * one-claim entries of an older auditor it meets into their versions' entries. Visits nothing
   * while no claim can be dead and no such entry is left: no live claim is older than the
   * retention, and a whole pass began after the last drop for the cap (so the dropped claims are
   * deleted).
   */
  void sweep(long now) {
    lastKey = null;
    lastValue = null;
    if (!legacy && nothingDead(now)) {
      recordedSinceSweep = 0;
      return;
    }
    // key -> its new value, null to delete; applied after the scan
    Map<Bytes, byte[]> changes = new LinkedHashMap<>();
    int visited = 0;
    // at least twice the claims recorded since the last sweep, so the sweep outruns the cap's
    // drops whatever the ingress rate (a fixed chunk let the store grow under heavy writers)
    long chunk = Math.max(SWEEP_CHUNK, 2 * recordedSinceSweep);
    recordedSinceSweep = 0;
    if (cursor == null) {
      passStartDrops = drops;
      legacyInPass = false;
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
        if (kv.value[0] == FORMAT_CLAIM) {
          legacyInPass = true;
          changes.put(kv.key, null);
          String node = nodeOf(kv.key.get());
          if (alive(node, kv.value, 0, now)) {
            Bytes version = versionOf(kv.key);
            byte[] v = changes.containsKey(version) ? changes.get(version) : store.get(version);
            byte[] n = utf8(node);
            // a newer claim of the node for the version replaced this one (record deletes the
            // entry it replaces, so this is only a safeguard)
            if (v == null || claimOf(v, n) == null) {
              changes.put(version, with(v, n, kv.value));
            } else {
              forget(node, recordedAt(kv.value, 0), "retention");
            }
          }
          continue;
        }
        byte[] kept = kv.value;
        for (Claims c = new Claims(kv.value); c.next(); ) {
          if (!alive(c.node(), kv.value, c.claimAt(), now)) {
            kept = without(kept, utf8(c.node()));
          }
        }
        if (kept != kv.value) {
          changes.put(kv.key, kept.length > 1 ? kept : null);
        }
      }
      wrapped = !it.hasNext();
    }
    if (wrapped) {
      cursor = null;
      sweptDrops = passStartDrops;
      legacy = legacyInPass;
    }
    changes.forEach(
        (k, v) -> {
          if (v == null) {
            store.delete(k);
          } else {
            store.put(k, v);
          }
        });
  }

  /**
   * Whether the claim at {@code off} of {@code value} is live at {@code now}; a dead one recorded
   * after the node's last drop for the cap (so still counted) stops counting.
   */
  private boolean alive(String node, byte[] value, int off, long now) {
    long at = recordedAt(value, off);
    if (live(node, at, now)) {
      return true;
    }
    NodeClaims c = nodes.get(node);
    if (at > (c == null ? Long.MIN_VALUE : c.droppedUpTo)) {
      forget(node, at, "retention");
    }
    return false;
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
      if (!c.byTime.isEmpty() && c.byTime.first() <= now - retentionMs) {
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
    // instant again, else a newer one
    c.byTime.add(at, n);
    c.count += n;
  }

  /** One claim recorded at {@code at} stops counting (it expired or was replaced). */
  private void forget(String node, long at, String reason) {
    NodeClaims c = nodes.get(node);
    if (c == null || !c.byTime.removeOne(at)) {
      return;
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
      long oldest = c.byTime.first();
      int n = c.byTime.dropFirst();
      c.count -= n;
      dropped += n;
      c.droppedUpTo = Math.max(c.droppedUpTo, oldest);
    }
    if (dropped > 0) {
      drops++;
      metrics.claimsDropped("cap", dropped);
    }
  }

  // ---- a version's value ----------------------------------------------------------------------
  //
  // FORMAT_VERSION, then per node: the node id's length (4 bytes) and UTF-8 bytes, the claim's
  // length (4 bytes) and the claim as encode() writes it (FORMAT_CLAIM, digest, time, where).

  /** A cursor over the claims of a version's value. */
  private static final class Claims {
    private final byte[] value;
    private int next = 1;
    private int nodeAt;
    private int nodeLength;
    private int claimAt;

    Claims(byte[] value) {
      this.value = value;
    }

    boolean next() {
      if (next >= value.length) {
        return false;
      }
      nodeLength = u32(value, next);
      nodeAt = next + 4;
      int claimLength = u32(value, nodeAt + nodeLength);
      claimAt = nodeAt + nodeLength + 4;
      next = claimAt + claimLength;
      return true;
    }

    String node() {
      return new String(value, nodeAt, nodeLength, StandardCharsets.UTF_8);
    }

    boolean is(byte[] node) {
      return Arrays.equals(value, nodeAt, nodeAt + nodeLength, node, 0, node.length);
    }

    int claimAt() {
      return claimAt;
    }

    long recordedAt() {
      return ClaimStore.recordedAt(value, claimAt);
    }

    byte[] claim() {
      return Arrays.copyOfRange(value, claimAt, next);
    }
  }

  /** The claim of {@code node} in a version's value, or null. */
  private static byte[] claimOf(byte[] value, byte[] node) {
    for (Claims c = new Claims(value); c.next(); ) {
      if (c.is(node)) {
        return c.claim();
      }
    }
    return null;
  }

  /** A version's value without the claim of {@code node} (the same array if it has none). */
  private static byte[] without(byte[] value, byte[] node) {
    for (Claims c = new Claims(value); c.next(); ) {
      if (c.is(node)) {
        int from = c.nodeAt - 4;
        byte[] out = new byte[value.length - (c.next - from)];
        System.arraycopy(value, 0, out, 0, from);
        System.arraycopy(value, c.next, out, from, value.length - c.next);
        return out;
      }
    }
    return value;
  }

  /** A version's value (null: none yet) with {@code claim} as the claim of {@code node}. */
  private static byte[] with(byte[] value, byte[] node, byte[] claim) {
    byte[] base = value == null ? new byte[] {FORMAT_VERSION} : without(value, node);
    ByteBuffer b = ByteBuffer.allocate(base.length + 4 + node.length + 4 + claim.length);
    b.put(base).putInt(node.length).put(node).putInt(claim.length).put(claim);
    return b.array();
  }

  private static int u32(byte[] b, int at) {
    return ByteBuffer.wrap(b, at, 4).getInt();
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  // ---- encoding -------------------------------------------------------------------------------

  /** The key of an entity version's claims. */
  static Bytes key(String entityId, long version) {
    byte[] e = entityId.getBytes(StandardCharsets.UTF_8);
    return Bytes.wrap(
        ByteBuffer.allocate(4 + e.length + 8).putInt(e.length).put(e).putLong(version).array());
  }

  /** The key of the version's entry of {@code key}, an entry of one claim (format 1). */
  static Bytes versionOf(Bytes key) {
    byte[] k = key.get();
    return Bytes.wrap(Arrays.copyOf(k, 4 + ByteBuffer.wrap(k, 0, 4).getInt() + 8));
  }

  /** The key of one node's claim in a store written before round 7 (format 1). */
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
    b.put(FORMAT_CLAIM).put(digest, 0, 32).putLong(recordedAt).put(where);
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

  /** The recorded time of the claim at {@code off} of {@code value}. */
  static long recordedAt(byte[] value, int off) {
    return ByteBuffer.wrap(value, off + 1 + 32, 8).getLong();
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
