package dev.herald.bench.micro;

import dev.herald.auditor.detect.EntityState;
import dev.herald.auditor.detect.NodeLedger;
import dev.herald.auditor.store.StoreSerdes;
import java.util.Arrays;
import org.apache.kafka.common.serialization.Serde;

/**
 * Prints the stored sizes (bytes, mean over the values {@link StoreValueBenchmarks} uses) of the
 * entity states and node ledgers with the auditor's store serde, and checks that each value reads
 * back to one the serde writes byte for byte as it wrote the original.
 *
 * <pre>{@code
 * java -cp 'benchmarks/target/herald-benchmarks.jar:benchmarks/target/lib/*' \
 *     dev.herald.bench.micro.StoreValueSizes
 * }</pre>
 */
public final class StoreValueSizes {
  private StoreValueSizes() {}

  public static void main(String[] args) {
    Serde<EntityState> entities = StoreSerdes.entityStates();
    System.out.println("value                          stored B");
    for (int replicas : new int[] {3, 5}) {
      for (int open : new int[] {1, 2}) {
        StoreValueFixtures fixtures = new StoreValueFixtures(18);
        long total = 0;
        for (int i = 0; i < StoreValueBenchmarks.ENTITIES; i++) {
          total += roundTrip(entities, fixtures.entity(i, replicas, open), "entity " + i);
        }
        print(
            "entity replicas=" + replicas + " open=" + open,
            total / (double) StoreValueBenchmarks.ENTITIES);
      }
    }
    Serde<NodeLedger> ledgers = StoreSerdes.nodeLedgers();
    StoreValueFixtures fixtures = new StoreValueFixtures(18);
    long total = 0;
    for (int i = 0; i < StoreValueBenchmarks.LEDGERS; i++) {
      total += roundTrip(ledgers, fixtures.ledger(), "ledger " + i);
    }
    print("ledger (64 batch digests)", total / (double) StoreValueBenchmarks.LEDGERS);
  }

  /** The stored size of {@code value}, after checking that it reads back to the same bytes. */
  static <T> int roundTrip(Serde<T> serde, T value, String what) {
    String topic = StoreValueBenchmarks.TOPIC;
    byte[] bytes = serde.serializer().serialize(topic, value);
    byte[] again =
        serde.serializer().serialize(topic, serde.deserializer().deserialize(topic, bytes));
    if (!Arrays.equals(bytes, again)) {
      throw new IllegalStateException(what + " does not read back to the same bytes");
    }
    return bytes.length;
  }

  private static void print(String what, double bytes) {
    System.out.printf("%-30s %8.1f%n", what, bytes);
  }
}
