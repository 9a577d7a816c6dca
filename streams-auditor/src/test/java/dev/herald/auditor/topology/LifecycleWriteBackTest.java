package dev.herald.auditor.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.auditor.detect.EntityState;
import dev.herald.auditor.detect.ReplicaReport;
import dev.herald.auditor.policy.PolicyLoader;
import dev.herald.auditor.store.WriteBackStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
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
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lifecycle index behind a {@link WriteBackStore}: each commit writes each changed lifecycle
 * entry to the changelog once, with its latest value, however often the task changed it; what a
 * commit covers is in the changelog before the commit (so a task restored after a crash has it),
 * and what no commit covered is gone after a dirty close (its input is read again).
 */
class LifecycleWriteBackTest {
  private static final String APP = "lifecycle-write-back";
  private static final String CHANGELOG = APP + "-" + AuditorStores.ENTITY_LIFECYCLE + "-changelog";

  @TempDir Path dir;

  private static EntityState open(String key) {
    EntityState s = new EntityState("g", key);
    TreeMap<String, ReplicaReport> reports = new TreeMap<>();
    reports.put("n1", null);
    EntityState.VersionSlot slot =
        EntityState.VersionSlot.restore(1, 0, 0, reports, new HashSet<>());
    s.openVersions().put(1L, slot);
    return s;
  }

  /** Records a write of entity {@code key} by n1 at each of the times in the record's value. */
  private static final class Writer implements Processor<String, String, Void, Void> {
    private EntityLifecycle lifecycle;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
      lifecycle = new EntityLifecycle(context.getStateStore(AuditorStores.ENTITY_LIFECYCLE));
    }

