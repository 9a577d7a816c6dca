package dev.herald.auditor.store;

import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.WriteBufferManager;

/**
 * The auditor's RocksDB settings ({@code rocksdb.config.setter}, set by {@code HeraldAuditor}
 * unless the client properties name another): every store of the process shares one block cache
 * ({@value #CACHE_MIB} MiB by default), which also holds the memtables ({@value #MEMTABLE_MIB} MiB
 * at most in all) and the pinned index and filter blocks, so the auditor's native memory stays
 * bounded however many partitions it owns (Kafka Streams' default is a 50 MiB cache and three 16
 * MiB memtables per store and partition). The access pattern: point reads of entities and node
 * ledgers (the bloom filter Kafka Streams configures answers those of new keys without a block
 * read; it is kept), puts of the same few keys many times between commits (small memtables suffice:
 * the write-back and record caches have already collapsed repeats), and time-ordered range scans of
 * the deadlines store.
 *
 * <p>The sizes can be set in the Streams properties ({@link #CACHE_MIB_CONFIG}, {@link
 * #MEMTABLE_MIB_CONFIG}, {@link #WRITE_BUFFER_MIB_CONFIG}); the demo runs with 48 / 16 / 2 MiB. The
 * cache is made once per process, with the sizes of the first store opened.
 */
public final class AuditorRocksDb implements RocksDBConfigSetter {
  /** Streams property: MiB of the shared block cache (memtables included). */
  public static final String CACHE_MIB_CONFIG = "herald.rocksdb.cache.mib";

  /** Streams property: MiB of the cache the memtables of all stores may take. */
  public static final String MEMTABLE_MIB_CONFIG = "herald.rocksdb.memtable.mib";

  /** Streams property: MiB of one memtable. */
  public static final String WRITE_BUFFER_MIB_CONFIG = "herald.rocksdb.write.buffer.mib";

  static final long CACHE_MIB = 64;
  static final long MEMTABLE_MIB = 24;
  static final long WRITE_BUFFER_MIB = 4;
  private static final long MIB = 1024 * 1024;

  /** Share of the cache for index and filter blocks (high priority, so they stay). */
  private static final double INDEX_FILTER_RATIO = 0.2;

  // Shared by every store of the process; never closed by a store. Made on first use: Kafka
  // Streams loads this class when it parses its config, before it loads the RocksDB library.
  private static Cache cache;
  private static WriteBufferManager writeBuffers;

  private static synchronized void share(Map<String, Object> configs) {
    if (cache == null) {
      RocksDB.loadLibrary();
      cache =
          new LRUCache(
              mib(configs, CACHE_MIB_CONFIG, CACHE_MIB) * MIB, -1, false, INDEX_FILTER_RATIO);
      writeBuffers =
          new WriteBufferManager(mib(configs, MEMTABLE_MIB_CONFIG, MEMTABLE_MIB) * MIB, cache);
    }
  }

  private static long mib(Map<String, Object> configs, String key, long fallback) {
    return StoreSettings.positive(configs, key, fallback, "MiB");
  }

  @Override
  public void setConfig(String storeName, Options options, Map<String, Object> configs) {
    share(configs);
    BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
    table.setBlockCache(cache);
    table.setCacheIndexAndFilterBlocks(true);
    table.setCacheIndexAndFilterBlocksWithHighPriority(true);
    table.setPinTopLevelIndexAndFilter(true);
    options.setTableFormatConfig(table);
    options.setWriteBufferManager(writeBuffers);
    options.setWriteBufferSize(mib(configs, WRITE_BUFFER_MIB_CONFIG, WRITE_BUFFER_MIB) * MIB);
    options.setMaxWriteBufferNumber(2);
  }

  @Override
  public void close(String storeName, Options options) {
    // the cache and the write buffer manager are shared by every store: nothing to close per store
  }
}
