package dev.herald.auditor.store;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.TreeMap;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.internals.WrappedStateStore;

/**
 * A sorted buffer of changes in front of a store of short-lived keys read in key order: the grace
 * deadlines of open versions, most of which are added when a version opens and removed moments
 * later, when its last replica's report closes it. Puts and deletes are kept here until the commit
 * and written below — to RocksDB and the changelog — when Kafka Streams flushes the task's caches
 * before it commits (with the thread's {@link WriteBackStore}s, {@link ThreadWriteBack}). A key put
 * and deleted between two commits that the store below never held is never written at all: no
 * RocksDB put, no tombstone, no changelog records. Without the buffer each such deadline cost two
 * RocksDB writes and two changelog records (about 0.4 of the auditor's 0.9 changelog records per
 * report, docs/benchmarks.md "Round 14").
 *
 * <p>{@link #get} and {@link #range} on the writing thread see the buffer over the store below
 * (merged in key order, the buffer's change winning); the other reads write the buffer through
 * first. Other threads (interactive queries) read the store below, at most one commit behind. The
 * exactly-once guarantee is untouched: everything a commit covers is written before it, and a task
 * closed dirty drops the buffer with the rest of its uncommitted state.
 *
 * <p>The buffer holds at most the changes of one commit interval of one task (for the deadlines:
 * one per version opened since the last commit, which the nodes' rate budgets and in-flight caps
 * bound), and is empty after every commit.
 */
