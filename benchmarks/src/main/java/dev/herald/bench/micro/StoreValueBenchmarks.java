package dev.herald.bench.micro;

import dev.herald.auditor.detect.EntityState;
import dev.herald.auditor.detect.NodeLedger;
import dev.herald.auditor.detect.ReplicaReport;
import dev.herald.auditor.store.StoreSerdes;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The auditor's two hot store values — entity states ({@code herald-entities}) and node ledgers
 * ({@code herald-node-ledgers}) — written and read by the auditor's own store serde ({@code
 * StoreSerdes}: Avro with the generated custom coders, the mapping from and to the domain classes
 * and the single-object header), through its Kafka {@code Serde} as the stores call it. Issue #18
 * item 4 switched the stores from a hand-written binary codec to this serde; docs/benchmarks.md
 * keeps the comparison that decided it.
 *
 * <p>Steady state, as between two writes of the auditor: each write of an entity follows one new
 * report in its newest open version; each write of a ledger follows either one more batch in its
 * window ({@code window=new-batch}: the sender's ledger) or only an in-flight count change ({@code
 * window=unchanged}: the ledgers of the nodes whose version closed). The values cycle through 512
 * entities and 90 ledgers (the benchmark's run has about 940 and 90), so the serde never works on
 * one value that stays in the L1 cache.
 *
 * <p>Besides JMH's wall-clock score, each fork prints the benchmark thread's CPU time per operation
 * ({@link CpuTimePerOp}, lines {@code cpu-ns/op ...}), the figure to use on a shared machine.
 *
 * <pre>{@code
 * java -cp 'benchmarks/target/herald-benchmarks.jar:benchmarks/target/lib/*' \
 *     org.openjdk.jmh.Main StoreValueBenchmarks
 * java -cp 'benchmarks/target/herald-benchmarks.jar:benchmarks/target/lib/*' \
 *     dev.herald.bench.micro.StoreValueSizes
 * }</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 3,
    jvmArgsAppend = {"-Xmx1g", "-XX:+UseParallelGC"})
public class StoreValueBenchmarks {
  static final String TOPIC = "herald-auditor-herald-entities-changelog";
  static final int ENTITIES = 512;
  static final int LEDGERS = 90;

  /** Entities, each with the report its next write adds (two alternate claims of one node). */
  @State(Scope.Thread)
  public static class Entities {
    @Param({"3", "5"})
    public int replicas;

    @Param({"1", "2"})
    public int openVersions;

    EntityState[] states;
    ReplicaReport[][] alternates;
    byte[][] bytes;
    Serializer<EntityState> writer;
    Deserializer<EntityState> reader;
    int next;
    long writes;

    @Setup
    public void setUp() {
      writer = StoreSerdes.entityStates().serializer();
      reader = StoreSerdes.entityStates().deserializer();
      StoreValueFixtures fixtures = new StoreValueFixtures(18);
      states = new EntityState[ENTITIES];
      alternates = new ReplicaReport[ENTITIES][];
      bytes = new byte[ENTITIES][];
      for (int i = 0; i < ENTITIES; i++) {
        EntityState s = fixtures.entity(i, replicas, openVersions);
        alternates[i] = StoreValueFixtures.alternates(fixtures, s);
        states[i] = s;
        bytes[i] = writer.serialize(TOPIC, s);
      }
    }

    /** The next entity, after the report that changes it. */
    EntityState changed() {
      int i = next;
      next = (next + 1) % ENTITIES;
      EntityState s = states[i];
      ReplicaReport r = alternates[i][(int) (writes++ / ENTITIES & 1)];
      s.openVersions().lastEntry().getValue().reports().put(r.nodeId(), r);
      return s;
    }

    int nextIndex() {
      int i = next;
      next = (next + 1) % ENTITIES;
      return i;
    }
  }

  /** Ledgers, each changed before its write as {@code window} says. */
  @State(Scope.Thread)
  public static class LedgerWrites {
    @Param({"new-batch", "unchanged"})
    public String window;

    NodeLedger[] ledgers;
    long[] nextSeq;
    String[] digests;
    Serializer<NodeLedger> writer;
    int next;
    int digest;

    @Setup
    public void setUp() {
      writer = StoreSerdes.nodeLedgers().serializer();
      StoreValueFixtures fixtures = new StoreValueFixtures(18);
      ledgers = new NodeLedger[LEDGERS];
      nextSeq = new long[LEDGERS];
      for (int i = 0; i < LEDGERS; i++) {
        ledgers[i] = fixtures.ledger();
        nextSeq[i] = ledgers[i].recentBatches.lastKey() + 1;
        writer.serialize(TOPIC, ledgers[i]);
      }
      digests = new String[4096];
      for (int i = 0; i < digests.length; i++) {
        digests[i] = fixtures.hex();
      }
    }

    NodeLedger changed() {
      int i = next;
      next = (next + 1) % LEDGERS;
      NodeLedger l = ledgers[i];
      if (window.equals("new-batch")) {
        l.rememberBatch(nextSeq[i]++, digests[digest++ & (digests.length - 1)]);
      } else {
        l.inFlight ^= 1;
      }
      return l;
    }
  }

  /** Ledgers as the serde stored them. */
  @State(Scope.Thread)
  public static class LedgerReads {
    byte[][] bytes;
    Deserializer<NodeLedger> reader;
    int next;

    @Setup
    public void setUp() {
      Serializer<NodeLedger> writer = StoreSerdes.nodeLedgers().serializer();
      reader = StoreSerdes.nodeLedgers().deserializer();
      StoreValueFixtures fixtures = new StoreValueFixtures(18);
      bytes = new byte[LEDGERS][];
      for (int i = 0; i < LEDGERS; i++) {
        bytes[i] = writer.serialize(TOPIC, fixtures.ledger());
      }
    }

    int nextIndex() {
      int i = next;
      next = (next + 1) % LEDGERS;
      return i;
    }
  }

  @Benchmark
  public byte[] entityWrite(Entities e, CpuTimePerOp cpu) {
    cpu.ops++;
    return e.writer.serialize(TOPIC, e.changed());
  }

  @Benchmark
  public EntityState entityRead(Entities e, CpuTimePerOp cpu) {
    cpu.ops++;
    return e.reader.deserialize(TOPIC, e.bytes[e.nextIndex()]);
  }

  @Benchmark
  public byte[] ledgerWrite(LedgerWrites l, CpuTimePerOp cpu) {
    cpu.ops++;
    return l.writer.serialize(TOPIC, l.changed());
  }

  @Benchmark
  public NodeLedger ledgerRead(LedgerReads l, CpuTimePerOp cpu) {
    cpu.ops++;
    return l.reader.deserialize(TOPIC, l.bytes[l.nextIndex()]);
  }
}
