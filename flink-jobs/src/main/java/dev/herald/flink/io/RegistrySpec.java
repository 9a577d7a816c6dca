package dev.herald.flink.io;

import dev.herald.schema.AuditAlert;
import dev.herald.schema.AvailabilityWindow;
import dev.herald.schema.ConsistencyVerdict;
import dev.herald.schema.ConsistencyWindow;
import dev.herald.schema.DeadLetter;
import dev.herald.schema.Heartbeat;
import dev.herald.schema.NodeRecord;
import dev.herald.schema.RiskReport;
import dev.herald.schema.Topics;
import dev.herald.schema.registry.InMemorySchemaRegistryClient;
import dev.herald.schema.registry.SchemaRegistries;
import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import java.io.Serializable;
import java.util.Map;
import org.apache.avro.specific.SpecificData;

/**
 * Which schema registry a job talks to, as a serializable value that every Flink task turns into a
 * client with {@link #connect()}.
 *
 * <ul>
 *   <li>{@code http://host:port} (or https): a Confluent-compatible registry (Herald's own, started
 *       with {@code herald registry}, Confluent, Karapace, Apicurio ccompat) through {@link
 *       SchemaRegistries#connect};
 *   <li>{@code preloaded:}: an in-process registry that every JVM seeds with Herald's own schemas
 *       in one fixed order, so ids agree across JVMs without a server. For tests and offline demos
 *       only: it knows no other schema versions.
 * </ul>
 *
 * <pre>{@code
 * RegistrySpec spec = RegistrySpec.parse("http://localhost:8081");
 * try (SchemaRegistryClient client = spec.connect()) { ... }
 * }</pre>
 */
public final class RegistrySpec implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The spec of the preloaded in-process registry. */
  public static final String PRELOADED = "preloaded:";

  private final String location;

  private RegistrySpec(String location) {
    this.location = location;
  }

  /** Parses a registry location; throws with the allowed forms if it is neither. */
  public static RegistrySpec parse(String location) {
    if (location == null
        || !(location.equals(PRELOADED)
            || location.startsWith("http://")
            || location.startsWith("https://"))) {
      throw new IllegalArgumentException(
          "registry '"
              + location
              + "' is not supported; use http(s)://host:port or '"
              + PRELOADED
              + "'");
    }
    return new RegistrySpec(location);
  }

  /** The location as given. */
  public String location() {
    return location;
  }

  /** A client for this registry; the caller closes it. */
  public SchemaRegistryClient connect() {
    if (location.equals(PRELOADED)) {
      return preloaded();
    }
    return SchemaRegistries.connect(location, Map.of());
  }

  /**
   * A fresh in-process registry holding Herald's schemas under their topics' value subjects, always
   * in the same order: Heartbeat 1, AuditAlert 2, DeadLetter 3, AvailabilityWindow 4, RiskReport 5,
   * NodeRecord 6, ConsistencyVerdict 7, ConsistencyWindow 8.
   */
  public static SchemaRegistryClient preloaded() {
    InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    register(registry, Topics.HEARTBEATS, Heartbeat.class);
    register(registry, Topics.ALERTS, AuditAlert.class);
    register(registry, Topics.DLQ, DeadLetter.class);
    register(registry, Topics.AVAILABILITY, AvailabilityWindow.class);
    register(registry, Topics.RISK, RiskReport.class);
    register(registry, Topics.NODES, NodeRecord.class);
    register(registry, Topics.VERDICTS, ConsistencyVerdict.class);
    register(registry, Topics.CONSISTENCY, ConsistencyWindow.class);
    return registry;
  }

  private static void register(SchemaRegistryClient registry, String topic, Class<?> type) {
    registry.register(AvroWireFormat.valueSubject(topic), SpecificData.get().getSchema(type));
  }

  @Override
  public String toString() {
    return location;
  }
}
