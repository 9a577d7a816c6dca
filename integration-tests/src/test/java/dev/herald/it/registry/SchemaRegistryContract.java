package dev.herald.it.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.schema.AuditAlert;
import dev.herald.schema.registry.RestSchemaRegistryClient;
import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.registry.SchemaRegistryException;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.serde.HeraldSerde;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What Herald relies on from any Confluent-compatible schema registry, checked through {@link
 * RestSchemaRegistryClient}, which does not know whose registry it talks to.
 *
 * <p>Subclasses start a registry and give its URL. The contract allows what the API lets registries
 * differ on — how ids are numbered (global sequence or content id), the default compatibility
 * level, whether a level can be read for a subject that has none — and holds firm on what Confluent
 * clients rely on: ids are stable and shared by identical schemas, the latest version is the last
 * registered, an incompatible schema is refused with 409, unknown ids and subjects are 40403 and
 * 40401.
 */
abstract class SchemaRegistryContract {
  protected RestSchemaRegistryClient client;
  private String subject;

  /** Base URL of the registry under test (for Apicurio, including {@code /apis/ccompat/v7}). */
  protected abstract String registryUrl();

  @BeforeEach
  void connect() {
    client = new RestSchemaRegistryClient(registryUrl(), Map.of());
    subject = "contract-" + UUID.randomUUID() + "-value";
  }

  @AfterEach
  void disconnect() {
    client.close();
  }

  static Schema record(String name, String... fields) {
    SchemaBuilder.FieldAssembler<Schema> assembler =
        SchemaBuilder.record(name).namespace("dev.herald.contract").fields();
    for (String field : fields) {
      assembler = assembler.requiredString(field);
    }
    return assembler.endRecord();
  }

  static Schema uniqueRecord(String... fields) {
    return record("R" + UUID.randomUUID().toString().replace("-", ""), fields);
  }

  @Test
  void aRegisteredSchemaIsReadBackByIdByAnotherClient() {
    // Given
    Schema schema = uniqueRecord("a");
    int id = client.register(subject, schema);
    // When
    Schema back;
    try (SchemaRegistryClient fresh = new RestSchemaRegistryClient(registryUrl(), Map.of())) {
      back = fresh.getById(id);
    }
    // Then
    assertThat(back).isEqualTo(schema);
  }

  @Test
  void registeringTheSameSchemaAgainGivesTheSameId() {
    Schema schema = uniqueRecord("a");
    int first = client.register(subject, schema);

    int again = new RestSchemaRegistryClient(registryUrl(), Map.of()).register(subject, schema);

    assertThat(again).isEqualTo(first);
    assertThat(client.getLatest(subject).version()).isEqualTo(1);
  }

  @Test
  void theSameSchemaUnderTwoSubjectsHasOneId() {
    Schema schema = uniqueRecord("a");
    int id = client.register(subject, schema);

    int other = client.register(subject + "-other", schema);

    assertThat(other).isEqualTo(id);
  }

  @Test
  void differentSchemasGetDifferentIds() {
    int first = client.register(subject, uniqueRecord("a"));

    int second = client.register(subject + "-other", uniqueRecord("a"));

    assertThat(second).isNotEqualTo(first);
  }

  @Test
  void latestIsTheLastRegisteredVersion() {
    Schema v1 = record("Evolving", "a");
    Schema v2 =
        SchemaBuilder.record("Evolving")
            .namespace("dev.herald.contract")
            .fields()
            .requiredString("a")
            .name("b")
            .type()
            .stringType()
            .stringDefault("")
            .endRecord();
    client.register(subject, v1);
    int id2 = client.register(subject, v2);

    SchemaRegistryClient.RegisteredSchema latest = client.getLatest(subject);

    assertThat(latest.version()).isEqualTo(2);
    assertThat(latest.id()).isEqualTo(id2);
    assertThat(latest.schema()).isEqualTo(v2);
    assertThat(latest.subject()).isEqualTo(subject);
  }

