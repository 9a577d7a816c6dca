package dev.herald.it.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.Heartbeat;
import dev.herald.schema.HeartbeatStatus;
import dev.herald.schema.registry.RestSchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.serde.HeraldSerde;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
// Flink's relocated copy of Avro, which its Confluent format uses; Herald's own Avro is not
// imported
import java.util.Map;
import java.util.UUID;
import org.apache.flink.avro.registry.confluent.shaded.io.confluent.kafka.schemaregistry.avro.AvroSchema;
import org.apache.flink.avro.registry.confluent.shaded.io.confluent.kafka.schemaregistry.client.CachedSchemaRegistryClient;
import org.apache.flink.avro.registry.confluent.shaded.io.confluent.kafka.schemaregistry.client.SchemaMetadata;
import org.apache.flink.avro.registry.confluent.shaded.io.confluent.kafka.schemaregistry.client.rest.RestService;
import org.apache.flink.avro.registry.confluent.shaded.io.confluent.kafka.schemaregistry.client.rest.exceptions.RestClientException;
import org.apache.flink.avro.shaded.org.apache.avro.Schema;
import org.apache.flink.avro.shaded.org.apache.avro.generic.GenericData;
import org.apache.flink.avro.shaded.org.apache.avro.generic.GenericRecord;
import org.apache.flink.formats.avro.registry.confluent.ConfluentRegistryAvroDeserializationSchema;
import org.apache.flink.formats.avro.registry.confluent.ConfluentRegistryAvroSerializationSchema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Conformance of the embedded registry with Confluent's own {@code CachedSchemaRegistryClient}
 * (7.5.3, relocated inside {@code flink-sql-avro-confluent-registry}): what it registers, reads and
 * checks, and the error codes it gets, are those a Confluent Schema Registry gives.
 */
class ConfluentClientConformanceIT {
  @RegisterExtension
  static final KafkaBrokerExtension KAFKA =
      new KafkaBrokerExtension(false)
          .withSchemaRegistry(r -> r.topic("_herald_schemas_conformance"));

  private static final String V1 =
      "{\"type\":\"record\",\"name\":\"Order\",\"namespace\":\"dev.herald.conformance\","
          + "\"fields\":[{\"name\":\"id\",\"type\":\"string\"}]}";
  private static final String V2_COMPATIBLE =
      "{\"type\":\"record\",\"name\":\"Order\",\"namespace\":\"dev.herald.conformance\","
          + "\"fields\":[{\"name\":\"id\",\"type\":\"string\"},"
          + "{\"name\":\"note\",\"type\":\"string\",\"default\":\"\"}]}";
  private static final String V2_INCOMPATIBLE =
      "{\"type\":\"record\",\"name\":\"Order\",\"namespace\":\"dev.herald.conformance\","
          + "\"fields\":[{\"name\":\"id\",\"type\":\"string\"},"
          + "{\"name\":\"amount\",\"type\":\"long\"}]}";

  private CachedSchemaRegistryClient confluent;
  private String subject;

  @BeforeEach
  void connect() {
    confluent = new CachedSchemaRegistryClient(KAFKA.registryUrl(), 100);
    subject = "conformance-" + UUID.randomUUID() + "-value";
  }

  @AfterEach
  void disconnect() throws Exception {
    confluent.close();
  }

  @Test
  void registersLooksUpByIdAndReadsLatestLikeConfluent() throws Exception {
    int id = confluent.register(subject, new AvroSchema(V1));

    assertThat(new CachedSchemaRegistryClient(KAFKA.registryUrl(), 10).getSchemaById(id))
        .isEqualTo(new AvroSchema(V1));
    SchemaMetadata latest = confluent.getLatestSchemaMetadata(subject);
    assertThat(latest.getId()).isEqualTo(id);
    assertThat(latest.getVersion()).isEqualTo(1);
    assertThat(new AvroSchema(latest.getSchema())).isEqualTo(new AvroSchema(V1));
    assertThat(confluent.getVersion(subject, new AvroSchema(V1))).isEqualTo(1);
    assertThat(confluent.getId(subject, new AvroSchema(V1))).isEqualTo(id);
    assertThat(confluent.getAllSubjects()).contains(subject);
  }