    @Override
    public void process(Record<String, String> record) {
      EntityState state = open(record.key());
      for (String t : record.value().split(",")) {
        lifecycle.written(EntityState.entityId("g", record.key()), state, Long.parseLong(t), "n1");
      }
    }
  }

  private static KeyValueStore<Bytes, byte[]> lifecycleStore(boolean logged) {
    var builder =
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(AuditorStores.ENTITY_LIFECYCLE),
            Serdes.Bytes(),
            Serdes.ByteArray());
    if (!logged) {
      builder.withLoggingDisabled();
    }
    return WriteBackStore.builder(builder, AuditorTopology.LIFECYCLE_CACHE).build();
  }

  private static String type(Bytes key) {
    return new String(new byte[] {key.get()[0]}, StandardCharsets.US_ASCII);
  }

  private static long time(byte[] last) {
    return ByteBuffer.wrap(last, 0, 8).getLong();
  }

  @Test
  void eachCommitWritesEachChangedEntryOnceWithItsLatestValue() {
    StreamsBuilder builder = new StreamsBuilder();
    builder.addStateStore(AuditorTopology.lifecycleStore());
    builder.stream("in", Consumed.with(Serdes.String(), Serdes.String()))
        .process(Writer::new, AuditorStores.ENTITY_LIFECYCLE);
    Properties p = TopologyRig.properties(APP, dir);
    try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), p)) {
      // Given
      TestInputTopic<String, String> in =
          driver.createInputTopic("in", Serdes.String().serializer(), Serdes.String().serializer());
      TestOutputTopic<Bytes, byte[]> changelog =
          driver.createOutputTopic(
              CHANGELOG, Serdes.Bytes().deserializer(), Serdes.ByteArray().deserializer());
      Bytes lastOfA = EntityLifecycle.key((byte) 'L', EntityState.entityId("g", "a"));

      // When: five writes of a in one record (the driver commits after each record)
      in.pipeInput("a", "1000,1100,1200,1300,1400");

      // Then: its last-write entry, its index entry, the count and n1's open count, once each
      List<KeyValue<Bytes, byte[]>> first = changelog.readKeyValuesToList();
      assertThat(first.stream().map(kv -> type(kv.key)).sorted().toList())
          .containsExactly("C", "L", "Q", "T");
      byte[] last = first.stream().filter(kv -> kv.key.equals(lastOfA)).findFirst().get().value;
      assertThat(time(last)).isEqualTo(1400);

      // When: five more writes of a in the next record
      in.pipeInput("a", "2000,2100,2200,2300,2400");

      // Then: only the last-write entry changed, and it is written once
      List<KeyValue<Bytes, byte[]>> second = changelog.readKeyValuesToList();
      assertThat(second).hasSize(1);
      assertThat(second.get(0).key).isEqualTo(lastOfA);
      assertThat(time(second.get(0).value)).isEqualTo(2400);
    }
  }

  @Test
  void theAuditorsLifecycleChangelogHoldsEverythingTheTaskHadAtEachCommit() {
    TestReplicas replicas = new TestReplicas();
    List<String> members = List.of("n1", "n2", "n3");
    try (TopologyRig rig =
        TopologyRig.of(
            AuditorTopology.reconciliation(
                PolicyLoader.parse("state:\n  entityTtl: 10s\n"),
                replicas.schemas,
                new SimpleMeterRegistry(),
                1,
                0,
                InputFrontier.NONE),
            TopologyRig.properties(APP, dir),
            TestReplicas.WALL_START,
            replicas)) {
      // Given
      TopologyTestDriver driver = rig.driver;
      TestInputTopic<String, byte[]> nodes = rig.nodes;
      TestInputTopic<String, byte[]> batches = rig.batches;
      TestOutputTopic<Bytes, byte[]> changelog =
          driver.createOutputTopic(
              CHANGELOG, Serdes.Bytes().deserializer(), Serdes.ByteArray().deserializer());
      for (String n : members) {
        nodes.pipeInput(n, replicas.registration(n, List.of("g")), 0);
      }
      assertThat(driver.<Bytes, byte[]>getKeyValueStore(AuditorStores.ENTITY_LIFECYCLE))
          .isInstanceOf(WriteBackStore.class);
      Map<Bytes, byte[]> restored = new HashMap<>();

      // When: entities a and b opened, closed, and a evicted after the TTL; after each record
      // (a commit) the changelog is read as a restore would read it
      List<String> seen = new ArrayList<>();
      long[] times = {1_000, 1_000, 1_000, 2_000, 2_000, 2_000, 20_000, 20_000};
      String[] entities = {"a", "a", "a", "b", "b", "b", "c", "c"};
      for (int i = 0; i < times.length; i++) {
        String node = members.get(i % 3);
        batches.pipeInput(
            node, replicas.signedBatch(node, replicas.honest(node, "g", entities[i], 1)), times[i]);
        for (KeyValue<Bytes, byte[]> kv : changelog.readKeyValuesToList()) {
          if (kv.value == null) {
            restored.remove(kv.key);
          } else {
            restored.put(kv.key, kv.value);
          }
        }
        // Then: the store holds exactly what was committed (read after the changelog: a range
        // read writes cached changes through, which would show up as a mismatch)
        Map<Bytes, byte[]> store = new HashMap<>();
        KeyValueStore<Bytes, byte[]> lifecycle =
            driver.getKeyValueStore(AuditorStores.ENTITY_LIFECYCLE);
        try (KeyValueIterator<Bytes, byte[]> it = lifecycle.all()) {
          it.forEachRemaining(kv -> store.put(kv.key, kv.value));
        }
        assertThat(restored.keySet()).isEqualTo(store.keySet());
        store.forEach((k, v) -> assertThat(restored.get(k)).isEqualTo(v));
        restored.keySet().forEach(k -> seen.add(type(k)));
      }
      assertThat(seen).contains("L", "T", "C");
    }
  }

  private WriteBackStore<Bytes, byte[]> standalone() {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, APP);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    p.put(StreamsConfig.STATE_DIR_CONFIG, dir.toString());
    MockProcessorContext<Void, Void> context =
        new MockProcessorContext<>(p, new TaskId(0, 0), dir.toFile());
    @SuppressWarnings("unchecked")
    WriteBackStore<Bytes, byte[]> store = (WriteBackStore<Bytes, byte[]>) lifecycleStore(false);
    store.init(context.getStateStoreContext(), store);
    return store;
  }

  @Test
  void aCrashBeforeTheCommitLosesNothingTheCommitCoveredAndKeepsNothingItDidNot() {
    // Given: a opened by n1 and committed (Kafka Streams flushes the caches before it commits),
    // then b opened by n1 and not committed
    WriteBackStore<Bytes, byte[]> store = standalone();
    EntityLifecycle lifecycle = new EntityLifecycle(store);
    lifecycle.written(EntityState.entityId("g", "a"), open("a"), 1_000, "n1");
    store.flushCache();
    lifecycle.written(EntityState.entityId("g", "b"), open("b"), 1_500, "n1");
    assertThat(lifecycle.entityCount()).isEqualTo(2);
    assertThat(lifecycle.open("n1")).isEqualTo(2);

    // When: the task dies before its next commit, and is revived from its store
    store.close();
    WriteBackStore<Bytes, byte[]> revivedStore = standalone();
    EntityLifecycle revived = new EntityLifecycle(revivedStore);

    // Then: a and n1's charge for it are there, b (whose input is read again) is not
    assertThat(revived.entityCount()).isEqualTo(1);
    assertThat(revived.open("n1")).isEqualTo(1);
    byte[] lastOfA =
        revivedStore.get(EntityLifecycle.key((byte) 'L', EntityState.entityId("g", "a")));
    assertThat(lastOfA).isNotNull();
    assertThat(time(lastOfA)).isEqualTo(1_000);
    assertThat(Arrays.copyOfRange(lastOfA, 8, lastOfA.length))
        .isEqualTo("n1".getBytes(StandardCharsets.UTF_8));
    assertThat(revivedStore.get(EntityLifecycle.key((byte) 'L', EntityState.entityId("g", "b"))))
        .isNull();
    revivedStore.close();
  }
}
