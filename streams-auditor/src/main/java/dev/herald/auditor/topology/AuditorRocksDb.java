package dev.herald.auditor.topology;

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
 * unless the client properties name another): every store of the process shares one block cache of
 * {@value #CACHE_MIB} MiB, which also holds the memtables (at most {@value #MEMTABLE_MIB} MiB in
 * all) and the pinned index and filter blocks, so the auditor's native memory stays bounded however
 * many partitions it owns (Kafka Streams' default is a 50 MiB cache and three 16 MiB memtables per
 * store and partition). The access pattern: point reads of entities and node ledgers (the bloom
 * filter Kafka Streams configures answers those of new keys without a block read; it is kept), puts
 * of the same few keys many times between commits (small memtables suffice: the record cache has
 * already collapsed repeats), and time-ordered range scans of the deadlines store.
 */
public final class AuditorRocksDb implements RocksDBConfigSetter {
  static final long CACHE_MIB = 64;
  static final long MEMTABLE_MIB = 24;
  private static final long MIB = 1024 * 1024;

  /** Share of the cache for index and filter blocks (high priority, so they stay). */
  private static final double INDEX_FILTER_RATIO = 0.2;

  /**
   * Shared by every store of the process; never closed by a store. Made on first use: Kafka Streams
   * loads this class when it parses its config, before it loads the RocksDB native library.
   */
  private static final class Shared {
    static {
      RocksDB.loadLibrary();
    }

    static final Cache CACHE = new LRUCache(CACHE_MIB * MIB, -1, false, INDEX_FILTER_RATIO);
    static final WriteBufferManager WRITE_BUFFERS =
        new WriteBufferManager(MEMTABLE_MIB * MIB, CACHE);
  }

  @Override
  public void setConfig(String storeName, Options options, Map<String, Object> configs) {
    BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
    table.setBlockCache(Shared.CACHE);
    table.setCacheIndexAndFilterBlocks(true);
    table.setCacheIndexAndFilterBlocksWithHighPriority(true);
    table.setPinTopLevelIndexAndFilter(true);
    options.setTableFormatConfig(table);
    options.setWriteBufferManager(Shared.WRITE_BUFFERS);
    options.setWriteBufferSize(4 * MIB);
    options.setMaxWriteBufferNumber(2);
  }

  @Override
  public void close(String storeName, Options options) {
    // the cache and the write buffer manager are shared by every store: nothing to close per store
  }
}