  @Test
  void anUnknownIdIsSchemaNotFound() {
    assertThatThrownBy(() -> client.getById(987_654_321))
        .isInstanceOfSatisfying(
            SchemaRegistryException.class,
            e -> {
              assertThat(e.httpStatus()).isEqualTo(404);
              assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.SCHEMA_NOT_FOUND);
            });
  }

  @Test
  void anUnknownSubjectIsSubjectNotFound() {
    assertThatThrownBy(() -> client.getLatest(subject))
        .isInstanceOfSatisfying(
            SchemaRegistryException.class,
            e -> {
              assertThat(e.httpStatus()).isEqualTo(404);
              assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.SUBJECT_NOT_FOUND);
            });
  }

  @Test
  void anIncompatibleSchemaIsRefusedWith409UnderBackward() {
    // Given: registries differ on the default level, so the subject's level is set explicitly
    client.register(subject, record("Strict", "a"));
    client.setCompatibility(subject, "BACKWARD");
    Schema newRequiredField = record("Strict", "a", "b");
    // When / Then
    assertThat(client.testCompatibility(subject, newRequiredField)).isFalse();
    assertThatThrownBy(() -> client.register(subject, newRequiredField))
        .isInstanceOfSatisfying(
            SchemaRegistryException.class,
            e -> {
              assertThat(e.httpStatus()).isEqualTo(409);
              assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.INCOMPATIBLE);
            });
    assertThat(client.getLatest(subject).version()).isEqualTo(1);
  }

  @Test
  void aCompatibleSchemaPassesTheCheck() {
    client.register(subject, record("Lenient", "a", "b"));
    client.setCompatibility(subject, "BACKWARD");

    boolean compatible = client.testCompatibility(subject, record("Lenient", "a"));

    assertThat(compatible).isTrue();
  }

  @Test
  void anythingIsCompatibleWithASubjectThatDoesNotExist() {
    assertThat(client.testCompatibility(subject, uniqueRecord("a"))).isTrue();
  }

  @Test
  void aSubjectLevelIsSetAndReadBack() {
    client.register(subject, uniqueRecord("a"));

    client.setCompatibility(subject, "FULL");

    assertThat(client.getCompatibility(subject)).isEqualTo("FULL");
  }

  @Test
  void aSubjectWithoutItsOwnLevelHasTheGlobalLevel() {
    // Confluent answers 40408 and Apicurio 40401 here; the client falls back to the global level.
    client.register(subject, uniqueRecord("a"));

    assertThat(client.getCompatibility(subject)).isEqualTo(client.getCompatibility(null));
  }

  @Test
  void theGlobalLevelIsSetAndReadBack() {
    String before = client.getCompatibility(null);
    try {
      client.setCompatibility(null, "FORWARD");
      assertThat(client.getCompatibility(null)).isEqualTo("FORWARD");
    } finally {
      client.setCompatibility(null, before);
    }
  }

  @Test
  void anInvalidLevelIsRefused() {
    client.register(subject, uniqueRecord("a"));

    assertThatThrownBy(() -> client.setCompatibility(subject, "SIDEWAYS"))
        .isInstanceOfSatisfying(
            SchemaRegistryException.class, e -> assertThat(e.httpStatus()).isGreaterThan(399));
  }

  @Test
  void subjectsListsEveryRegisteredSubject() {
    client.register(subject, uniqueRecord("a"));
    client.register(subject + "-other", uniqueRecord("a"));

    assertThat(client.subjects()).contains(subject, subject + "-other");
  }

  @Test
  void heraldSerdesRoundTripThroughTheRegistry() {
    // Given a writer and a reader that share nothing but the registry
    String topic = "contract-" + UUID.randomUUID();
    AuditAlert alert = RandomRecords.of(AuditAlert.class, 42);
    HeraldSerde<AuditAlert> writer = HeraldSerde.of(AuditAlert.class, client);
    byte[] bytes = writer.serializer().serialize(topic, alert);
    // When
    AuditAlert back;
    try (SchemaRegistryClient other = new RestSchemaRegistryClient(registryUrl(), Map.of())) {
      back = HeraldSerde.of(AuditAlert.class, other).deserializer().deserialize(topic, bytes);
    }
    // Then
    assertThat(back).isEqualTo(alert);
    assertThat(AvroWireFormat.schemaId(bytes))
        .isEqualTo(client.getLatest(AvroWireFormat.valueSubject(topic)).id());
  }
}
