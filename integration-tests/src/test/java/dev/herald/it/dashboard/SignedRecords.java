package dev.herald.it.dashboard;

import dev.herald.schema.AlertStatus;
import dev.herald.schema.AlertType;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.Evidence;
import dev.herald.schema.ReportBatch;
import dev.herald.schema.Severity;
import dev.herald.schema.StateChange;
import dev.herald.schema.Topics;
import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.signing.Ed25519;
import dev.herald.testsupport.Fleet;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Real records on a real broker for the dashboard tests: node registrations, heartbeats, signed
 * report batches for the real auditor ({@link #report}), and a ready-made equivocation alert whose
 * evidence is two {@link ReportBatch}es really signed by the node's key and really written to
 * {@code herald.state-changes.v1} (the evidence carries their offsets).
 */
final class SignedRecords implements AutoCloseable {
  private final SchemaRegistryClient registry;
  private final KafkaProducer<byte[], byte[]> producer;
  private final Map<String, Long> batchSeqs = new ConcurrentHashMap<>();
  private final Fleet fleet;

  SignedRecords(String bootstrapServers, SchemaRegistryClient registry) {
    this.registry = registry;
    this.fleet = new Fleet(registry, "");
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    this.producer = new KafkaProducer<>(p);
  }

  static Ed25519.KeyPair key(String nodeId) {
    return Fleet.seededKey(nodeId);
  }

  @SuppressWarnings("unchecked")
  <T extends SpecificRecord> RecordMetadata send(
      String topic, Integer partition, String key, T value) {
    AvroWireFormat<T> format = new AvroWireFormat<>((Class<T>) value.getClass(), registry);
    try {
      return producer
          .send(
              new ProducerRecord<>(
                  topic,
                  partition,
                  key.getBytes(StandardCharsets.UTF_8),
                  format.serialize(topic, value)))
          .get();
    } catch (Exception e) {
      throw new IllegalStateException("cannot produce to " + topic, e);
    }
  }

  void sendRaw(String topic, byte[] value) throws Exception {
    producer
        .send(new ProducerRecord<>(topic, "junk".getBytes(StandardCharsets.UTF_8), value))
        .get();
  }

  void register(String nodeId, String group) {
    send(
        Topics.NODES,
        null,
        nodeId,
        Fleet.node(
            nodeId,
            nodeId,
            key(nodeId).publicKey(),
            "eu-west",
            List.of(group),
            Instant.now(),
            null));
  }

  void heartbeat(String nodeId, String group, long seq) {
    send(
        Topics.HEARTBEATS,
        null,
        nodeId,
        fleet.heartbeat(nodeId, List.of(group), "eu-west", seq, Instant.now()));
  }

  /**
   * Writes two conflicting signed batches of {@code nodeId} and returns the alert that proves it.
   */
  AuditAlert equivocation(
      String alertId, String nodeId, String group, String entity, long version) {
    List<Evidence> evidence = new ArrayList<>();
    for (String state : List.of("balance=100", "balance=999")) {
      ReportBatch batch = batch(nodeId, group, entity, version, state);
      RecordMetadata meta = send(Topics.STATE_CHANGES, 0, nodeId, batch);
      evidence.add(
          Evidence.newBuilder()
              .setTopic(Topics.STATE_CHANGES)
              .setPartition(meta.partition())
              .setOffset(meta.offset())
              .setNodeId(nodeId)
              .setKeyId(batch.getKeyId())
              .setBatchSeq(batch.getBatchSeq())
              .setRecord(ByteBuffer.wrap(fleet.encode(batch)))
              .setSignatureValid(true)
              .build());
    }
    Instant now = Instant.now();
    return AuditAlert.newBuilder()
        .setAlertId(alertId)
        .setType(AlertType.EQUIVOCATION)
        .setSeverity(Severity.CRITICAL)
        .setStatus(AlertStatus.OPEN)
        .setGroup(group)
        .setEntityKey(entity)
        .setVersion(version)
        .setNodes(List.of(nodeId))
        .setDetail(nodeId + " signed two different states for " + entity + " v" + version)
        .setEvidence(evidence)
        .setDetectedAt(now)
        .setFirstEventTime(now.minusMillis(180))
        .build();
  }

  static AuditAlert simple(
      String alertId, AlertType type, Severity severity, String group, String node) {
    Instant now = Instant.now();
    return AuditAlert.newBuilder()
        .setAlertId(alertId)
        .setType(type)
        .setSeverity(severity)
        .setStatus(AlertStatus.OPEN)
        .setGroup(group)
        .setNodes(List.of(node))
        .setDetail(type + " of " + node)
        .setDetectedAt(now)
        .setFirstEventTime(now.minusMillis(900))
        .setAttributes(Map.of("count", "3"))
        .build();
  }

  /**
   * What the Flink jobs would publish for {@code group}: ten 1-minute windows and a 24h risk
   * report.
   */
  void flinkOutputs(String group, double dip) {
    Instant end = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MINUTES);
    for (int i = 10; i > 0; i--) {
      double up = i == 4 ? 1.0 - dip : 1.0 - dip / 10 * (i % 3);
      send(
          Topics.AVAILABILITY,
          null,
          group,
          dev.herald.schema.AvailabilityWindow.newBuilder()
              .setScope(dev.herald.schema.AvailabilityScope.GROUP)
              .setScopeId(group)
              .setWindowStart(end.minusSeconds(60L * i))
              .setWindowEnd(end.minusSeconds(60L * (i - 1)))
              .setExpectedMs(60_000)
              .setUptimeMs((long) (60_000 * up))
              .setDowntimeMs((long) (60_000 * (1 - up)))
              .setUpFraction(up)
              .setOutages(i == 4 ? 1 : 0)
              .build());
    }
    send(
        Topics.RISK,
        null,
        group,
        dev.herald.schema.RiskReport.newBuilder()
            .setGroup(group)
            .setWindow("24h")
            .setWindowStart(end.minusSeconds(86_400))
            .setWindowEnd(end)
            .setAvailability(1.0 - dip / 20)
            .setSloTarget(0.999)
            .setSloMet(dip / 20 < 0.001)
            .setErrorBudgetBurn(dip * 15)
            .setQuorumLossMinutes(dip * 30)
            .setIntegrityIncidents(Map.of("EQUIVOCATION", (long) (dip * 10)))
            .setRiskScore(dip * 8)
            .setRiskFormula("test")
            .setGeneratedAt(Instant.now())
            .build());
  }

  /**
   * Writes one batch of {@code nodeId}, signed with its registered key, that reports {@code entity}
   * of {@code group} moving from state {@code prevState} to {@code state} at {@code version} (op
   * {@code op}), to the partition the auditor expects for the entity, with the node's next batch
   * sequence number. Returns where it landed.
   */
  RecordMetadata report(
      String nodeId,
      String group,
      String entity,
      long version,
      String prevState,
      String state,
      String op) {
    StateChange sc = Fleet.change(nodeId, group, entity, version, prevState, state, op);
    int partition = Fleet.partitionOf(group, entity);
    ReportBatch b =
        Fleet.batch(
            nodeId,
            key(nodeId).keyId(),
            partition,
            batchSeqs.merge(nodeId, 1L, Long::sum),
            Instant.now(),
            List.of(sc));
    return send(Topics.STATE_CHANGES, partition, nodeId, Fleet.sign(b, key(nodeId)));
  }

  void alert(AuditAlert alert) {
    send(Topics.ALERTS, null, alert.getAlertId(), alert);
  }

  private static ReportBatch batch(
      String nodeId, String group, String entity, long version, String state) {
    StateChange sc =
        Fleet.change(nodeId, group, entity, version, "balance=50", state, "op-" + version);
    return Fleet.sign(
        Fleet.batch(nodeId, key(nodeId).keyId(), 0, version, Instant.now(), List.of(sc)),
        key(nodeId));
  }

  @Override
  public void close() {
    producer.close();
  }
}
