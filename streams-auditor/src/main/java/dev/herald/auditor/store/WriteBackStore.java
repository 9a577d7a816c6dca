package dev.herald.auditor.store;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * A write-back cache of decoded values in front of a key-value store, for values a task reads and
 * changes many times between two commits (an entity gets five replicas' reports per version, a node
 * ledger one change per batch, an entity's lifecycle entry one per batch that touches it). {@link
 * #put} only keeps the value, decoded; the value is encoded and written to the store — and so to
 * its record cache and changelog — once per commit, when Kafka Streams flushes the task's caches
 * before it commits ({@code flushCache}, which this store implements as the outermost layer of its
 * stack), or when the value leaves the cache. So the work per commit is one encoding per changed
 * key instead of one per change, and the exactly-once guarantee is untouched: everything a commit
 * covers was written before it.
 *
 * <p>Only the stream thread that writes sees the cached values; any other thread (interactive
 * queries) reads the store below, which is at most one commit behind. The values handed out are
 * mutable: the caller puts back what it changes, as with any store. Range reads on the writing
 * thread first write the cached changes through.
 *
 * <p>One commit, one round trip: Kafka Streams prepares a commit task by task, each flushing its
 * caches and then waiting for the producer's acknowledgements ({@code StreamTask.flush}: {@code
 * flushCache}, then {@code RecordCollector.flush}). Were each task's cached changes sent only in
 * its own {@code flushCache}, a commit of N changed tasks would wait for N broker round trips in
 * series — about half the stream thread's time at a few commits per second. So the first {@code
 * flushCache} of a commit writes back the changes of every write-back store of the same stream
 * thread, and the first producer flush waits for all of them at once. That stays exactly-once:
 * under {@code exactly_once_v2} the thread's tasks share one producer and one transaction, which
 * commits the input offsets of every task together with everything the thread sent.
 *
 * <p>Relies on Kafka Streams calling {@code CachedStateStore.flushCache()} on every registered
 * store before each commit ({@code StreamTask.flush}, Kafka Streams 3.x and 4.x); {@code
 * WriteBackStoreTest} fails if a commit no longer writes the cached values.
 */
