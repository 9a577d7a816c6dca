package dev.herald.it.flink;

import dev.herald.flink.io.RegistrySpec;
import dev.herald.schema.AlertStatus;
import dev.herald.schema.AlertType;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.Heartbeat;
import dev.herald.schema.HeartbeatStatus;
import dev.herald.schema.NodeRecord;
import dev.herald.schema.Severity;
import dev.herald.schema.Topics;
import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.signing.Ed25519;
import dev.herald.testsupport.Fleet;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.Awaitility;

/**
 * The fault the Flink tests inject, with its ground truth: three nodes of group {@code payments},
 * registered in {@code herald.nodes.v1}, heartbeat every 5 s for {@code minutes} of event time,
 * each heartbeat signed with the node's key; {@code n2} crashes at {@link #crashFrom} and comes
 * back at {@link #crashTo}; one EQUIVOCATION alert blames it, and one undecodable record lands on
 * the heartbeats topic.
 *
 * <p>It writes heartbeats itself, in event time and as fast as Kafka takes them, so that the job
 * jar and streaming tests get minutes of event time in a second. The end-to-end test ({@link
 * FlinkEndToEndIT}) crashes a node with the producers module's simulator instead, in real time.
 */
record CrashScenario(long start, int minutes, long crashFrom, long crashTo) {
  static final String GROUP = "payments";
  static final String CRASHED = "n2";
  static final long INTERVAL_MS = 5_000;
  static final List<String> NODES = List.of("n1", "n2", "n3");

  /** A scenario starting at the beginning of the hour before now. */
  static CrashScenario recent(int minutes, int crashAtMinute, long crashMs) {
    long hour = 3_600_000;
    long start = (System.currentTimeMillis() / hour - 1) * hour;
    long from = start + crashAtMinute * 60_000L;
    return new CrashScenario(start, minutes, from, from + crashMs);
  }

  /** The end of the scenario's event time. */
  long end() {
    return start + minutes * 60_000L;
  }

  /**
   * Downtime the model must measure for n2: from its last heartbeat before the crash plus the
   * silence threshold, until its first heartbeat after.
   */
  long expectedDowntimeMs(long silenceMs) {
    long lastBefore = crashFrom - INTERVAL_MS;
    while (lastBefore + INTERVAL_MS < crashFrom) {
      lastBefore += INTERVAL_MS;
    }
    return firstAfter() - (lastBefore + silenceMs);
  }

  long firstAfter() {
    long t = start;
    while (t < crashTo) {
      t += INTERVAL_MS;
    }
    return t;
  }

  /** The node's signing key: derived from its id, so every test and JVM agrees on it. */
  static Ed25519.KeyPair key(String node) {
    return Fleet.seededKey("crash-scenario/" + node);
  }

  /** The region a node is registered in. */
  static String region(String node) {
    return node.equals("n3") ? "us-east" : "eu-west";
  }

  /** A heartbeat of {@code node} at {@code time}, signed with the node's key. */
  static Heartbeat signedHeartbeat(String node, long sequence, long time) {
    return Fleet.signedHeartbeat(
        node,
        key(node),
        List.of(GROUP),
        region(node),
        sequence,
        Instant.ofEpochMilli(time),
        HeartbeatStatus.UP);
  }