  @Test
  void confluentAndHeraldClientsSeeTheSameIds() throws Exception {
    String schema = AuditAlert.getClassSchema().toString();
    int byConfluent = confluent.register(subject, new AvroSchema(schema));

    int byHerald;
    try (var herald = new RestSchemaRegistryClient(KAFKA.registryUrl(), Map.of())) {
      byHerald = herald.register(subject, AuditAlert.getClassSchema());
      assertThat(herald.getLatest(subject).version()).isEqualTo(1);
    }

    assertThat(byHerald).isEqualTo(byConfluent);
  }

  @Test
  void testsCompatibilityUnderTheDefaultBackwardLevel() throws Exception {
    confluent.register(subject, new AvroSchema(V1));

    assertThat(confluent.testCompatibility(subject, new AvroSchema(V2_COMPATIBLE))).isTrue();
    assertThat(confluent.testCompatibility(subject, new AvroSchema(V2_INCOMPATIBLE))).isFalse();
    assertThat(confluent.register(subject, new AvroSchema(V2_COMPATIBLE)))
        .isEqualTo(confluent.getLatestSchemaMetadata(subject).getId());
    assertThat(confluent.getLatestSchemaMetadata(subject).getVersion()).isEqualTo(2);
  }

  @Test
  void getsAndSetsConfigLikeConfluent() throws Exception {
    confluent.register(subject, new AvroSchema(V1));

    assertThat(confluent.getCompatibility(null)).isEqualTo("BACKWARD");
    assertThat(confluent.updateCompatibility(subject, "NONE")).isEqualTo("NONE");
    assertThat(confluent.getCompatibility(subject)).isEqualTo("NONE");
    assertThat(confluent.testCompatibility(subject, new AvroSchema(V2_INCOMPATIBLE))).isTrue();
    assertThat(confluent.register(subject, new AvroSchema(V2_INCOMPATIBLE))).isPositive();
  }

  @Test
  void anIncompatibleSchemaIs409() throws Exception {
    confluent.register(subject, new AvroSchema(V1));

    assertThatThrownBy(() -> confluent.register(subject, new AvroSchema(V2_INCOMPATIBLE)))
        .isInstanceOfSatisfying(
            RestClientException.class,
            e -> {
              assertThat(e.getStatus()).isEqualTo(409);
              assertThat(e.getErrorCode()).isEqualTo(409);
            });
  }

  @Test
  void anUnknownSubjectIs40401() {
    assertThatThrownBy(() -> confluent.getLatestSchemaMetadata(subject))
        .isInstanceOfSatisfying(
            RestClientException.class,
            e -> {
              assertThat(e.getStatus()).isEqualTo(404);
              assertThat(e.getErrorCode()).isEqualTo(40401);
            });
  }

  @Test
  void anUnknownIdIs40403() {
    assertThatThrownBy(() -> confluent.getSchemaById(876_543_210))
        .isInstanceOfSatisfying(
            RestClientException.class,
            e -> {
              assertThat(e.getStatus()).isEqualTo(404);
              assertThat(e.getErrorCode()).isEqualTo(40403);
            });
  }

  @Test
  void anUnknownVersionIs40402() throws Exception {
    confluent.register(subject, new AvroSchema(V1));

    assertThatThrownBy(() -> confluent.getSchemaMetadata(subject, 7))
        .isInstanceOfSatisfying(
            RestClientException.class, e -> assertThat(e.getErrorCode()).isEqualTo(40402));
  }

