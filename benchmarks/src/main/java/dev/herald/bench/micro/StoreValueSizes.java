package dev.herald.bench.micro;

import dev.herald.auditor.detect.EntityState;
import dev.herald.auditor.detect.NodeLedger;
import dev.herald.auditor.store.StoreCodecs;
import dev.herald.bench.store.avro.StoredEntity;
import dev.herald.bench.store.avro.StoredLedger;
import java.util.Arrays;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Prints the encoded sizes (bytes, mean over the values {@link StoreValueBenchmarks} uses) of the
 * entity states and node ledgers with the auditor's binary codec and with Avro, and checks that
 * each Avro value maps back to one the binary codec writes byte for byte as it wrote the original.
 *
 * <pre>{@code
 * java -cp 'benchmarks/target/herald-benchmarks.jar:benchmarks/target/lib/*' \
 *     dev.herald.bench.micro.StoreValueSizes
 * }</pre>
 */
public final class StoreValueSizes {
  private StoreValueSizes() {}

  public static void main(String[] args) {
    Serializer<EntityState> binary = StoreCodecs.entityStates().serializer();
    AvroStoreSerde<EntityState, StoredEntity> avro =
        new AvroStoreSerde<>(
            StoredEntity.class, StoreAvroMapping::toAvro, StoreAvroMapping::fromAvro);
    System.out.println("value                          binary B   avro B   avro/binary");
    for (int replicas : new int[] {3, 5}) {
      for (int open : new int[] {1, 2}) {
        StoreValueFixtures fixtures = new StoreValueFixtures(18);
        long b = 0;
        long a = 0;
        for (int i = 0; i < StoreValueBenchmarks.ENTITIES; i++) {
          EntityState s = fixtures.entity(i, replicas, open);
          byte[] bin = binary.serialize(StoreValueBenchmarks.TOPIC, s);
          byte[] av = avro.serialize(s);
          byte[] again = binary.serialize(StoreValueBenchmarks.TOPIC, avro.deserialize(av));
          if (!Arrays.equals(bin, again)) {
            throw new IllegalStateException("entity " + i + " does not survive the Avro mapping");
          }
          b += bin.length;
          a += av.length;
        }
        print(
            "entity replicas=" + replicas + " open=" + open,
            b / (double) StoreValueBenchmarks.ENTITIES,
            a / (double) StoreValueBenchmarks.ENTITIES);
      }
    }
    Serializer<NodeLedger> binaryLedgers = StoreCodecs.nodeLedgers().serializer();
    AvroStoreSerde<NodeLedger, StoredLedger> avroLedgers =
        new AvroStoreSerde<>(
            StoredLedger.class, StoreAvroMapping::toAvro, StoreAvroMapping::fromAvro);
    StoreValueFixtures fixtures = new StoreValueFixtures(18);
    long b = 0;
    long a = 0;
    for (int i = 0; i < StoreValueBenchmarks.LEDGERS; i++) {
      NodeLedger l = fixtures.ledger();
      byte[] bin = binaryLedgers.serialize(StoreValueBenchmarks.TOPIC, l);
      byte[] av = avroLedgers.serialize(l);
      byte[] again =
          binaryLedgers.serialize(StoreValueBenchmarks.TOPIC, avroLedgers.deserialize(av));
      if (!Arrays.equals(bin, again)) {
        throw new IllegalStateException("ledger " + i + " does not survive the Avro mapping");
      }
      b += bin.length;
      a += av.length;
    }
    print(
        "ledger (64 batch digests)",
        b / (double) StoreValueBenchmarks.LEDGERS,
        a / (double) StoreValueBenchmarks.LEDGERS);
  }

  private static void print(String what, double binary, double avro) {
    System.out.printf("%-30s %8.1f %8.1f %10.3f%n", what, binary, avro, avro / binary);
  }
}
