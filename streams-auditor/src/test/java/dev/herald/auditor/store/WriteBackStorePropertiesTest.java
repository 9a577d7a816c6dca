package dev.herald.auditor.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * {@link WriteBackStore} against a map, over random histories: each input record carries a few
 * puts, deletes and reads of a handful of keys through a cache smaller than the keys (so values
 * leave it and come back between and within commits), and the driver commits after each record.
 * After every commit the store below holds exactly the map, the changelog's latest record per key
 * is the map's value (a tombstone for a deleted key), and the commit wrote no key its record did
 * not change.
 */
class WriteBackStorePropertiesTest {
  private static final String STORE = "values";

  /** Applies a record's operations: {@code p:k:v} puts, {@code d:k} deletes, {@code g:k} reads. */
  private static final class Ops implements Processor<String, String, Void, Void> {
    private KeyValueStore<String, Long> values;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
      values = context.getStateStore(STORE);
    }

    @Override
    public void process(Record<String, String> record) {
      for (String op : record.value().split(";")) {
        String[] f = op.split(":");
        switch (f[0]) {
          case "p" -> values.put(f[1], Long.parseLong(f[2]));
          case "d" -> values.delete(f[1]);
          default -> values.get(f[1]);
        }
      }
    }
  }

  @Provide
  Arbitrary<List<List<String>>> histories() {
    Arbitrary<String> key = Arbitraries.of("a", "b", "c", "d", "e", "f");
    Arbitrary<String> op =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(
                5,
                key.flatMap(k -> Arbitraries.longs().between(0, 99).map(v -> "p:" + k + ":" + v))),
            net.jqwik.api.Tuple.of(1, key.map(k -> "d:" + k)),
            net.jqwik.api.Tuple.of(3, key.map(k -> "g:" + k)));
    return op.list().ofMinSize(1).ofMaxSize(12).list().ofMinSize(1).ofMaxSize(25);
  }

  @Property(tries = 200)
  void afterEveryCommitTheStoreAndChangelogHoldWhatWasPutAndNothingElseWasWritten(
      @ForAll("histories") List<List<String>> history,
      @ForAll @IntRange(min = 1, max = 4) int capacity)
      throws Exception {
    Path dir = Files.createTempDirectory("write-back-props");
    StreamsBuilder builder = new StreamsBuilder();
    builder.addStateStore(
        WriteBackStore.builder(
            Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(STORE), Serdes.String(), Serdes.Long()),
            capacity));
    builder.stream("in", Consumed.with(Serdes.String(), Serdes.String())).process(Ops::new, STORE);
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, "write-back-props");
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    p.put(StreamsConfig.STATE_DIR_CONFIG, dir.toString());
    TreeMap<String, Long> model = new TreeMap<>();
    TreeMap<String, Long> changelogLatest = new TreeMap<>();
    try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), p)) {
      TestInputTopic<String, String> in =
          driver.createInputTopic("in", Serdes.String().serializer(), Serdes.String().serializer());
      TestOutputTopic<String, Long> changelog =
          driver.createOutputTopic(
              "write-back-props-" + STORE + "-changelog",
              Serdes.String().deserializer(),
              Serdes.Long().deserializer());
      KeyValueStore<String, Long> store = driver.getKeyValueStore(STORE);
      for (List<String> ops : history) {
        Set<String> changed = new HashSet<>();
        for (String op : ops) {
          String[] f = op.split(":");
          if (f[0].equals("p")) {
            model.put(f[1], Long.parseLong(f[2]));
            changed.add(f[1]);
          } else if (f[0].equals("d")) {
            model.remove(f[1]);
            changed.add(f[1]);
          }
        }

        in.pipeInput("x", String.join(";", ops));

        Set<String> written = new HashSet<>();
        changelog
            .readKeyValuesToList()
            .forEach(
                kv -> {
                  written.add(kv.key);
                  changelogLatest.put(kv.key, kv.value);
                });
        assertThat(changed).containsAll(written);
        for (String k : List.of("a", "b", "c", "d", "e", "f")) {
          assertThat(store.get(k)).as("store value of %s", k).isEqualTo(model.get(k));
          assertThat(changelogLatest.get(k)).as("changelog value of %s", k).isEqualTo(model.get(k));
        }
      }
    } finally {
      Utils.delete(dir.toFile());
    }
  }
}
