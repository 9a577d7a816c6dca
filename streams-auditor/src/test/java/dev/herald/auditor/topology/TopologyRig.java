package dev.herald.auditor.topology;

import dev.herald.auditor.policy.AuditPolicy;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.DeadLetter;
import dev.herald.schema.StateChange;
import dev.herald.schema.Topics;
import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.serde.HeraldSerde;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.function.Supplier;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;

/**
 * The one {@link TopologyTestDriver} set-up of the auditor's topology tests: a topology on a driver
 * with exactly-once (as the auditor runs), its Herald topics wired with the test serdes ({@link
 * #nodes}, {@link #batches}, {@link #heartbeats} in as raw wire bytes; {@link #alerts} and {@link
 * #dlq} out, decoded), and the few moves every reconciliation test makes (register a group, send a
 * signed batch). Close it (try-with-resources or an {@code @AfterEach}).
 *
 * <p>A reconciliation test: {@code rig = TopologyRig.reconciliation(replicas, stateDir, "my-test",
 * () -> policy); rig.join("g", List.of("n1", "n2", "n3")); rig.report("n1", 1_000,
 * replicas.honest("n1", "g", "a", 1));} then read {@code rig.alerts}.
 */
public final class TopologyRig implements AutoCloseable {
  /** The schema registry the topology and the serdes share. */
  public final SchemaRegistryClient schemas;

  public final TopologyTestDriver driver;
  public final TestInputTopic<String, byte[]> nodes;
  public final TestInputTopic<String, byte[]> batches;
  public final TestInputTopic<String, byte[]> heartbeats;
  public final TestOutputTopic<String, AuditAlert> alerts;
  public final TestOutputTopic<String, DeadLetter> dlq;
  private final TestReplicas replicas;

  private TopologyRig(
      Topology topology,
      Properties properties,
      Instant wallStart,
      SchemaRegistryClient schemas,
      TestReplicas replicas) {
    this.schemas = schemas;
    this.replicas = replicas;
    this.driver =
        wallStart == null
            ? new TopologyTestDriver(topology, properties)
            : new TopologyTestDriver(topology, properties, wallStart);
    this.nodes = rawInput(Topics.NODES);
    this.batches = rawInput(Topics.STATE_CHANGES);
    this.heartbeats = rawInput(Topics.HEARTBEATS);
    this.alerts = output(Topics.ALERTS, AuditAlert.class);
    this.dlq = output(Topics.DLQ, DeadLetter.class);
  }

  /**
   * Any topology on a driver: {@code properties} as {@link #properties} gives them (or others), the
   * wall clock starting at {@code wallStart} ({@code null}: the driver's default, now).
   */
  public static TopologyRig of(
      Topology topology, Properties properties, Instant wallStart, SchemaRegistryClient schemas) {
    return new TopologyRig(topology, properties, wallStart, schemas, null);
  }

  /** A topology built on {@code replicas}' schema registry, whose batches the rig can sign. */
  static TopologyRig of(
      Topology topology, Properties properties, Instant wallStart, TestReplicas replicas) {
    return new TopologyRig(topology, properties, wallStart, replicas.schemas, replicas);
  }

  /**
   * The reconciliation topology as most tests run it: one state-change partition, no heartbeat
   * partitions, no input frontier, its own meters, the wall clock at {@link
   * TestReplicas#WALL_START}.
   */
  static TopologyRig reconciliation(
      TestReplicas replicas, Path stateDir, String applicationId, Supplier<AuditPolicy> policies) {
    return reconciliation(
        replicas,
        stateDir,
        applicationId,
        policies,
        new SimpleMeterRegistry(),
        0,
        InputFrontier.NONE);
  }

  /** The reconciliation topology with the meters, heartbeat partitions and frontier given. */
  static TopologyRig reconciliation(
      TestReplicas replicas,
      Path stateDir,
      String applicationId,
      Supplier<AuditPolicy> policies,
      MeterRegistry meters,
      int heartbeatPartitions,
      InputFrontier frontier) {
    return of(
        AuditorTopology.reconciliation(
            policies, replicas.schemas, meters, 1, heartbeatPartitions, frontier),
        properties(applicationId, stateDir),
        TestReplicas.WALL_START,
        replicas);
  }

  /** The identity topology on {@code replicas}' schema registry, the driver's default clock. */
  static TopologyRig identity(
      TestReplicas replicas, Path stateDir, String applicationId, AuditPolicy policy) {
    return of(
        AuditorTopology.identity(policy, replicas.schemas, new SimpleMeterRegistry()),
        properties(applicationId, stateDir),
        null,
        replicas);
  }

  /** Driver properties with exactly-once, as the auditor runs. */
  public static Properties properties(String applicationId, Path stateDir) {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    return props;
  }

  /** A topic written as raw wire bytes (signed batches, registrations, malformed input). */
  public TestInputTopic<String, byte[]> rawInput(String topic) {
    return driver.createInputTopic(
        topic, Serdes.String().serializer(), Serdes.ByteArray().serializer());
  }

  /** A topic written as Herald records through the registry's serde. */
  public <T extends SpecificRecord> TestInputTopic<String, T> input(String topic, Class<T> type) {
    return driver.createInputTopic(
        topic, Serdes.String().serializer(), HeraldSerde.of(type, schemas).serializer());
  }

  /** A topic read as Herald records through the registry's serde. */
  public <T extends SpecificRecord> TestOutputTopic<String, T> output(String topic, Class<T> type) {
    return driver.createOutputTopic(
        topic, Serdes.String().deserializer(), HeraldSerde.of(type, schemas).deserializer());
  }

  /** Registers each of {@code members} in {@code group} only, at record time 0. */
  void join(String group, List<String> members) {
    for (String n : members) {
      nodes.pipeInput(n, signing().registration(n, List.of(group)), 0);
    }
  }

  /** Sends {@code batch} (wire bytes) as {@code node}'s record at {@code time}. */
  void send(String node, long time, byte[] batch) {
    batches.pipeInput(node, batch, time);
  }

  /** Sends one batch of {@code reports}, signed by {@code node}, at {@code time}. */
  void report(String node, long time, StateChange... reports) {
    send(node, time, signing().signedBatch(node, reports));
  }

  /** Every member of {@code nodes} reports version {@code v} of {@code entity} honestly. */
  void round(String group, List<String> nodes, String entity, long v, long time) {
    for (String n : nodes) {
      report(n, time, signing().honest(n, group, entity, v));
    }
  }

  /** The alerts published since the last read, each as {@code "TYPE STATUS [nodes]"}. */
  List<String> newAlerts() {
    return alerts.readValuesToList().stream()
        .map(a -> a.getType() + " " + a.getStatus() + " " + a.getNodes())
        .toList();
  }

  /** The reasons of the dead letters written since the last read, in order. */
  List<String> deadReasons() {
    return dlq.readValuesToList().stream().map(DeadLetter::getReason).toList();
  }

  private TestReplicas signing() {
    if (replicas == null) {
      throw new IllegalStateException("this rig was built without TestReplicas: it signs nothing");
    }
    return replicas;
  }

  @Override
  public void close() {
    driver.close();
  }
}
