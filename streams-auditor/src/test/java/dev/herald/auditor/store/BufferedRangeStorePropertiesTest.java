package dev.herald.auditor.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * {@link BufferedRangeStore} over a persistent, logged store against a sorted map, over random
 * histories: each input record carries a few puts, deletes, reads and range reads of keys whose
 * byte order differs from their length order ({@code "a" < "ab" < "b"}), and the driver commits
 * after each record. Every read answers what the map holds at that moment, and after every commit
 * the changelog's latest record per key is the map's value — and a key the map held neither before
 * nor after the record was not written at all (it was put and deleted within the commit).
 */
class BufferedRangeStorePropertiesTest {
  private static final String STORE = "buffered";
  private static final List<String> KEYS = List.of("a", "ab", "abc", "b", "ba", "c");

  /** Applies {@code p:k:v}, {@code d:k}, {@code g:k} and {@code r:from:to} ({@code *}: open). */
  private static final class Ops implements Processor<String, String, Void, Void> {
    private final List<String> seen;
    private KeyValueStore<Bytes, byte[]> store;

    Ops(List<String> seen) {
      this.seen = seen;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
      store = context.getStateStore(STORE);
    }

    @Override
    public void process(Record<String, String> record) {
      for (String op : record.value().split(";")) {
        String[] f = op.split(":");
        switch (f[0]) {
          case "p" -> store.put(key(f[1]), value(Long.parseLong(f[2])));
          case "d" -> seen.add("deleted " + f[1] + "=" + text(store.delete(key(f[1]))));
          case "g" -> seen.add("get " + f[1] + "=" + text(store.get(key(f[1]))));
          default -> {
            List<String> out = new ArrayList<>();
            try (KeyValueIterator<Bytes, byte[]> it = store.range(bound(f[1]), bound(f[2]))) {
              while (it.hasNext()) {
                Bytes peeked = it.peekNextKey();
                KeyValue<Bytes, byte[]> kv = it.next();
                assertThat(kv.key).isEqualTo(peeked);
                out.add(new String(kv.key.get(), StandardCharsets.UTF_8) + "=" + text(kv.value));
              }
            }
            seen.add("range " + f[1] + ".." + f[2] + "=" + out);
          }
        }
      }
    }
  }

  private static Bytes key(String k) {
    return Bytes.wrap(k.getBytes(StandardCharsets.UTF_8));
  }

  private static Bytes bound(String k) {
    return k.equals("*") ? null : key(k);
  }

  private static byte[] value(long v) {
    return ByteBuffer.allocate(8).putLong(v).array();
  }

  private static String text(byte[] v) {
    return v == null ? "null" : Long.toString(ByteBuffer.wrap(v).getLong());
  }

  /** What the map answers to the same operations. */
  private static List<String> expected(TreeMap<String, Long> model, List<String> ops) {
    List<String> out = new ArrayList<>();
    for (String op : ops) {
      String[] f = op.split(":");
      switch (f[0]) {
        case "p" -> model.put(f[1], Long.parseLong(f[2]));
        case "d" -> out.add("deleted " + f[1] + "=" + model.remove(f[1]));
        case "g" -> out.add("get " + f[1] + "=" + model.get(f[1]));
        default -> {
          List<String> in = new ArrayList<>();
          if (f[1].equals("*") || f[2].equals("*") || f[1].compareTo(f[2]) <= 0) {
            NavigableMap<String, Long> m = model;
            if (!f[1].equals("*")) {
              m = m.tailMap(f[1], true);
            }
            if (!f[2].equals("*")) {
              m = m.headMap(f[2], true);
            }
            m.forEach((k, v) -> in.add(k + "=" + v));
          }
          out.add("range " + f[1] + ".." + f[2] + "=" + in);
        }
      }
    }
    return out;
  }

  @Provide
  Arbitrary<List<List<String>>> histories() {
    Arbitrary<String> key = Arbitraries.of(KEYS);
    Arbitrary<String> bound = Arbitraries.of("*", "a", "ab", "abc", "b", "ba", "c", "aa", "bz");
    Arbitrary<String> op =
        Arbitraries.frequencyOf(
            Tuple.of(
                5,
                key.flatMap(k -> Arbitraries.longs().between(0, 99).map(v -> "p:" + k + ":" + v))),
            Tuple.of(4, key.map(k -> "d:" + k)),
            Tuple.of(2, key.map(k -> "g:" + k)),
            Tuple.of(2, bound.flatMap(a -> bound.map(b -> "r:" + a + ":" + b))));
    return op.list().ofMinSize(1).ofMaxSize(12).list().ofMinSize(1).ofMaxSize(25);
  }

  @Property(tries = 300)
  void readsSeeEveryChangeAndACommitWritesOnlyWhatChangedBetweenCommits(
      @ForAll("histories") List<List<String>> history) throws Exception {
    Path dir = Files.createTempDirectory("buffered-range-props");
    List<String> seen = new ArrayList<>();
    StreamsBuilder builder = new StreamsBuilder();
    builder.addStateStore(
        BufferedRangeStore.builder(
            Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(STORE), Serdes.Bytes(), Serdes.ByteArray())));
    builder.stream("in", Consumed.with(Serdes.String(), Serdes.String()))
        .process(() -> new Ops(seen), STORE);
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, "buffered-range-props");
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    p.put(StreamsConfig.STATE_DIR_CONFIG, dir.toString());
    TreeMap<String, Long> model = new TreeMap<>();
    Map<String, Long> changelogLatest = new TreeMap<>();
    try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), p)) {
      TestInputTopic<String, String> in =
          driver.createInputTopic("in", Serdes.String().serializer(), Serdes.String().serializer());
      TestOutputTopic<Bytes, byte[]> changelog =
          driver.createOutputTopic(
              "buffered-range-props-" + STORE + "-changelog",
              Serdes.Bytes().deserializer(),
              Serdes.ByteArray().deserializer());
      for (List<String> ops : history) {
        Set<String> before = new HashSet<>(model.keySet());
        List<String> answers = expected(model, ops);
        seen.clear();

        in.pipeInput("x", String.join(";", ops));

        assertThat(seen).as("answers to %s", ops).isEqualTo(answers);
        Set<String> written = new HashSet<>();
        changelog
            .readKeyValuesToList()
            .forEach(
                kv -> {
                  String k = new String(kv.key.get(), StandardCharsets.UTF_8);
                  written.add(k);
                  changelogLatest.put(
                      k, kv.value == null ? null : ByteBuffer.wrap(kv.value).getLong());
                });
        for (String k : KEYS) {
          assertThat(changelogLatest.get(k)).as("changelog value of %s", k).isEqualTo(model.get(k));
          if (!before.contains(k) && !model.containsKey(k)) {
            assertThat(written).as("keys written by %s", ops).doesNotContain(k);
          }
        }
      }
    } finally {
      Utils.delete(dir.toFile());
    }
  }
}
