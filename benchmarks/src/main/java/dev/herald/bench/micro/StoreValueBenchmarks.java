package dev.herald.bench.micro;

import dev.herald.auditor.detect.EntityState;
import dev.herald.auditor.detect.NodeLedger;
import dev.herald.auditor.detect.ReplicaReport;
import dev.herald.auditor.store.StoreCodecs;
import dev.herald.bench.store.avro.StoredEntity;
import dev.herald.bench.store.avro.StoredLedger;
import java.util.Map;
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
 * ({@code herald-node-ledgers}) — written and read with (a) the auditor's binary codec ({@code
 * StoreCodecs} through its Kafka {@code Serde}, as the stores call it, with its reuse of unchanged
 * encodings) and (b) Avro binary encoding of the generated twins in {@code
 * benchmarks/src/main/avro/store} plus the mapping from and to the domain classes ({@link
 * StoreAvroMapping}, {@link AvroStoreSerde}: reused encoder, decoder and record), with Avro's
 * default datum writer and reader ({@code ...Avro}) and with the encode and decode methods
 * generated into the record classes ({@code ...AvroCustomCoders}). Issue #18 item 4.
 *
 * <p>Steady state, as between two writes of the auditor: each write of an entity follows one new
 * report in its newest open version (the closed window is unchanged, so {@code StoreCodecs} reuses
 * its encodings); each write of a ledger follows either one more batch in its window ({@code
 * window=new-batch}: the sender's ledger) or only an in-flight count change ({@code
 * window=unchanged}: the ledgers of the nodes whose version closed). The values cycle through 512
 * entities and 90 ledgers (the benchmark's run has about 940 and 90), so neither codec works on one
 * value that stays in the L1 cache. Both codecs do the same domain mutation.
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
    byte[][] binaryBytes;
    byte[][] avroBytes;
    Serializer<EntityState> binaryWriter;
    Deserializer<EntityState> binaryReader;
    AvroStoreSerde<EntityState, StoredEntity> avro;
    AvroStoreSerde<EntityState, StoredEntity> avroCustom;
    byte[][] avroCustomBytes;
    int next;
    long writes;

    @Setup
    public void setUp() {
      binaryWriter = StoreCodecs.entityStates().serializer();
      binaryReader = StoreCodecs.entityStates().deserializer();
      avro =
          new AvroStoreSerde<>(
              StoredEntity.class, StoreAvroMapping::toAvro, StoreAvroMapping::fromAvro);
      avroCustom =
          new AvroStoreSerde<>(
              StoredEntity.class, StoreAvroMapping::toAvro, StoreAvroMapping::fromAvro, true);
      StoreValueFixtures fixtures = new StoreValueFixtures(18);
      states = new EntityState[ENTITIES];
      avroCustomBytes = new byte[ENTITIES][];
      alternates = new ReplicaReport[ENTITIES][];
      binaryBytes = new byte[ENTITIES][];
      avroBytes = new byte[ENTITIES][];
      for (int i = 0; i < ENTITIES; i++) {
        EntityState s = fixtures.entity(i, replicas, openVersions);
        EntityState.VersionSlot newest = s.openVersions().lastEntry().getValue();
        Map.Entry<String, ReplicaReport> last = newest.reports.lastEntry();
        ReplicaReport r = last.getValue();
        int node = Integer.parseInt(last.getKey().substring(last.getKey().lastIndexOf('-') + 1));
        ReplicaReport other =
            fixtures.report(
                s,
                r.version(),
                node,
                r.prevHash(),
                r.stateHash(),
                r.opId(),
                r.opDigest(),
                r.eventTime());
        alternates[i] = new ReplicaReport[] {r, other};
        states[i] = s;
        binaryBytes[i] = binaryWriter.serialize(TOPIC, s);
        avroBytes[i] = avro.serialize(s);
        avroCustomBytes[i] = avroCustom.serialize(s);
      }
    }

    /** The next entity, after the report that changes it. */
    EntityState changed() {
      int i = next;
      next = (next + 1) % ENTITIES;
      EntityState s = states[i];
      ReplicaReport r = alternates[i][(int) (writes++ / ENTITIES & 1)];
      s.openVersions().lastEntry().getValue().reports.put(r.nodeId(), r);
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
    Serializer<NodeLedger> binaryWriter;
    AvroStoreSerde<NodeLedger, StoredLedger> avro;
    AvroStoreSerde<NodeLedger, StoredLedger> avroCustom;
    int next;
    int digest;

    @Setup
    public void setUp() {
      binaryWriter = StoreCodecs.nodeLedgers().serializer();
      avro =
          new AvroStoreSerde<>(
              StoredLedger.class, StoreAvroMapping::toAvro, StoreAvroMapping::fromAvro);
      avroCustom =
          new AvroStoreSerde<>(
              StoredLedger.class, StoreAvroMapping::toAvro, StoreAvroMapping::fromAvro, true);
      StoreValueFixtures fixtures = new StoreValueFixtures(18);
      ledgers = new NodeLedger[LEDGERS];
      nextSeq = new long[LEDGERS];
      for (int i = 0; i < LEDGERS; i++) {
        ledgers[i] = fixtures.ledger();
        nextSeq[i] = ledgers[i].recentBatches.lastKey() + 1;
        binaryWriter.serialize(TOPIC, ledgers[i]);
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

  /** Ledgers as each codec stored them. */
  @State(Scope.Thread)
  public static class LedgerReads {
    byte[][] binaryBytes;
    byte[][] avroBytes;
    byte[][] avroCustomBytes;
    Deserializer<NodeLedger> binaryReader;
    AvroStoreSerde<NodeLedger, StoredLedger> avro;
    AvroStoreSerde<NodeLedger, StoredLedger> avroCustom;
    int next;

    @Setup
    public void setUp() {
      Serializer<NodeLedger> binaryWriter = StoreCodecs.nodeLedgers().serializer();
      binaryReader = StoreCodecs.nodeLedgers().deserializer();
      avro =
          new AvroStoreSerde<>(
              StoredLedger.class, StoreAvroMapping::toAvro, StoreAvroMapping::fromAvro);
      avroCustom =
          new AvroStoreSerde<>(
              StoredLedger.class, StoreAvroMapping::toAvro, StoreAvroMapping::fromAvro, true);
      StoreValueFixtures fixtures = new StoreValueFixtures(18);
      binaryBytes = new byte[LEDGERS][];
      avroBytes = new byte[LEDGERS][];
      avroCustomBytes = new byte[LEDGERS][];
      for (int i = 0; i < LEDGERS; i++) {
        NodeLedger l = fixtures.ledger();
        binaryBytes[i] = binaryWriter.serialize(TOPIC, l);
        avroBytes[i] = avro.serialize(l);
        avroCustomBytes[i] = avroCustom.serialize(l);
      }
    }

    int nextIndex() {
      int i = next;
      next = (next + 1) % LEDGERS;
      return i;
    }
  }

  @Benchmark
  public byte[] entityEncodeBinary(Entities e, CpuTimePerOp cpu) {
    cpu.ops++;
    return e.binaryWriter.serialize(TOPIC, e.changed());
  }

  @Benchmark
  public byte[] entityEncodeAvro(Entities e, CpuTimePerOp cpu) {
    cpu.ops++;
    return e.avro.serialize(e.changed());
  }

  @Benchmark
  public EntityState entityDecodeBinary(Entities e, CpuTimePerOp cpu) {
    cpu.ops++;
    return e.binaryReader.deserialize(TOPIC, e.binaryBytes[e.nextIndex()]);
  }

  @Benchmark
  public EntityState entityDecodeAvro(Entities e, CpuTimePerOp cpu) {
    cpu.ops++;
    return e.avro.deserialize(e.avroBytes[e.nextIndex()]);
  }

  @Benchmark
  public byte[] ledgerEncodeBinary(LedgerWrites l, CpuTimePerOp cpu) {
    cpu.ops++;
    return l.binaryWriter.serialize(TOPIC, l.changed());
  }

  @Benchmark
  public byte[] ledgerEncodeAvro(LedgerWrites l, CpuTimePerOp cpu) {
    cpu.ops++;
    return l.avro.serialize(l.changed());
  }

  @Benchmark
  public NodeLedger ledgerDecodeBinary(LedgerReads l, CpuTimePerOp cpu) {
    cpu.ops++;
    return l.binaryReader.deserialize(TOPIC, l.binaryBytes[l.nextIndex()]);
  }

  @Benchmark
  public NodeLedger ledgerDecodeAvro(LedgerReads l, CpuTimePerOp cpu) {
    cpu.ops++;
    return l.avro.deserialize(l.avroBytes[l.nextIndex()]);
  }

  @Benchmark
  public byte[] entityEncodeAvroCustomCoders(Entities e, CpuTimePerOp cpu) {
    cpu.ops++;
    return e.avroCustom.serialize(e.changed());
  }

  @Benchmark
  public EntityState entityDecodeAvroCustomCoders(Entities e, CpuTimePerOp cpu) {
    cpu.ops++;
    return e.avroCustom.deserialize(e.avroCustomBytes[e.nextIndex()]);
  }

  @Benchmark
  public byte[] ledgerEncodeAvroCustomCoders(LedgerWrites l, CpuTimePerOp cpu) {
    cpu.ops++;
    return l.avroCustom.serialize(l.changed());
  }

  @Benchmark
  public NodeLedger ledgerDecodeAvroCustomCoders(LedgerReads l, CpuTimePerOp cpu) {
    cpu.ops++;
    return l.avroCustom.deserialize(l.avroCustomBytes[l.nextIndex()]);
  }
}