  @Test
  void anInvalidSchemaIs42201() {
    RestService rest = new RestService(KAFKA.registryUrl());

    assertThatThrownBy(() -> rest.registerSchema("{\"type\":\"recrd\"}", subject))
        .isInstanceOfSatisfying(
            RestClientException.class,
            e -> {
              assertThat(e.getStatus()).isEqualTo(422);
              assertThat(e.getErrorCode()).isEqualTo(42201);
            });
  }

  @Test
  void anInvalidLevelIs42203() {
    assertThatThrownBy(() -> confluent.updateCompatibility(subject, "SIDEWAYS"))
        .isInstanceOfSatisfying(
            RestClientException.class,
            e -> {
              assertThat(e.getStatus()).isEqualTo(422);
              assertThat(e.getErrorCode()).isEqualTo(42203);
            });
  }

  @Test
  void recordsFramedByFlinksConfluentFormatDecodeWithHeraldSerdes() throws Exception {
    // Given: a Heartbeat written by Flink's Confluent registry format (Confluent's client and
    // framing, its own relocated Avro), registered in the embedded registry
    var schema = new Schema.Parser().parse(Heartbeat.getClassSchema().toString());
    var flinkWriter =
        ConfluentRegistryAvroSerializationSchema.forGeneric(subject, schema, KAFKA.registryUrl());
    GenericData.Record record = new GenericData.Record(schema);
    record.put("nodeId", "node-7");
    record.put("groups", List.of("payments"));
    record.put("region", "eu-west");
    record.put("sequence", 12L);
    record.put("eventTime", 1_700_000_000_000L);
    record.put(
        "status", new GenericData.EnumSymbol(schema.getField("status").schema(), "DEGRADED"));
    record.put("keyId", "k1");
    record.put("signature", ByteBuffer.wrap(new byte[] {9, 8, 7}));
    byte[] bytes = flinkWriter.serialize(record);
    // When
    Heartbeat read;
    try (var herald = new RestSchemaRegistryClient(KAFKA.registryUrl(), Map.of())) {
      read = HeraldSerde.of(Heartbeat.class, herald).deserializer().deserialize("any", bytes);
    }
    // Then
    assertThat(read.getNodeId()).isEqualTo("node-7");
    assertThat(read.getGroups()).containsExactly("payments");
    assertThat(read.getSequence()).isEqualTo(12L);
    assertThat(read.getEventTime()).isEqualTo(Instant.ofEpochMilli(1_700_000_000_000L));
    assertThat(read.getStatus()).isEqualTo(HeartbeatStatus.DEGRADED);
    assertThat(read.getSignature()).isEqualTo(ByteBuffer.wrap(new byte[] {9, 8, 7}));
    assertThat(AvroWireFormat.schemaId(bytes))
        .isEqualTo(confluent.getLatestSchemaMetadata(subject).getId());
  }

  @Test
  void recordsWrittenByHeraldSerdesDecodeWithFlinksConfluentFormat() throws Exception {
    // Given
    String topic = "interop-" + UUID.randomUUID();
    Heartbeat heartbeat = RandomRecords.of(Heartbeat.class, 7);
    byte[] bytes;
    try (var herald = new RestSchemaRegistryClient(KAFKA.registryUrl(), Map.of())) {
      bytes = HeraldSerde.of(Heartbeat.class, herald).serializer().serialize(topic, heartbeat);
    }
    var schema = new Schema.Parser().parse(Heartbeat.getClassSchema().toString());
    // When
    GenericRecord read =
        ConfluentRegistryAvroDeserializationSchema.forGeneric(schema, KAFKA.registryUrl())
            .deserialize(bytes);
    // Then
    assertThat(read.get("nodeId").toString()).isEqualTo(heartbeat.getNodeId());
    assertThat(read.get("sequence")).isEqualTo(heartbeat.getSequence());
    assertThat(read.get("eventTime")).isEqualTo(heartbeat.getEventTime().toEpochMilli());
    assertThat(read.get("status").toString()).isEqualTo(heartbeat.getStatus().name());
  }
}
