package dev.herald.schema;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Herald's topics: names, what they are keyed by, and the configs they are created with.
 *
 * <p>This class is the single source of truth for topic names; every module reads them from here.
 *
 * <pre>{@code
 * for (Topics.Spec spec : Topics.all()) {
 *   admin.createTopics(List.of(new NewTopic(spec.name(), spec.partitions(), replication)
 *       .configs(spec.configs())));
 * }
 * }</pre>
 */
public final class Topics {
  private Topics() {}

  /** Signed {@link ReportBatch} records, keyed by nodeId; partition chosen from the entity keys. */
  public static final String STATE_CHANGES = "herald.state-changes.v1";

  /** {@link Heartbeat} records, keyed by nodeId. */
  public static final String HEARTBEATS = "herald.heartbeats.v1";

  /** Compacted identity registry of {@link NodeRecord}, keyed by nodeId. */
  public static final String NODES = "herald.nodes.v1";

  /** {@link AuditAlert} records, keyed by alertId, OPEN then RESOLVED. */
  public static final String ALERTS = "herald.alerts.v1";

  /** {@link DeadLetter} records, keyed by the original key. Nothing is dropped silently. */
  public static final String DLQ = "herald.dlq.v1";

  /** {@link AvailabilityWindow} records from Flink, keyed by scope id. */
  public static final String AVAILABILITY = "herald.availability.v1";

  /** {@link RiskReport} records from Flink, keyed by group. */
  public static final String RISK = "herald.risk.v1";

  /** Simulator only: the faults it injected, as JSON lines, keyed by fault id. */
  public static final String GROUND_TRUTH = "herald.ground-truth.v1";

  /** The embedded schema registry's store, keyed by schema key. */
  public static final String SCHEMAS = "_herald_schemas";

  /** Default partitions of the high-volume topics. */
  public static final int DEFAULT_PARTITIONS = 6;

  private static final String SEVEN_DAYS_MS = Long.toString(7L * 24 * 3600 * 1000);
  private static final String THIRTY_DAYS_MS = Long.toString(30L * 24 * 3600 * 1000);

  /**
   * How a topic is created.
   *
   * @param name topic name
   * @param key what the record key is
   * @param value what the record value is
   * @param partitions partitions to create it with
   * @param configs topic configs (cleanup.policy and retention at least)
   */
  public record Spec(
      String name, String key, String value, int partitions, Map<String, String> configs) {
    /** The cleanup policy of this topic. */
    public String cleanupPolicy() {
      return configs.get("cleanup.policy");
    }
  }

  private static final List<Spec> ALL =
      List.of(
          new Spec(
              STATE_CHANGES,
              "nodeId",
              "ReportBatch",
              DEFAULT_PARTITIONS,
              Map.of("cleanup.policy", "delete", "retention.ms", SEVEN_DAYS_MS)),
          new Spec(
              HEARTBEATS,
              "nodeId",
              "Heartbeat",
              DEFAULT_PARTITIONS,
              Map.of("cleanup.policy", "delete", "retention.ms", SEVEN_DAYS_MS)),
          new Spec(NODES, "nodeId", "NodeRecord", 1, Map.of("cleanup.policy", "compact")),
          new Spec(
              ALERTS,
              "alertId",
              "AuditAlert",
              DEFAULT_PARTITIONS,
              Map.of("cleanup.policy", "compact,delete", "retention.ms", THIRTY_DAYS_MS)),
          new Spec(
              DLQ,
              "original key",
              "DeadLetter",
              DEFAULT_PARTITIONS,
              Map.of("cleanup.policy", "delete", "retention.ms", THIRTY_DAYS_MS)),
          new Spec(
              AVAILABILITY,
              "scopeId",
              "AvailabilityWindow",
              DEFAULT_PARTITIONS,
              Map.of("cleanup.policy", "delete", "retention.ms", THIRTY_DAYS_MS)),
          new Spec(
              RISK,
              "group",
              "RiskReport",
              DEFAULT_PARTITIONS,
              Map.of("cleanup.policy", "delete", "retention.ms", THIRTY_DAYS_MS)),
          new Spec(
              GROUND_TRUTH,
              "faultId",
              "JSON line",
              1,
              Map.of("cleanup.policy", "delete", "retention.ms", SEVEN_DAYS_MS)),
          new Spec(SCHEMAS, "schema key", "JSON", 1, Map.of("cleanup.policy", "compact")));

  /** Every Herald topic, in a stable order. */
  public static List<Spec> all() {
    return ALL;
  }

  /** The spec of one topic, if it is a Herald topic. */
  public static Optional<Spec> spec(String name) {
    return ALL.stream().filter(s -> s.name().equals(name)).findFirst();
  }
}
