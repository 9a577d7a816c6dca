package dev.herald.auditor.store;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;

/**
 * The stores of a stream thread that hold changes not yet written to the store below ({@link
 * WriteBackStore}, {@link BufferedRangeStore}), so that the first {@code flushCache} of a commit
 * writes them all and the commit waits for one round of producer acknowledgements, not one per task
 * (see {@link WriteBackStore}).
 */
final class ThreadWriteBack {
  private ThreadWriteBack() {}

  /** A store with changes kept above the store below until {@link #writeBack}. */
  interface Pending {
    /** Writes every kept change to the store below (a no-op off the writing thread). */
    void writeBack();
  }

  private static final ThreadLocal<Set<Pending>> CHANGED =
      ThreadLocal.withInitial(() -> Collections.newSetFromMap(new IdentityHashMap<>()));

  /** {@code store} holds changes of this thread. */
  static void changed(Pending store) {
    CHANGED.get().add(store);
  }

  /** {@code store} is closed: its changes are gone. */
  static void forget(Pending store) {
    CHANGED.get().remove(store);
  }

  /**
   * For a store's {@code flushCache} before a commit: writes the changes of every store of this
   * thread, after checking that {@code writer}, the thread that changed {@code store}, is this one.
   *
   * @throws IllegalStateException when another thread changed it: a commit must never cover input
   *     whose changes it lacks (the task is then closed dirty and restored from its changelog)
   */
  static void beforeCommit(Thread writer, String store) {
    if (writer != null && writer != Thread.currentThread()) {
      throw new IllegalStateException(
          "store "
              + store
              + " is flushed for a commit by thread "
              + Thread.currentThread().getName()
              + " but was written by "
              + writer.getName()
              + "; its cached changes cannot be committed from another thread");
    }
    writeAll();
  }

  /**
   * Writes the changes of every store of this thread; every changed store is in the set, so a clean
   * store is not scanned.
   */
  static void writeAll() {
    Set<Pending> changed = CHANGED.get();
    if (changed.isEmpty()) {
      return;
    }
    List<Pending> stores = new ArrayList<>(changed);
    changed.clear();
    stores.forEach(Pending::writeBack);
  }

  /** A builder of {@code builder}'s store wrapped by {@code wrap}. */
  static final class Builder<K, V> implements StoreBuilder<KeyValueStore<K, V>> {
    private final StoreBuilder<KeyValueStore<K, V>> builder;
    private final UnaryOperator<KeyValueStore<K, V>> wrap;

    Builder(StoreBuilder<KeyValueStore<K, V>> builder, UnaryOperator<KeyValueStore<K, V>> wrap) {
      this.builder = builder;
      this.wrap = wrap;
    }

    @Override
    public StoreBuilder<KeyValueStore<K, V>> withCachingEnabled() {
      builder.withCachingEnabled();
      return this;
    }

    @Override
    public StoreBuilder<KeyValueStore<K, V>> withCachingDisabled() {
      builder.withCachingDisabled();
      return this;
    }

    @Override
    public StoreBuilder<KeyValueStore<K, V>> withLoggingEnabled(Map<String, String> config) {
      builder.withLoggingEnabled(config);
      return this;
    }

    @Override
    public StoreBuilder<KeyValueStore<K, V>> withLoggingDisabled() {
      builder.withLoggingDisabled();
      return this;
    }

    @Override
    public KeyValueStore<K, V> build() {
      return wrap.apply(builder.build());
    }

    @Override
    public Map<String, String> logConfig() {
      return builder.logConfig();
    }

    @Override
    public boolean loggingEnabled() {
      return builder.loggingEnabled();
    }

    @Override
    public String name() {
      return builder.name();
    }
  }
}
