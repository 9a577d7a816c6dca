package dev.herald.bench.micro;

import dev.herald.auditor.detect.EntityState;
import dev.herald.auditor.detect.NodeLedger;
import java.lang.reflect.Method;
import java.util.List;
import org.apache.kafka.common.serialization.Serde;

/**
 * The auditor's own store serdes for entity states and node ledgers ({@code StoreCodecs}, package
 * private in the auditor), obtained once by reflection and then called through Kafka's public
 * {@link Serde} interface, exactly as the auditor's stores call them.
 */
final class AuditorStoreCodecs {
  /** Where {@code StoreCodecs} lives now, and where issue #18 item 5 may move it. */
  private static final List<String> CLASS_NAMES = List.of("dev.herald.auditor.store.StoreCodecs");

  private AuditorStoreCodecs() {}

  @SuppressWarnings("unchecked")
  static Serde<EntityState> entityStates() {
    return (Serde<EntityState>) serde("entityStates");
  }

  @SuppressWarnings("unchecked")
  static Serde<NodeLedger> nodeLedgers() {
    return (Serde<NodeLedger>) serde("nodeLedgers");
  }

  private static Serde<?> serde(String factory) {
    for (String name : CLASS_NAMES) {
      try {
        Method m = Class.forName(name).getDeclaredMethod(factory);
        m.setAccessible(true);
        return (Serde<?>) m.invoke(null);
      } catch (ClassNotFoundException e) {
        // try the next location
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("cannot call " + name + "." + factory + "(): " + e, e);
      }
    }
    throw new IllegalStateException(
        "the auditor's StoreCodecs is in none of "
            + CLASS_NAMES
            + "; update AuditorStoreCodecs to where it moved");
  }
}
