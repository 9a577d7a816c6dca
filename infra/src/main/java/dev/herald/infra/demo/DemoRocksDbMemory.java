package dev.herald.infra.demo;

import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.WriteBufferManager;

/**
 * Bounds the native memory of every RocksDB store of the demo's auditor (both Kafka Streams
 * applications, every partition) to one shared {@value #TOTAL_MIB} MiB block cache, which also
 * accounts for the memtables ({@value #MEMTABLE_MIB} MiB of it at most) and pins the index and
 * filter blocks. Without it, Kafka Streams gives each store instance its own 50 MiB block cache and
 * up to three 16 MiB memtables: the demo's stores times its partitions grew the process by hundreds
 * of MiB over ten minutes. This is the bounded-memory setter of the Kafka Streams memory management
 * guide; passed by the demo as {@code rocksdb.config.setter}.
 */
public final class DemoRocksDbMemory implements RocksDBConfigSetter {
  static final long TOTAL_MIB = 48;
  static final long MEMTABLE_MIB = 16;
  private static final long MIB = 1024 * 1024;

  /** Share of the cache for index and filter blocks (high priority: they are pinned). */
  private static final double INDEX_FILTER_RATIO = 0.1;

  /**
   * Shared by every store of the process (the point of the bound); never closed by a store. Made on
   * first use: Kafka Streams loads this class when it parses its config, before it loads the
   * RocksDB native library.
   */
  private static final class Shared {
    static {
      RocksDB.loadLibrary();
    }

    static final Cache CACHE = new LRUCache(TOTAL_MIB * MIB, -1, false, INDEX_FILTER_RATIO);
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
    options.setWriteBufferManager(Shared.WRITE_BUFFERS);
    // small memtables: the demo's stores take a few MiB of writes a minute each
    options.setWriteBufferSize(2 * MIB);
    options.setMaxWriteBufferNumber(2);
    options.setTableFormatConfig(table);
  }

  @Override
  public void close(String storeName, Options options) {
    // the cache and the write buffer manager are shared by every store: nothing to close per store
  }
}