public final class WriteBackStore<K, V> extends WrappedStateStore<KeyValueStore<K, V>, K, V>
    implements KeyValueStore<K, V>, ThreadWriteBack.Pending {

  /** A cached value and whether the store below still has an older one. */
  private static final class Slot<V> {
    V value;
    boolean dirty;

    Slot(V value, boolean dirty) {
      this.value = value;
      this.dirty = dirty;
    }
  }

  /**
   * Streams property prefix: {@code herald.writeback.<store>.entries} sets how many decoded values
   * the write-back store {@code <store>} keeps per task, instead of the topology's default (e.g.
   * {@code herald.writeback.herald-entities.entries=4096}: more memory, fewer entities read and
   * decoded again when a task holds more than the default's worth of busy entities).
   */
  public static final String CAPACITY_CONFIG_PREFIX = "herald.writeback.";

  /** Suffix of {@link #CAPACITY_CONFIG_PREFIX} properties. */
  public static final String CAPACITY_CONFIG_SUFFIX = ".entries";

  private final KeyValueStore<K, V> inner;
  private final Map<K, Slot<V>> cache;
  private final int defaultCapacity;
  private int capacity;
  private volatile Thread writer;

  WriteBackStore(KeyValueStore<K, V> inner, int defaultCapacity) {
    super(inner);
    this.inner = inner;
    this.defaultCapacity = defaultCapacity;
    this.capacity = defaultCapacity;
    this.cache =
        new LinkedHashMap<>(64, 0.75f, true) {
          private static final long serialVersionUID = 1L;

          @Override
          protected boolean removeEldestEntry(Map.Entry<K, Slot<V>> eldest) {
            if (size() <= capacity) {
              return false;
            }
            if (eldest.getValue().dirty) {
              inner.put(eldest.getKey(), eldest.getValue().value);
            }
            return true;
          }
        };
  }

  /** A builder of {@code builder}'s store with a write-back cache of {@code capacity} values. */
  public static <K, V> StoreBuilder<KeyValueStore<K, V>> builder(
      StoreBuilder<KeyValueStore<K, V>> builder, int capacity) {
    return new ThreadWriteBack.Builder<>(builder, inner -> new WriteBackStore<>(inner, capacity));
  }

  private boolean writing() {
    return Thread.currentThread() == writer;
  }

  @Override
  public void init(StateStoreContext context, StateStore root) {
    cache.clear();
    writer = null;
    capacity = capacity(context.appConfigs(), name(), defaultCapacity);
    super.init(context, root);
  }

  /**
   * The capacity {@code configs} set for the write-back store {@code store} ({@link
   * #CAPACITY_CONFIG_PREFIX}), or {@code fallback} when none is set.
   *
   * @throws IllegalArgumentException when the value is not a positive integer
   */
  public static int capacity(Map<?, ?> configs, String store, int fallback) {
    long n =
        StoreSettings.positive(
            configs,
            CAPACITY_CONFIG_PREFIX + store + CAPACITY_CONFIG_SUFFIX,
            fallback,
            "entries per task");
    return (int) Math.min(Integer.MAX_VALUE, n);
  }

  @Override
  public V get(K key) {
    if (writing()) {
      Slot<V> s = cache.get(key);
      if (s != null) {
        return s.value;
      }
      V v = inner.get(key);
      if (v != null) {
        cache.put(key, new Slot<>(v, false));
      }
      return v;
    }
    return inner.get(key);
  }

  @Override
  public void put(K key, V value) {
    writer = Thread.currentThread();
    if (value == null) {
      delete(key);
      return;
    }
    Slot<V> s = cache.get(key);
    if (s == null) {
      cache.put(key, new Slot<>(value, true));
    } else {
      s.value = value;
      s.dirty = true;
    }
    ThreadWriteBack.changed(this);
  }

  @Override
  public V putIfAbsent(K key, V value) {
    V old = get(key);
    if (old == null) {
      put(key, value);
    }
    return old;
  }

  @Override
  public void putAll(List<KeyValue<K, V>> entries) {
    entries.forEach(e -> put(e.key, e.value));
  }

  @Override
  public V delete(K key) {
    V old = get(key);
    cache.remove(key);
    inner.delete(key);
    return old;
  }

  /** Writes every changed value to the store below. */
  @Override
  public void writeBack() {
    if (!writing()) {
      return;
    }
    // straight from the cache to the store below (which never touches this cache; iterating an
    // access-ordered map does not reorder it): a list of the changes first was ≈ 4 % of the
    // stream thread in growing arrays (JFR, round 7)
    for (Map.Entry<K, Slot<V>> e : cache.entrySet()) {
      Slot<V> slot = e.getValue();
      if (slot.dirty) {
        slot.dirty = false;
        inner.put(e.getKey(), slot.value);
      }
    }
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
    cache.clear();
    if (writing()) {
      ThreadWriteBack.forget(this);
    }
    super.close();
  }

  @Override
  public void clearCache() {
    cache.clear();
    super.clearCache();
  }

  @Override
  public KeyValueIterator<K, V> range(K from, K to) {
    writeBack();
    return inner.range(from, to);
  }

  @Override
  public KeyValueIterator<K, V> reverseRange(K from, K to) {
    writeBack();
    return inner.reverseRange(from, to);
  }

  @Override
  public KeyValueIterator<K, V> all() {
    writeBack();
    return inner.all();
  }

  @Override
  public KeyValueIterator<K, V> reverseAll() {
    writeBack();
    return inner.reverseAll();
  }

  @Override
  public <PS extends org.apache.kafka.common.serialization.Serializer<P>, P>
      KeyValueIterator<K, V> prefixScan(P prefix, PS prefixKeySerializer) {
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
}
