package dev.herald.schema;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Herald's topics: names, what they are keyed by, and the configs they are created with.
 *
 * <p>This class is the single source of truth for topic names; every module reads them from here.
 * {@link #production()} are the topics {@code herald topics create} makes; {@link #simulator()}
 * holds the simulator's ground truth, created only by {@code herald demo} and {@code herald
 * simulate}.
 *
 * <p>Record sizes: a writer may put records of up to {@value #INPUT_MAX_MESSAGE_BYTES} bytes on the
 * input topics; the auditor dead-letters anything over its {@code limits.maxRecordBytes} as
 * OVERSIZED. The dead-letter topic takes {@value #DLQ_MAX_MESSAGE_BYTES} (a dead letter holds at
 * most one input record), the alerts topic {@value #ALERTS_MAX_MESSAGE_BYTES}, and Kafka Streams'
 * internal topics {@value #INTERNAL_MAX_MESSAGE_BYTES}, the auditor producer's {@code
 * max.request.size}; an output that would still exceed its topic's limit is dead-lettered as
 * OUTPUT_TOO_LARGE. Input topics use the broker's clock ({@code
 * message.timestamp.type=LogAppendTime}): no writer chooses the time the auditor judges by.
 *
 * <pre>{@code
 * for (Topics.Spec spec : Topics.production()) {
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

  /**
   * Identity registry of {@link NodeRecord}, keyed by nodeId: append-only (delete policy, unlimited
   * retention), so the history of every node's keys and status survives (docs/security.md).
   */
  public static final String NODES = "herald.nodes.v1";

  /** {@link AuditAlert} records, keyed by alertId, OPEN then RESOLVED. */
  public static final String ALERTS = "herald.alerts.v1";

  /**
   * {@link AlertAck} records: operators' acknowledgements of alerts, keyed by the alert's routing
   * key (its node, or its identity), written by {@code herald alerts ack} and the REST API.
   */
  public static final String ALERT_ACKS = "herald.alert-acks.v1";

  /**
   * {@link LogLeaf} records, keyed by logId: the leaves of each auditor's Merkle log of its alerts,
   * in index order (one partition per log), append-only (docs/security.md).
   */
  public static final String AUDIT_LOG = "herald.audit-log.v1";

  /** {@link TreeHead} records, keyed by logId: the auditor's signed tree heads. */
  public static final String TREE_HEADS = "herald.tree-heads.v1";

  /** {@link DeadLetter} records, keyed by the original key. Nothing is dropped silently. */
  public static final String DLQ = "herald.dlq.v1";

  /** {@link AvailabilityWindow} records from Flink, keyed by scope id. */
  public static final String AVAILABILITY = "herald.availability.v1";

  /** {@link RiskReport} records from Flink, keyed by group. */
  public static final String RISK = "herald.risk.v1";

  /**
   * {@link ConsistencyVerdict} records from the auditor, one per closed version, keyed by entity id
   * and version (a replay writes the same key): the input of the consistency SLO.
   */
  public static final String VERDICTS = "herald.verdicts.v1";

  /** {@link ConsistencyWindow} records from Flink, keyed by group: the consistency SLO. */
  public static final String CONSISTENCY = "herald.consistency.v1";

  /** Simulator only: the faults it injected, as JSON lines, keyed by fault id. */
  public static final String GROUND_TRUTH = "herald.ground-truth.v1";

  /** The embedded schema registry's store, keyed by schema key. */
  public static final String SCHEMAS = "_herald_schemas";

  /** Default partitions of the high-volume topics. */
  public static final int DEFAULT_PARTITIONS = 6;

  /** {@code max.message.bytes} of the input topics (state changes, heartbeats, nodes). */
  public static final int INPUT_MAX_MESSAGE_BYTES = 1 << 20;

  /** {@code max.message.bytes} of the dead-letter topic: one input record plus its context. */
  public static final int DLQ_MAX_MESSAGE_BYTES = 2 << 20;

  /** {@code max.message.bytes} of the alerts topic. */
  public static final int ALERTS_MAX_MESSAGE_BYTES = 1 << 20;

  /**
   * {@code max.message.bytes} the auditor gives Kafka Streams' changelog and repartition topics,
   * equal to its producer's {@code max.request.size}.
   */
  public static final int INTERNAL_MAX_MESSAGE_BYTES = 4 << 20;

  /** The topic config that makes the broker stamp each record with its own clock. */
  public static final String TIMESTAMP_TYPE = "message.timestamp.type";

  /** The value of {@link #TIMESTAMP_TYPE} on the input topics. */
  public static final String LOG_APPEND_TIME = "LogAppendTime";

  /** The topics the auditor reads as input (written by the parties it judges, or operators). */
  public static final List<String> INPUTS = List.of(STATE_CHANGES, HEARTBEATS, NODES);

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

  private static final List<Spec> PRODUCTION =
      List.of(
          new Spec(
              STATE_CHANGES,
              "nodeId",
              "ReportBatch",
              DEFAULT_PARTITIONS,
              input(Map.of("cleanup.policy", "delete", "retention.ms", SEVEN_DAYS_MS))),
          new Spec(
              HEARTBEATS,
              "nodeId",
              "Heartbeat",
              DEFAULT_PARTITIONS,
              input(Map.of("cleanup.policy", "delete", "retention.ms", SEVEN_DAYS_MS))),
          // append-only: every registration, rotation, status change and tombstone stays, so any
          // auditor (or herald verify) rebuilds each node's key history from the topic alone
          new Spec(
              NODES,
              "nodeId",
              "NodeRecord",
              1,
              input(
                  Map.of(
                      "cleanup.policy", "delete", "retention.ms", "-1", "retention.bytes", "-1"))),
          new Spec(
              ALERTS,
              "alertId",
              "AuditAlert",
              DEFAULT_PARTITIONS,
              Map.of(
                  "cleanup.policy",
                  "compact,delete",
                  "retention.ms",
                  THIRTY_DAYS_MS,
                  "max.message.bytes",
                  Integer.toString(ALERTS_MAX_MESSAGE_BYTES))),
          new Spec(
              ALERT_ACKS,
              "routing key of the alert",
              "AlertAck",
              DEFAULT_PARTITIONS,
              Map.of("cleanup.policy", "delete", "retention.ms", THIRTY_DAYS_MS)),
          // append-only like the registry: a witness must be able to re-read every leaf and head
          new Spec(
              AUDIT_LOG,
              "logId",
              "LogLeaf",
              DEFAULT_PARTITIONS,
              Map.of("cleanup.policy", "delete", "retention.ms", "-1", "retention.bytes", "-1")),
          new Spec(
              TREE_HEADS,
              "logId",
              "TreeHead",
              DEFAULT_PARTITIONS,
              Map.of("cleanup.policy", "delete", "retention.ms", "-1", "retention.bytes", "-1")),
          new Spec(
              DLQ,
              "original key",
              "DeadLetter",
              DEFAULT_PARTITIONS,
              Map.of(
                  "cleanup.policy",
                  "delete",
                  "retention.ms",
                  THIRTY_DAYS_MS,
                  "max.message.bytes",
                  Integer.toString(DLQ_MAX_MESSAGE_BYTES))),
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
              VERDICTS,
              "entity id and version",
              "ConsistencyVerdict",
              DEFAULT_PARTITIONS,
              Map.of("cleanup.policy", "delete", "retention.ms", THIRTY_DAYS_MS)),
          new Spec(
              CONSISTENCY,
              "group",
              "ConsistencyWindow",
              DEFAULT_PARTITIONS,
              Map.of("cleanup.policy", "delete", "retention.ms", THIRTY_DAYS_MS)),
          new Spec(SCHEMAS, "schema key", "JSON", 1, Map.of("cleanup.policy", "compact")));

  private static final List<Spec> SIMULATOR =
      List.of(
          new Spec(
              GROUND_TRUTH,
              "faultId",
              "JSON line",
              1,
              Map.of("cleanup.policy", "delete", "retention.ms", SEVEN_DAYS_MS)));

  private static final List<Spec> ALL =
      Stream.concat(PRODUCTION.stream(), SIMULATOR.stream()).toList();

  private static Map<String, String> input(Map<String, String> configs) {
    Map<String, String> out = new LinkedHashMap<>(configs);
    out.put(TIMESTAMP_TYPE, LOG_APPEND_TIME);
    out.put("max.message.bytes", Integer.toString(INPUT_MAX_MESSAGE_BYTES));
    return Map.copyOf(out);
  }

  /** The topics of a production deployment, in a stable order ({@code herald topics create}). */
  public static List<Spec> production() {
    return PRODUCTION;
  }

  /**
   * The simulator's topics (its ground truth): only {@code demo} and {@code simulate} make them.
   */
  public static List<Spec> simulator() {
    return SIMULATOR;
  }

  /** Production and simulator topics, in a stable order (test and demo environments). */
  public static List<Spec> all() {
    return ALL;
  }

  /** The spec of one topic, if it is a Herald topic. */
  public static Optional<Spec> spec(String name) {
    return ALL.stream().filter(s -> s.name().equals(name)).findFirst();
  }
}
