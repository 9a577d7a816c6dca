package dev.herald.auditor.topology;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A task's write-through view of one of its key-value stores that keeps the values it last wrote,
 * decoded, in a small LRU: a {@link #get} of a recently written key costs no store read and no
 * decoding (most entities get their replicas' reports, and most node ledgers a batch, in quick
 * succession). Every {@link #put} still goes to the store (and so to its changelog), so the store
 * stays the truth; the values handed out are mutable and the caller puts back what it changes.
 *
 * <p>Only valid while this task is the store's only writer: {@link #clear} it in {@code init} and
 * {@code close}, since the store may have been restored or rewound in between. Not thread-safe (one
 * per task).
 */
final class DecodedStore<V> {
  private final KeyValueStore<String, V> store;
  private final Map<String, V> recent;

  DecodedStore(KeyValueStore<String, V> store, int capacity) {
    this.store = store;
    this.recent =
        new LinkedHashMap<>(16, 0.75f, true) {
          private static final long serialVersionUID = 1L;

          @Override
          protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
            return size() > capacity;
          }
        };
  }

  /**
   * The value of {@code key}, or null. Only values that went through {@link #put} are remembered,
   * so a value changed by a caller that did not put it back is not seen again.
   */
  V get(String key) {
    V v = recent.get(key);
    return v != null ? v : store.get(key);
  }

  /** Writes {@code value} to the store and remembers it. */
  void put(String key, V value) {
    store.put(key, value);
    recent.put(key, value);
  }

  /** Forgets every remembered value. */
  void clear() {
    recent.clear();
  }
}
