package dev.herald.it.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.Topics;
import dev.herald.schema.registry.RestSchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import java.time.Duration;
import java.util.Map;
import org.apache.flink.avro.registry.confluent.shaded.io.confluent.kafka.schemaregistry.client.CachedSchemaRegistryClient;
import org.apache.flink.avro.shaded.org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * Herald's records with Apicurio Registry's official image ({@code apicurio/apicurio-registry}) as
 * the schema registry, through its Confluent-compatible API: Herald's client registers and writes,
 * Confluent's client (relocated in flink-sql-avro-confluent-registry) resolves the ids Herald wrote
 * and decodes the records, and Herald's own reader decodes them too. Needs Docker ({@link
 * RequiresDocker}); without it, the registry contract tests run the same Apicurio version from its
 * Maven Central distribution.
 */
@Tag("slow")
@Tag("interop")
@RequiresDocker
class ApicurioRegistryInteropIT {
  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  private static GenericContainer<?> apicurio;

  @BeforeAll
  static void start() {
    apicurio =
        new GenericContainer<>(
                DockerImageName.parse(
                    "apicurio/apicurio-registry:"
                        + System.getProperty("herald.apicurio.version", "3.3.3")))
            .withExposedPorts(8080)
            .waitingFor(Wait.forHttp("/apis/ccompat/v7/subjects").forStatusCode(200))
            .withStartupTimeout(Duration.ofMinutes(3));
    apicurio.start();
  }

  @AfterAll
  static void stop() {
    if (apicurio != null) {
      apicurio.stop();
    }
  }

  @Test
  void confluentsClientReadsWhatHeraldWroteThroughApicurio() throws Exception {
    // Given
    String ccompat =
        "http://" + apicurio.getHost() + ":" + apicurio.getMappedPort(8080) + "/apis/ccompat/v7";
    AuditAlert alert = InteropRecords.alert(1_767_225_600_000L);
    byte[] value;
    try (RestSchemaRegistryClient herald = new RestSchemaRegistryClient(ccompat, Map.of())) {
      value = new AvroWireFormat<>(AuditAlert.class, herald).serialize(Topics.ALERTS, alert);
      // When Herald reads it back and Confluent's client resolves its schema id
      assertThat(new AvroWireFormat<>(AuditAlert.class, herald).deserialize(Topics.ALERTS, value))
          .isEqualTo(alert);
    }
    CachedSchemaRegistryClient confluent = new CachedSchemaRegistryClient(ccompat, 10);
    GenericRecord decoded = InteropRecords.decodeWithConfluent(confluent, value);
    // Then
    assertThat(decoded.get("alertId").toString()).isEqualTo("interop-eq-1");
    assertThat(decoded.get("type").toString()).isEqualTo("EQUIVOCATION");
    assertThat(confluent.getAllSubjects()).contains(AvroWireFormat.valueSubject(Topics.ALERTS));
    // and Herald's whole record set goes through the same registry onto a real broker
    InteropRecords.write(KAFKA.bootstrapServers(), ccompat, 1);
  }
}
