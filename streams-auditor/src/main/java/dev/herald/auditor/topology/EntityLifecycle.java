package dev.herald.auditor.topology;

import dev.herald.auditor.detect.EntityState;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A task's bounds on entity state, over {@link AuditorStores#ENTITY_LIFECYCLE}: when each entity
 * was last written (admitted report time), which node opened its open versions (for the per-node
 * entity quota), and the residue of evicted entities. Keys, all fixed-width big-endian where they
 * are ordered by time:
 *
 * <ul>
 *   <li>{@code L entityId} → last write time (8 bytes) + the node that opened its open versions
 *       (UTF-8, absent when quiescent);
 *   <li>{@code T time entityId} → an index entry: the entity is due for a look at {@code time} +
 *       TTL. One per entity: a write only updates {@code L}; the walker moves an entry whose {@code
 *       L} is later (at most once per TTL per entity), so a hot entity costs no index churn;
 *   <li>{@code R entityId} → residue of an evicted entity: highest closed version, forgotten-below,
 *       eviction time (24 bytes); {@code X time entityId} orders residues by eviction time;
 *   <li>{@code Q nodeId} → entities with an open version the node opened (4 bytes);
 *   <li>{@code C} → entities indexed in this task (8 bytes), for the {@code herald_entities} gauge.
 * </ul>
 *
 * <p>{@link #evictDue} walks at most {@code limit} index entries per call, from the oldest: never a
 * scan of the entity store. It opens no iterator while nothing can be due: the task keeps in memory
 * the time of the oldest index entry of each kind (unknown after construction, so a restored or
 * rewound store is walked once).
 *
 * <p>The store is meant to sit behind a {@link dev.herald.auditor.store.WriteBackStore} (as {@link
 * AuditorTopology} builds it): the last-write entry that every batch touching an entity rewrites
 * then reaches RocksDB and the changelog once per commit, not once per batch. The walk's range
 * reads write the cached changes through first, which is why it skips them while nothing is due.
 */
final class EntityLifecycle {
  private static final byte LAST = 'L';
  private static final byte TOUCH = 'T';
  private static final byte RESIDUE = 'R';
  private static final byte RESIDUE_EXPIRY = 'X';
  private static final byte QUOTA = 'Q';
  private static final Bytes COUNT = Bytes.wrap(new byte[] {'C'});

  /** What an evicted entity leaves behind: enough to refuse re-judging what it closed. */
  record Residue(long highestClosed, long forgottenBelow, long evictedAt) {}

  /** What one {@link #evictDue} call did. */
  record Swept(int evicted, int residuesExpired) {}

  /** The oldest index entry's time is not known: the next walk looks. */
  private static final long UNKNOWN = Long.MIN_VALUE;

  /** No index entry of the kind. */
  private static final long NONE = Long.MAX_VALUE;

  private final KeyValueStore<Bytes, byte[]> store;
  private long count;

  /** Lower bounds of the oldest {@code T} and {@code X} entries' times (or UNKNOWN / NONE). */
  private long oldestTouch = UNKNOWN;

  private long oldestResidueExpiry = UNKNOWN;

  EntityLifecycle(KeyValueStore<Bytes, byte[]> store) {
    this.store = store;
    byte[] c = store.get(COUNT);
    count = c == null ? 0 : ByteBuffer.wrap(c).getLong();
  }

  /** Entities indexed in this task (written by this version and not evicted). */
  long entityCount() {
    return count;
  }

  /**
   * Records a write of the entity at {@code now}. {@code writer} (the reporting node, or null for a
   * close by deadline) becomes the entity's opener when it has open versions and none was recorded;
   * when the entity is quiescent again, its opener's quota is released.
   */
  void written(String entityId, EntityState state, long now, String writer) {
    Bytes lastKey = key(LAST, entityId);
    byte[] old = store.get(lastKey);
    String opener = old == null ? null : openerOf(old);
    long at = Math.max(0, now);
    if (old == null) {
      putTouch(at, entityId);
      setCount(count + 1);
    } else {
      at = Math.max(at, ByteBuffer.wrap(old, 0, 8).getLong());
    }
    if (opener == null && writer != null && !state.quiescent()) {
      opener = writer;
      addOpen(opener, 1);
    } else if (opener != null && state.quiescent()) {
      addOpen(opener, -1);
      opener = null;
    } else if (opener != null && !reportsIn(state, opener)) {
      // the opener has no report in any open version any more: whoever keeps the entity open
      // carries it (else a member running ahead alone would pin an honest opener's quota)
      String carrier = writer != null && reportsIn(state, writer) ? writer : firstReporter(state);
      if (carrier != null && !carrier.equals(opener)) {
        addOpen(opener, -1);
        opener = carrier;
        addOpen(opener, 1);
      }
    }
    store.put(lastKey, last(at, opener));
  }

  private static boolean reportsIn(EntityState state, String node) {
    for (EntityState.VersionSlot slot : state.openVersions().values()) {
      if (slot.reports().containsKey(node)) {
        return true;
      }
    }
    return false;
  }

  /** The first node (by id) reporting the lowest open version, or null. */
  private static String firstReporter(EntityState state) {
    for (EntityState.VersionSlot slot : state.openVersions().values()) {
      if (!slot.reports().isEmpty()) {
        return slot.reports().firstKey();
      }
    }
    return null;
  }

  /**
   * Whether {@code nodeId} may open one more entity, having opened {@code pending} in the batch at
   * hand (not yet written), under a quota of {@code max}.
   */
  boolean mayOpen(String nodeId, int pending, int max) {
    return open(nodeId) + pending < max;
  }

  /** Entities with an open version {@code nodeId} opened. */
  int open(String nodeId) {
    byte[] q = store.get(key(QUOTA, nodeId));
    return q == null ? 0 : ByteBuffer.wrap(q).getInt();
  }

  /**
   * Gives a new entity state what its evicted predecessor closed: versions up to its highest closed
   * one are then too late ({@code forgottenBelow}). Returns whether there was a residue.
   */
  boolean revive(String entityId, EntityState fresh) {
    byte[] r = store.get(key(RESIDUE, entityId));
    if (r == null) {
      return false;
    }
    Residue residue = residue(r);
    fresh.inheritHorizon(
        residue.highestClosed(), Math.max(residue.forgottenBelow(), residue.highestClosed() + 1));
    return true;
  }

  /** The residue of an evicted entity, or null. */
  Residue residueOf(String entityId) {
    byte[] r = store.get(key(RESIDUE, entityId));
    return r == null ? null : residue(r);
  }

  /**
   * Evicts the entities quiescent and unwritten for {@code ttlMs} by {@code now} and drops residues
   * older than {@code residueTtlMs}, looking at no more than {@code limit} index entries of each
   * kind. An entity with an open version is looked at again one TTL later.
   */
  Swept evictDue(
      long now,
      long ttlMs,
      long residueTtlMs,
      int limit,
      KeyValueStore<String, EntityState> entities) {
    if (now < 0) {
      return new Swept(0, 0);
    }
    int evicted = 0;
    long before = count;
    List<Due> dueTouches = List.of();
    if (mayBeDue(oldestTouch, now - ttlMs)) {
      Walk walk = due(TOUCH, now - ttlMs, limit);
      dueTouches = walk.due();
      oldestTouch = walk.oldestLeft();
    }
    for (Due d : dueTouches) {
      store.delete(d.key());
      Bytes lastKey = key(LAST, d.entityId());
      byte[] last = store.get(lastKey);
      if (last == null) {
        continue; // an entry left by an eviction this index no longer knows: nothing to do
      }
      long lastAt = ByteBuffer.wrap(last, 0, 8).getLong();
      EntityState state = entities.get(d.entityId());
      if (state == null) {
        store.delete(lastKey);
        count--;
        continue;
      }
      if (!state.quiescent() || lastAt > now - ttlMs) {
        // still open, or written since: look again one TTL after its last write (or after now)
        long again = state.quiescent() ? lastAt : Math.max(lastAt, now);
        putTouch(again, d.entityId());
        continue;
      }
      putResidue(d.entityId(), state, now);
      entities.delete(d.entityId());
      store.delete(lastKey);
      count--;
      evicted++;
    }
    if (count != before) {
      setCount(count);
    }
    int expired = 0;
    List<Due> dueResidues = List.of();
    if (mayBeDue(oldestResidueExpiry, now - residueTtlMs)) {
      Walk walk = due(RESIDUE_EXPIRY, now - residueTtlMs, limit);
      dueResidues = walk.due();
      oldestResidueExpiry = walk.oldestLeft();
    }
    for (Due d : dueResidues) {
      store.delete(d.key());
      Bytes residueKey = key(RESIDUE, d.entityId());
      byte[] r = store.get(residueKey);
      if (r != null && residue(r).evictedAt() == d.time()) {
        store.delete(residueKey);
        expired++;
      }
    }
    return new Swept(evicted, expired);
  }

  private void putResidue(String entityId, EntityState state, long now) {
    long at = Math.max(0, now);
    store.put(
        key(RESIDUE, entityId),
        ByteBuffer.allocate(24)
            .putLong(state.highestClosed())
            .putLong(state.forgottenBelow())
            .putLong(at)
            .array());
    store.put(timed(RESIDUE_EXPIRY, at, entityId), new byte[0]);
    oldestResidueExpiry = earlier(oldestResidueExpiry, at);
  }

  private void putTouch(long time, String entityId) {
    store.put(timed(TOUCH, time, entityId), new byte[0]);
    oldestTouch = earlier(oldestTouch, Math.max(0, time));
  }

  /** The bound {@code oldest} lowered to {@code time} (an unknown bound stays unknown). */
  private static long earlier(long oldest, long time) {
    return oldest == UNKNOWN ? UNKNOWN : Math.min(oldest, time);
  }

  /** Whether an index entry may be at or before {@code upTo}, given the oldest one's bound. */
  private static boolean mayBeDue(long oldest, long upTo) {
    return upTo >= 0 && (oldest == UNKNOWN || oldest <= upTo);
  }

  private record Due(Bytes key, long time, String entityId) {}

  /**
   * A walk's due entries and the time of the oldest entry it left in the index: NONE if it reached
   * the end, UNKNOWN if it stopped at its limit.
   */
  private record Walk(List<Due> due, long oldestLeft) {}

  /** Up to {@code limit} index entries of {@code type} at or before {@code upTo}, oldest first. */
  private Walk due(byte type, long upTo, int limit) {
    List<Due> out = new ArrayList<>();
    long left = NONE;
    try (KeyValueIterator<Bytes, byte[]> it =
        store.range(timed(type, 0, ""), timed(type, Long.MAX_VALUE, ""))) {
      while (it.hasNext()) {
        byte[] k = it.next().key.get();
        long at = ByteBuffer.wrap(k, 1, 8).getLong();
        if (at > upTo) {
          left = at;
          break;
        }
        if (out.size() >= limit) {
          left = UNKNOWN;
          break;
        }
        out.add(new Due(Bytes.wrap(k), at, new String(k, 9, k.length - 9, StandardCharsets.UTF_8)));
      }
    }
    return new Walk(out, left);
  }

  private void addOpen(String nodeId, int delta) {
    Bytes k = key(QUOTA, nodeId);
    int n = Math.max(0, open(nodeId) + delta);
    if (n == 0) {
      store.delete(k);
    } else {
      store.put(k, ByteBuffer.allocate(4).putInt(n).array());
    }
  }

  private void setCount(long n) {
    count = Math.max(0, n);
    store.put(COUNT, ByteBuffer.allocate(8).putLong(count).array());
  }

  private static Residue residue(byte[] r) {
    ByteBuffer b = ByteBuffer.wrap(r);
    return new Residue(b.getLong(), b.getLong(), b.getLong());
  }

  private static String openerOf(byte[] last) {
    return last.length <= 8
        ? null
        : new String(Arrays.copyOfRange(last, 8, last.length), StandardCharsets.UTF_8);
  }

  private static byte[] last(long at, String opener) {
    byte[] o = opener == null ? new byte[0] : opener.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(8 + o.length).putLong(at).put(o).array();
  }

  static Bytes key(byte type, String id) {
    byte[] e = id.getBytes(StandardCharsets.UTF_8);
    return Bytes.wrap(ByteBuffer.allocate(1 + e.length).put(type).put(e).array());
  }

  static Bytes timed(byte type, long time, String id) {
    byte[] e = id.getBytes(StandardCharsets.UTF_8);
    return Bytes.wrap(
        ByteBuffer.allocate(1 + 8 + e.length).put(type).putLong(Math.max(0, time)).put(e).array());
  }
}
