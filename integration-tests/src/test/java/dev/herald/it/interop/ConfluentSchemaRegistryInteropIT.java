package dev.herald.it.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.schema.Heartbeat;
import dev.herald.schema.Topics;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.signing.BatchSignatures;
import dev.herald.schema.signing.Ed25519;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.flink.avro.registry.confluent.shaded.io.confluent.kafka.schemaregistry.client.CachedSchemaRegistryClient;
import org.apache.flink.avro.shaded.org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.Container;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.kafka.ConfluentKafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * Herald's records, written by Herald's serializer against the genuine Confluent Schema Registry
 * ({@code confluentinc/cp-schema-registry}) on a Confluent broker ({@code confluentinc/cp-kafka}),
 * are read back by Confluent's own tools: the registry's {@code kafka-avro-console-consumer} inside
 * its image, and Confluent's {@code CachedSchemaRegistryClient} (relocated in
 * flink-sql-avro-confluent-registry) with a plain Avro reader. Needs Docker ({@link
 * RequiresDocker}); without it, ConfluentClientConformanceIT covers the client against Herald's
 * registry.
 */
@Tag("slow")
@Tag("interop")
@RequiresDocker
class ConfluentSchemaRegistryInteropIT {
  static final String CONFLUENT = "7.9.0";
  private static Network network;
  private static ConfluentKafkaContainer kafka;
  private static GenericContainer<?> registry;

  @BeforeAll
  static void start() {
    network = Network.newNetwork();
    kafka =
        new ConfluentKafkaContainer(DockerImageName.parse("confluentinc/cp-kafka:" + CONFLUENT))
            .withNetwork(network)
            .withNetworkAliases("kafka")
            .withListener("kafka:19092");
    kafka.start();
    registry =
        new GenericContainer<>(
                DockerImageName.parse("confluentinc/cp-schema-registry:" + CONFLUENT))
            .withNetwork(network)
            .withExposedPorts(8081)
            .withEnv("SCHEMA_REGISTRY_HOST_NAME", "schema-registry")
            .withEnv("SCHEMA_REGISTRY_LISTENERS", "http://0.0.0.0:8081")
            .withEnv("SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS", "PLAINTEXT://kafka:19092")
            .waitingFor(Wait.forHttp("/subjects").forStatusCode(200))
            .withStartupTimeout(Duration.ofMinutes(3));
    registry.start();
  }

  @AfterAll
  static void stop() {
    if (registry != null) {
      registry.stop();
    }
    if (kafka != null) {
      kafka.stop();
    }
    if (network != null) {
      network.close();
    }
  }

  private static String registryUrl() {
    return "http://" + registry.getHost() + ":" + registry.getMappedPort(8081);
  }

  @Test
  void confluentsClientAndConsoleConsumerReadHeraldsRecords() throws Exception {
    // Given Herald's records, registered in Confluent's registry by Herald's client
    InteropRecords.write(kafka.getBootstrapServers(), registryUrl(), 1);
    // When Confluent's client looks up the writer schema of a heartbeat record by its id
    ConsumerRecord<String, byte[]> first = firstHeartbeat();
    CachedSchemaRegistryClient confluent = new CachedSchemaRegistryClient(registryUrl(), 10);
    GenericRecord decoded = InteropRecords.decodeWithConfluent(confluent, first.value());
    // Then it decodes to the heartbeat Herald signed, whose signature still verifies
    assertThat(decoded.get("nodeId").toString()).isEqualTo(first.key());
    Heartbeat again =
        InteropRecords.heartbeat(
            first.key(), (Long) decoded.get("sequence"), (Long) decoded.get("eventTime"));
    assertThat(ByteBuffer.wrap(bytes((ByteBuffer) decoded.get("signature"))))
        .isEqualTo(again.getSignature());
    assertThat(
            BatchSignatures.verify(
                again, Ed25519.publicKey(InteropRecords.key(first.key()).publicKey())))
        .isTrue();
    assertThat(confluent.getAllSubjects())
        .contains(
            AvroWireFormat.valueSubject(Topics.HEARTBEATS),
            AvroWireFormat.valueSubject(Topics.ALERTS),
            AvroWireFormat.valueSubject(Topics.NODES));
    // and the registry image's own console consumer prints the alert as JSON
    Container.ExecResult out =
        registry.execInContainer(
            "kafka-avro-console-consumer",
            "--bootstrap-server",
            "kafka:19092",
            "--topic",
            Topics.ALERTS,
            "--from-beginning",
            "--max-messages",
            "1",
            "--property",
            "schema.registry.url=http://localhost:8081");
    assertThat(out.getStdout()).contains("\"alertId\":\"interop-eq-1\"", "EQUIVOCATION");
  }

  private static ConsumerRecord<String, byte[]> firstHeartbeat() {
    Properties p = new Properties();
    p.put("bootstrap.servers", kafka.getBootstrapServers());
    p.put("group.id", "interop-" + System.nanoTime());
    p.put("auto.offset.reset", "earliest");
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(Topics.HEARTBEATS));
      long deadline = System.currentTimeMillis() + 60_000;
      while (System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          return r;
        }
      }
    }
    throw new AssertionError("no heartbeat record within 60 s");
  }

  private static byte[] bytes(ByteBuffer b) {
    ByteBuffer d = b.duplicate();
    byte[] out = new byte[d.remaining()];
    d.get(out);
    return out;
  }
}
