package dev.herald.it.interop;

import dev.herald.schema.AlertStatus;
import dev.herald.schema.AlertType;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.Heartbeat;
import dev.herald.schema.HeartbeatStatus;
import dev.herald.schema.NodeRecord;
import dev.herald.schema.Severity;
import dev.herald.schema.Topics;
import dev.herald.schema.registry.RestSchemaRegistryClient;
import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.signing.Ed25519;
import dev.herald.testsupport.Fleet;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.avro.registry.confluent.shaded.io.confluent.kafka.schemaregistry.avro.AvroSchema;
import org.apache.flink.avro.registry.confluent.shaded.io.confluent.kafka.schemaregistry.client.CachedSchemaRegistryClient;
import org.apache.flink.avro.shaded.org.apache.avro.generic.GenericDatumReader;
import org.apache.flink.avro.shaded.org.apache.avro.generic.GenericRecord;
import org.apache.flink.avro.shaded.org.apache.avro.io.DecoderFactory;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Herald's records as Herald writes them (its own serializer and registry client, Confluent wire
 * format), for other vendors' registries and tools to read back.
 */
final class InteropRecords {
  static final String GROUP = "payments";
  static final List<String> NODES = List.of("n1", "n2", "n3");

  private InteropRecords() {}

  /**
   * Decodes a Confluent-framed record as Confluent's tooling does: the writer schema by the id in
   * its header, from {@code confluent}, and a plain Avro reader.
   */
  static GenericRecord decodeWithConfluent(CachedSchemaRegistryClient confluent, byte[] value)
      throws Exception {
    AvroSchema writer = (AvroSchema) confluent.getSchemaById(AvroWireFormat.schemaId(value));
    return new GenericDatumReader<GenericRecord>(writer.rawSchema())
        .read(
            null,
            DecoderFactory.get()
                .binaryDecoder(
                    value,
                    AvroWireFormat.HEADER_SIZE,
                    value.length - AvroWireFormat.HEADER_SIZE,
                    null));
  }

  static Ed25519.KeyPair key(String node) {
    return Fleet.seededKey("interop/" + node);
  }

  static NodeRecord registration(String node) {
    return Fleet.node(
        node, node, key(node).publicKey(), "eu-west", List.of(GROUP), Instant.EPOCH, null);
  }

  static Heartbeat heartbeat(String node, long sequence, long time) {
    return Fleet.signedHeartbeat(
        node,
        key(node),
        List.of(GROUP),
        "eu-west",
        sequence,
        Instant.ofEpochMilli(time),
        HeartbeatStatus.UP);
  }

  static AuditAlert alert(long time) {
    return AuditAlert.newBuilder()
        .setAlertId("interop-eq-1")
        .setType(AlertType.EQUIVOCATION)
        .setSeverity(Severity.CRITICAL)
        .setStatus(AlertStatus.OPEN)
        .setGroup(GROUP)
        .setEntityKey("acct-1")
        .setVersion(7L)
        .setNodes(List.of("n2"))
        .setDetail("n2 signed two different states for acct-1 v7")
        .setDetectedAt(Instant.ofEpochMilli(time))
        .setFirstEventTime(Instant.ofEpochMilli(time - 1_000))
        .build();
  }

  /**
   * Writes the nodes' registrations and {@code minutes} of heartbeats every 5 s (ending now) and
   * one alert, with Herald's serializer against the registry at {@code registryUrl}.
   */
  static void write(String bootstrapServers, String registryUrl, int minutes) {
    try (RestSchemaRegistryClient registry = new RestSchemaRegistryClient(registryUrl, Map.of())) {
      write(bootstrapServers, registry, minutes);
    }
  }

  /** As {@link #write(String, String, int)}, with any registry client. */
  static void write(String bootstrapServers, SchemaRegistryClient registry, int minutes) {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrapServers);
    props.put("acks", "all");
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
      AvroWireFormat<NodeRecord> nodes = new AvroWireFormat<>(NodeRecord.class, registry);
      AvroWireFormat<Heartbeat> heartbeats = new AvroWireFormat<>(Heartbeat.class, registry);
      AvroWireFormat<AuditAlert> alerts = new AvroWireFormat<>(AuditAlert.class, registry);
      for (String node : NODES) {
        producer.send(
            new ProducerRecord<>(
                Topics.NODES, node, nodes.serialize(Topics.NODES, registration(node))));
      }
      long end = System.currentTimeMillis();
      long start = end - minutes * 60_000L;
      for (long t = start; t < end; t += 5_000) {
        for (String node : NODES) {
          producer.send(
              new ProducerRecord<>(
                  Topics.HEARTBEATS,
                  null,
                  t,
                  node,
                  heartbeats.serialize(Topics.HEARTBEATS, heartbeat(node, t, t))));
        }
      }
      AuditAlert alert = alert(end - 30_000);
      producer.send(
          new ProducerRecord<>(
              Topics.ALERTS,
              null,
              end - 30_000,
              alert.getAlertId(),
              alerts.serialize(Topics.ALERTS, alert)));
      producer.flush();
    }
  }
}