  /** A producer that keeps the order of its sends, for the scenario's hand-written records. */
  static KafkaProducer<byte[], byte[]> producer(String bootstrapServers) {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrapServers);
    awaitLeaders(props);
    props.put("acks", "all");
    // In order on retry without the idempotent producer's sequence bookkeeping, which can stall
    // for the delivery timeout when the first sends meet partitions that just got their leader.
    props.put("enable.idempotence", "false");
    props.put("max.in.flight.requests.per.connection", "1");
    return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
  }

  /** Registers the scenario's nodes (ACTIVE, their keys, group and region) in herald.nodes.v1. */
  static void register(KafkaProducer<byte[], byte[]> producer, SchemaRegistryClient client) {
    AvroWireFormat<NodeRecord> nodes = new AvroWireFormat<>(NodeRecord.class, client);
    for (String node : NODES) {
      NodeRecord r =
          Fleet.node(
              node,
              node,
              key(node).publicKey(),
              region(node),
              List.of(GROUP),
              Instant.ofEpochMilli(0),
              null);
      producer.send(
          new ProducerRecord<>(Topics.NODES, bytes(node), nodes.serialize(Topics.NODES, r)));
    }
  }

  /** Extra heartbeats written among the scenario's own, in event-time order: an attack. */
  interface Intruder {
    /** The heartbeats to write at event time {@code time} (may be empty). */
    List<Heartbeat> at(long time);
  }

  /** Writes the scenario to Kafka in the wire format of {@code registry}. */
  void produce(String bootstrapServers, RegistrySpec registry) {
    produce(bootstrapServers, registry, t -> List.of());
  }

  /**
   * Writes the scenario with the intruder's heartbeats among the scenario's, each with record
   * timestamp {@code time}.
   */
  void produce(String bootstrapServers, RegistrySpec registry, Intruder intruder) {
    SchemaRegistryClient client = registry.connect();
    AvroWireFormat<Heartbeat> heartbeats = new AvroWireFormat<>(Heartbeat.class, client);
    AvroWireFormat<AuditAlert> alerts = new AvroWireFormat<>(AuditAlert.class, client);
    try (KafkaProducer<byte[], byte[]> producer = producer(bootstrapServers)) {
      register(producer, client);
      long sequence = 0;
      for (long t = start; t < end(); t += INTERVAL_MS) {
        sequence++;
        for (String node : NODES) {
          if (node.equals(CRASHED) && t >= crashFrom && t < crashTo) {
            continue;
          }
          Heartbeat h = signedHeartbeat(node, sequence, t);
          producer.send(
              new ProducerRecord<>(
                  Topics.HEARTBEATS,
                  null,
                  t,
                  bytes(node),
                  heartbeats.serialize(Topics.HEARTBEATS, h)));
        }
        for (Heartbeat h : intruder.at(t)) {
          producer.send(
              new ProducerRecord<>(
                  Topics.HEARTBEATS,
                  null,
                  t,
                  bytes(h.getNodeId().toString()),
                  heartbeats.serialize(Topics.HEARTBEATS, h)));
        }
      }
      AuditAlert equivocation =
          AuditAlert.newBuilder()
              .setAlertId("eq-" + start)
              .setType(AlertType.EQUIVOCATION)
              .setSeverity(Severity.CRITICAL)
              .setStatus(AlertStatus.OPEN)
              .setGroup(GROUP)
              .setEntityKey("acct-1")
              .setVersion(7L)
              .setNodes(List.of(CRASHED))
              .setDetail("n2 signed two different states for acct-1 v7")
              .setDetectedAt(Instant.ofEpochMilli(crashFrom - 30_000))
              .setFirstEventTime(Instant.ofEpochMilli(crashFrom - 31_000))
              .build();
      producer.send(
          new ProducerRecord<>(
              Topics.ALERTS,
              null,
              crashFrom - 30_000,
              bytes(equivocation.getAlertId()),
              alerts.serialize(Topics.ALERTS, equivocation)));
      producer.send(
          new ProducerRecord<>(
              Topics.HEARTBEATS, bytes("garbage"), "not avro".getBytes(StandardCharsets.UTF_8)));
      producer.flush();
    }
  }

  /** Waits until every partition of the input topics has a leader; sets them to CreateTime. */
  static void awaitLeaders(Properties props) {
    try (Admin admin = Admin.create(props)) {
      Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  admin
                      .describeTopics(List.of(Topics.HEARTBEATS, Topics.ALERTS, Topics.NODES))
                      .allTopicNames()
                      .get()
                      .values()
                      .stream()
                      .flatMap(t -> t.partitions().stream())
                      .allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
      // The scenario replays minutes of history in a second, each heartbeat stamped with its
      // event time: on topics that run on broker time (as `herald topics create` makes them) the
      // broker would restamp them all with "now". These tests are about the jobs' windows, not
      // about the time defence, so the scenario's topics keep the writer's timestamps.
      List<AlterConfigOp> createTime =
          List.of(
              new AlterConfigOp(
                  new ConfigEntry(Topics.TIMESTAMP_TYPE, "CreateTime"), AlterConfigOp.OpType.SET));
      admin
          .incrementalAlterConfigs(
              Map.of(
                  new ConfigResource(ConfigResource.Type.TOPIC, Topics.HEARTBEATS), createTime,
                  new ConfigResource(ConfigResource.Type.TOPIC, Topics.NODES), createTime))
          .all()
          .get();
      // the change is committed by the controller; wait until the broker serves it, so that no
      // heartbeat is appended (and restamped) under the old setting
      Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  admin
                      .describeConfigs(
                          List.of(
                              new ConfigResource(ConfigResource.Type.TOPIC, Topics.HEARTBEATS),
                              new ConfigResource(ConfigResource.Type.TOPIC, Topics.NODES)))
                      .all()
                      .get()
                      .values()
                      .stream()
                      .allMatch(c -> "CreateTime".equals(c.get(Topics.TIMESTAMP_TYPE).value())));
    } catch (Exception e) {
      throw new IllegalStateException("could not prepare the scenario's topics: " + e, e);
    }
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
