package dev.herald.auditor.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link WriteBackStore} writes what a task put to the store and its changelog before each commit,
 * once per changed key, and the task always reads back what it put. The driver commits after each
 * input record, as Kafka Streams does at each commit: if a Kafka Streams version stopped flushing
 * the outermost store's cache before a commit, the changelog below would stay empty and these tests
 * fail.
 */
class WriteBackStoreTest {
  private static final String STORE = "counts";

  /** Adds each record's value to its key's count five times, reading back its own writes. */
  private static final class Counter implements Processor<String, String, Void, Void> {
    private KeyValueStore<String, Long> counts;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
      counts = context.getStateStore(STORE);
    }

    @Override
    public void process(Record<String, String> record) {
      for (int i = 0; i < 5; i++) {
        Long n = counts.get(record.key());
        counts.put(record.key(), (n == null ? 0 : n) + Long.parseLong(record.value()));
      }
    }
  }

  private static TopologyTestDriver driver(Path dir, int capacity) {
    StreamsBuilder builder = new StreamsBuilder();
    builder.addStateStore(
        WriteBackStore.builder(
            Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(STORE), Serdes.String(), Serdes.Long()),
            capacity));
    builder.stream("in", Consumed.with(Serdes.String(), Serdes.String()))
        .process(Counter::new, STORE);
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, "write-back");
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    p.put(StreamsConfig.STATE_DIR_CONFIG, dir.toString());
    return new TopologyTestDriver(builder.build(), p);
  }

  @Test
  void everyCommitWritesEachChangedKeyOnceWithItsLatestValue(@TempDir Path dir) {
    try (TopologyTestDriver driver = driver(dir, 100)) {
      // Given
      TestInputTopic<String, String> in =
          driver.createInputTopic("in", Serdes.String().serializer(), Serdes.String().serializer());
      TestOutputTopic<String, Long> changelog =
          driver.createOutputTopic(
              "write-back-" + STORE + "-changelog",
              Serdes.String().deserializer(),
              Serdes.Long().deserializer());

      // When
      in.pipeInput("a", "1");
      in.pipeInput("b", "2");
      in.pipeInput("a", "3");

      // Then
      assertThat(changelog.readKeyValuesToList())
          .containsExactly(
              KeyValue.pair("a", 5L), KeyValue.pair("b", 10L), KeyValue.pair("a", 20L));
      KeyValueStore<String, Long> store = driver.getKeyValueStore(STORE);
      assertThat(store.get("a")).isEqualTo(20L);
      assertThat(store.get("b")).isEqualTo(10L);
    }
  }

  @Test
  void aValueThatLeavesTheCacheIsWrittenAndReadBackFromTheStore(@TempDir Path dir) {
    try (TopologyTestDriver driver = driver(dir, 1)) {
      // Given
      TestInputTopic<String, String> in =
          driver.createInputTopic("in", Serdes.String().serializer(), Serdes.String().serializer());

      // When: three keys through a cache of one
      for (String k : List.of("a", "b", "c", "a")) {
        in.pipeInput(k, "1");
      }

      // Then
      KeyValueStore<String, Long> store = driver.getKeyValueStore(STORE);
      assertThat(Map.of("a", store.get("a"), "b", store.get("b"), "c", store.get("c")))
          .isEqualTo(Map.of("a", 10L, "b", 5L, "c", 5L));
    }
  }

  private static WriteBackStore<String, Long> standalone(Path dir) {
    return standalone(dir, STORE, 0);
  }

  @Test
  void aStreamsPropertySetsHowManyValuesTheCacheKeeps(@TempDir Path dir) throws Exception {
    // Given: a store whose default keeps 100 values, set to keep 2
    Properties settings = new Properties();
    settings.put(WriteBackStore.CAPACITY_CONFIG_PREFIX + STORE + ".entries", "2");
    WriteBackStore<String, Long> store = standalone(dir, STORE, 0, settings);

    // When
    store.put("a", 1L);
    store.put("b", 2L);
    store.put("c", 3L);

    // Then the eldest left the cache and was written below; the others wait for the commit
    assertThat(readElsewhere(store, "a")).isEqualTo(1L);
    assertThat(readElsewhere(store, "c")).isNull();
    assertThat(store.get("c")).isEqualTo(3L);
    assertThat(WriteBackStore.capacity(Map.of(), "s", 5)).isEqualTo(5);
    assertThatThrownBy(
            () -> WriteBackStore.capacity(Map.of("herald.writeback.s.entries", "0"), "s", 5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "herald.writeback.s.entries must be a positive number of entries per task, got '0'");
    store.close();
  }

  private static WriteBackStore<String, Long> standalone(Path dir, String name, int partition) {
    return standalone(dir, name, partition, new Properties());
  }

  private static WriteBackStore<String, Long> standalone(
      Path dir, String name, int partition, Properties settings) {
    Properties p = new Properties();
    p.putAll(settings);
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, "write-back-direct");
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    p.put(StreamsConfig.STATE_DIR_CONFIG, dir.toString());
    MockProcessorContext<Void, Void> context =
        new MockProcessorContext<>(p, new TaskId(0, partition), dir.toFile());
    WriteBackStore<String, Long> store =
        (WriteBackStore<String, Long>)
            WriteBackStore.builder(
                    Stores.keyValueStoreBuilder(
                            Stores.persistentKeyValueStore(name), Serdes.String(), Serdes.Long())
                        .withLoggingDisabled(),
                    100)
                .build();
    store.init(context.getStateStoreContext(), store);
    return store;
  }

  private static Long readElsewhere(WriteBackStore<String, Long> store, String key)
      throws Exception {
    return CompletableFuture.supplyAsync(() -> store.get(key)).get();
  }

  @Test
  void changesNotFlushedForACommitAreDroppedWhenTheTaskClosesDirty(@TempDir Path dir)
      throws Exception {
    // Given: a committed value and a later change that no commit covered
    WriteBackStore<String, Long> store = standalone(dir);
    store.put("a", 1L);
    store.flushCache();
    store.put("a", 2L);
    assertThat(store.get("a")).isEqualTo(2L);

    // When: closed without a commit (a dirty close: aborted transaction, crash, migration),
    // then opened again as Kafka Streams revives a task
    store.close();
    WriteBackStore<String, Long> revived = standalone(dir);

    // Then
    assertThat(revived.get("a")).isEqualTo(1L);
    revived.close();
  }

  @Test
  void otherThreadsReadOnlyWhatWasFlushedForACommit(@TempDir Path dir) throws Exception {
    // Given
    WriteBackStore<String, Long> store = standalone(dir);
    store.put("a", 1L);

    // When / Then: an interactive query sees nothing uncommitted, then the flushed value
    assertThat(readElsewhere(store, "a")).isNull();
    store.flushCache();
    assertThat(readElsewhere(store, "a")).isEqualTo(1L);
    store.close();
  }

  @Test
  void aCommitFlushFromAnotherThreadFailsInsteadOfCommittingWithoutTheChanges(@TempDir Path dir)
      throws Exception {
    // Given
    WriteBackStore<String, Long> store = standalone(dir);
    store.put("a", 1L);

    // When / Then
    assertThatThrownBy(() -> CompletableFuture.runAsync(store::flushCache).get())
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(IllegalStateException.class)
        .hasMessageContaining("cannot be committed from another thread");
    assertThat(readElsewhere(store, "a")).isNull();
    store.flushCache();
    assertThat(readElsewhere(store, "a")).isEqualTo(1L);
    store.close();
  }

  @Test
  void theFirstFlushOfACommitWritesTheChangesOfEveryStoreOfItsThread(@TempDir Path dir)
      throws Exception {
    // Given: two tasks' stores changed by one stream thread
    WriteBackStore<String, Long> first = standalone(dir.resolve("0_0"), "first", 0);
    WriteBackStore<String, Long> second = standalone(dir.resolve("0_1"), "second", 1);
    first.put("a", 1L);
    second.put("b", 2L);

    // When: Kafka Streams flushes the first task's caches for a commit
    first.flushCache();

    // Then: the second task's change is below too, so the producer flush that follows waits for
    // both; the second task's own flush finds nothing left to write
    assertThat(readElsewhere(first, "a")).isEqualTo(1L);
    assertThat(readElsewhere(second, "b")).isEqualTo(2L);
    second.put("b", 3L);
    second.flushCache();
    assertThat(readElsewhere(second, "b")).isEqualTo(3L);
    first.close();
    second.close();
  }

  @Test
  void aStoreClosedDirtyIsNotWrittenByAnotherStoresFlush(@TempDir Path dir) throws Exception {
    // Given
    WriteBackStore<String, Long> kept = standalone(dir.resolve("0_0"), "kept", 0);
    WriteBackStore<String, Long> closed = standalone(dir.resolve("0_1"), "closed", 1);
    kept.put("a", 1L);
    closed.put("b", 2L);

    // When: the second task closes dirty (its changes are uncommitted), then the first commits
    closed.close();
    kept.flushCache();

    // Then
    WriteBackStore<String, Long> revived = standalone(dir.resolve("0_1"), "closed", 1);
    assertThat(revived.get("b")).isNull();
    assertThat(readElsewhere(kept, "a")).isEqualTo(1L);
    kept.close();
    revived.close();
  }
}