public final class BufferedRangeStore
    extends WrappedStateStore<KeyValueStore<Bytes, byte[]>, Bytes, byte[]>
    implements KeyValueStore<Bytes, byte[]>, ThreadWriteBack.Pending {

  /** Changes not yet written below: a value, or null for a delete of a key the store holds. */
  private final TreeMap<Bytes, byte[]> buffer = new TreeMap<>();

  private final KeyValueStore<Bytes, byte[]> inner;
  private volatile Thread writer;

  BufferedRangeStore(KeyValueStore<Bytes, byte[]> inner) {
    super(inner);
    this.inner = inner;
  }

  /** A builder of {@code builder}'s store with a buffer of changes in front of it. */
  public static StoreBuilder<KeyValueStore<Bytes, byte[]>> builder(
      StoreBuilder<KeyValueStore<Bytes, byte[]>> builder) {
    return new ThreadWriteBack.Builder<>(builder, BufferedRangeStore::new);
  }

  private boolean writing() {
    return Thread.currentThread() == writer;
  }

  @Override
  public void init(StateStoreContext context, StateStore root) {
    buffer.clear();
    writer = null;
    super.init(context, root);
  }

  @Override
  public byte[] get(Bytes key) {
    if (writing() && buffer.containsKey(key)) {
      return buffer.get(key);
    }
    return inner.get(key);
  }

  @Override
  public void put(Bytes key, byte[] value) {
    if (value == null) {
      delete(key);
      return;
    }
    writer = Thread.currentThread();
    buffer.put(key, value);
    ThreadWriteBack.changed(this);
  }

  @Override
  public byte[] putIfAbsent(Bytes key, byte[] value) {
    byte[] old = get(key);
    if (old == null) {
      put(key, value);
    }
    return old;
  }

  @Override
  public void putAll(List<KeyValue<Bytes, byte[]>> entries) {
    entries.forEach(e -> put(e.key, e.value));
  }

  @Override
  public byte[] delete(Bytes key) {
    writer = Thread.currentThread();
    if (buffer.containsKey(key)) {
      byte[] old = buffer.get(key);
      if (old == null) {
        return null; // already deleted
      }
      if (inner.get(key) == null) {
        buffer.remove(key); // put since the last commit, never written: nothing to undo below
      } else {
        buffer.put(key, null);
      }
      return old;
    }
    byte[] old = inner.get(key);
    if (old != null) {
      buffer.put(key, null);
      ThreadWriteBack.changed(this);
    }
    return old;
  }

  /** Writes every buffered change to the store below. */
  @Override
  public void writeBack() {
    if (!writing() || buffer.isEmpty()) {
      return;
    }
    for (Map.Entry<Bytes, byte[]> e : buffer.entrySet()) {
      if (e.getValue() == null) {
        inner.delete(e.getKey());
      } else {
        inner.put(e.getKey(), e.getValue());
      }
    }
    buffer.clear();
  }

  @Override
  public void flushCache() {
    ThreadWriteBack.beforeCommit(writer, name());
    super.flushCache();
  }

  @Override
  public void flush() {
    writeBack();
    super.flush();
  }

  @Override
  public void close() {
    // a clean close was preceded by a commit (flushCache); after a dirty one the changes are
    // uncommitted and must go
    buffer.clear();
    if (writing()) {
      ThreadWriteBack.forget(this);
    }
    super.close();
  }

  @Override
  public void clearCache() {
    buffer.clear();
    super.clearCache();
  }

  @Override
  public KeyValueIterator<Bytes, byte[]> range(Bytes from, Bytes to) {
    if (!writing() || buffer.isEmpty()) {
      return inner.range(from, to);
    }
    if (from != null && to != null && from.compareTo(to) > 0) {
      return inner.range(from, to); // the store below's answer to an inverted range
    }
    Map<Bytes, byte[]> changes =
        from == null
            ? (to == null ? buffer : buffer.headMap(to, true))
            : (to == null ? buffer.tailMap(from, true) : buffer.subMap(from, true, to, true));
    // copied: the caller may change the store while it iterates
    return new Merged(inner.range(from, to), new ArrayList<>(changes.entrySet()).iterator());
  }

  @Override
  public KeyValueIterator<Bytes, byte[]> reverseRange(Bytes from, Bytes to) {
    writeBack();
    return inner.reverseRange(from, to);
  }

  @Override
  public KeyValueIterator<Bytes, byte[]> all() {
    return range(null, null);
  }

  @Override
  public KeyValueIterator<Bytes, byte[]> reverseAll() {
    writeBack();
    return inner.reverseAll();
  }

  @Override
  public <PS extends org.apache.kafka.common.serialization.Serializer<P>, P>
      KeyValueIterator<Bytes, byte[]> prefixScan(P prefix, PS prefixKeySerializer) {
    writeBack();
    return inner.prefixScan(prefix, prefixKeySerializer);
  }

  @Override
  public long approximateNumEntries() {
    writeBack();
    return inner.approximateNumEntries();
  }

  @Override
  public <R> QueryResult<R> query(Query<R> query, PositionBound bound, QueryConfig config) {
    writeBack();
    return super.query(query, bound, config);
  }

  /** The store below's entries merged with the buffer's changes, in key order. */
  private static final class Merged implements KeyValueIterator<Bytes, byte[]> {
    private final KeyValueIterator<Bytes, byte[]> below;
    private final Iterator<Map.Entry<Bytes, byte[]>> changes;
    private Map.Entry<Bytes, byte[]> change;
    private KeyValue<Bytes, byte[]> next;

    Merged(KeyValueIterator<Bytes, byte[]> below, Iterator<Map.Entry<Bytes, byte[]>> changes) {
      this.below = below;
      this.changes = changes;
      this.change = changes.hasNext() ? changes.next() : null;
      advance();
    }

    private void advance() {
      next = null;
      while (next == null) {
        Bytes belowKey = below.hasNext() ? below.peekNextKey() : null;
        if (change == null && belowKey == null) {
          return;
        }
        int order =
            change == null ? 1 : belowKey == null ? -1 : change.getKey().compareTo(belowKey);
        if (order <= 0) {
          Map.Entry<Bytes, byte[]> c = change;
          change = changes.hasNext() ? changes.next() : null;
          if (order == 0) {
            below.next(); // the buffer's change replaces the value below
          }
          if (c.getValue() != null) {
            next = KeyValue.pair(c.getKey(), c.getValue());
          }
        } else {
          next = below.next();
        }
      }
    }

    @Override
    public boolean hasNext() {
      return next != null;
    }

    @Override
    public KeyValue<Bytes, byte[]> next() {
      if (next == null) {
        throw new NoSuchElementException();
      }
      KeyValue<Bytes, byte[]> out = next;
      advance();
      return out;
    }

    @Override
    public Bytes peekNextKey() {
      if (next == null) {
        throw new NoSuchElementException();
      }
      return next.key;
    }

    @Override
    public void close() {
      below.close();
    }
  }
}
