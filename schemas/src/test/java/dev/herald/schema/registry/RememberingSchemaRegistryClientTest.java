package dev.herald.schema.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.schema.DeadLetter;
import dev.herald.schema.Heartbeat;
import dev.herald.schema.HeartbeatStatus;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.serde.MalformedRecordException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the registry said survives a restart: after a restart with the registry down, known ids are
 * read and known schemas written without a registry call; the file belongs to one registry.
 */
class RememberingSchemaRegistryClientTest {
  private static final String URL = "http://registry.example:8081";
  private static final String TOPIC = "herald.heartbeats.v1";

  @TempDir Path dir;
  private final FlakyRegistry registry = new FlakyRegistry();

  private RememberingSchemaRegistryClient remembering(String name) {
    return new RememberingSchemaRegistryClient(registry, dir.resolve("schemas.json"), name);
  }

  @Test
  void aRestartedProcessReadsAndWritesWhatItKnewWhileTheRegistryIsDown() {
    // Given: a first run learns the heartbeat schema by reading, the dead letter one by writing
    byte[] heartbeat =
        new AvroWireFormat<>(Heartbeat.class, registry).serialize(TOPIC, heartbeat());
    RememberingSchemaRegistryClient first = remembering(URL);
    new AvroWireFormat<>(Heartbeat.class, first).deserialize(TOPIC, heartbeat);
    byte[] letter =
        new AvroWireFormat<>(DeadLetter.class, first).serialize("herald.dlq.v1", dead());
    // When: the registry stops and the process starts again
    registry.down(true);
    int callsBefore = registry.calls();
    RememberingSchemaRegistryClient second = remembering(URL);
    Heartbeat read = new AvroWireFormat<>(Heartbeat.class, second).deserialize(TOPIC, heartbeat);
    byte[] again =
        new AvroWireFormat<>(DeadLetter.class, second).serialize("herald.dlq.v1", dead());
    // Then: the heartbeat decodes without a call; the dead letter gets its remembered id
    assertThat(read.getNodeId()).isEqualTo("node-1");
    assertThat(registry.calls() - callsBefore).isEqualTo(1); // the register attempt, refused
    assertThat(AvroWireFormat.schemaId(again)).isEqualTo(AvroWireFormat.schemaId(letter));
    assertThat(second.status().reachable()).isFalse();
  }

  @Test
  void anIdNeverLearnedWaitsForTheRegistry() {
    byte[] heartbeat =
        new AvroWireFormat<>(Heartbeat.class, registry).serialize(TOPIC, heartbeat());
    registry.down(true);
    RememberingSchemaRegistryClient client = remembering(URL);

    assertThatThrownBy(
            () -> new AvroWireFormat<>(Heartbeat.class, client).deserialize(TOPIC, heartbeat))
        .isInstanceOfSatisfying(
            MalformedRecordException.class,
            e ->
                assertThat(e.reason())
                    .isEqualTo(MalformedRecordException.Reason.REGISTRY_UNAVAILABLE));
  }

  @Test
  void aFileWrittenForAnotherRegistryIsIgnored() {
    // Given
    int id = registry.register("s", Heartbeat.getClassSchema());
    remembering(URL).getById(id);
    registry.down(true);
    // When
    RememberingSchemaRegistryClient other = remembering("http://other:8081");
    // Then
    assertThatThrownBy(() -> other.getById(id)).isInstanceOf(SchemaRegistryException.class);
    assertThat(remembering(URL).getById(id)).isEqualTo(Heartbeat.getClassSchema());
  }

  @Test
  void anUnreadableFileIsIgnored() throws Exception {
    Files.writeString(dir.resolve("schemas.json"), "{not json");
    int id = registry.register("s", Heartbeat.getClassSchema());

    assertThat(remembering(URL).getById(id)).isEqualTo(Heartbeat.getClassSchema());
  }

  @Test
  void afterAFailureTheRegistryIsNotAskedAgainWithinTheQuietPeriod() {
    // Given
    MutableClock clock = new MutableClock();
    RememberingSchemaRegistryClient client =
        new RememberingSchemaRegistryClient(registry, null, URL, clock, Duration.ofSeconds(1));
    registry.down(true);
    assertThatThrownBy(() -> client.getById(1)).isInstanceOf(SchemaRegistryException.class);
    int calls = registry.calls();
    // When
    for (int i = 0; i < 100; i++) {
      assertThatThrownBy(() -> client.getById(1)).isInstanceOf(SchemaRegistryException.class);
    }
    registry.down(false);
    int id = registry.register("s", Heartbeat.getClassSchema());
    clock.advance(Duration.ofMillis(1_001));
    // Then
    assertThat(registry.calls() - calls).isEqualTo(1); // the register above
    assertThat(client.getById(id)).isEqualTo(Heartbeat.getClassSchema());
    assertThat(client.status().reachable()).isTrue();
  }

  @Test
  void aClosedClientAsksNothingAndSaysSo() {
    RememberingSchemaRegistryClient client = remembering(URL);
    client.close();

    assertThatThrownBy(() -> client.getById(1))
        .isInstanceOfSatisfying(
            SchemaRegistryException.class,
            e -> assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.CLOSED));
    assertThat(registry.calls()).isZero();
  }

  @Test
  void atMostAThousandSchemasAreRemembered() {
    RememberingSchemaRegistryClient client = remembering(URL);
    for (int i = 0; i < RememberingSchemaRegistryClient.MAX_REMEMBERED + 20; i++) {
      client.getById(
          registry.register(
              "s" + i, SchemaBuilder.record("R" + i).fields().requiredInt("a").endRecord()));
    }

    assertThat(client.status().remembered())
        .isEqualTo(RememberingSchemaRegistryClient.MAX_REMEMBERED);
  }

  private static Heartbeat heartbeat() {
    return Heartbeat.newBuilder()
        .setNodeId("node-1")
        .setGroups(List.of("payments"))
        .setRegion("eu-west")
        .setSequence(42)
        .setEventTime(Instant.ofEpochMilli(1_700_000_000_000L))
        .setStatus(HeartbeatStatus.UP)
        .setKeyId("ab12")
        .setSignature(ByteBuffer.wrap(new byte[] {1, 2, 3}))
        .build();
  }

  private static DeadLetter dead() {
    return DeadLetter.newBuilder()
        .setTopic("t")
        .setPartition(0)
        .setOffset(1)
        .setKey(null)
        .setValue(ByteBuffer.wrap(new byte[] {1}))
        .setReason("EMPTY")
        .setDetail("")
        .setDetectedAt(Instant.EPOCH)
        .build();
  }

  private static final class MutableClock extends Clock {
    private Instant now = Instant.parse("2026-01-01T00:00:00Z");

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
