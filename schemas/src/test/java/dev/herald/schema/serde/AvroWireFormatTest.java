package dev.herald.schema.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.schema.Heartbeat;
import dev.herald.schema.HeartbeatStatus;
import dev.herald.schema.NodeRecord;
import dev.herald.schema.registry.InMemorySchemaRegistryClient;
import dev.herald.schema.registry.RestSchemaRegistryClient;
import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.serde.MalformedRecordException.Reason;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;

/**
 * The Confluent wire format: a record round-trips, and every kind of bad input raises {@link
 * MalformedRecordException} with the reason the dead-letter topic records — never anything else.
 */
class AvroWireFormatTest {
  private static final String TOPIC = "herald.heartbeats.v1";

  private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
  private final AvroWireFormat<Heartbeat> format = new AvroWireFormat<>(Heartbeat.class, registry);

  static Heartbeat heartbeat() {
    return Heartbeat.newBuilder()
        .setNodeId("node-1")
        .setGroups(List.of("payments", "ledger"))
        .setRegion("eu-west")
        .setSequence(42)
        .setEventTime(Instant.ofEpochMilli(1_700_000_000_000L))
        .setStatus(HeartbeatStatus.DEGRADED)
        .setKeyId("ab12")
        .setSignature(ByteBuffer.wrap(new byte[] {1, 2, 3}))
        .build();
  }

  private byte[] valid() {
    return format.serialize(TOPIC, heartbeat());
  }

  @Test
  void aRecordRoundTripsWithTheConfluentHeader() {
    byte[] bytes = valid();

    assertThat(bytes[0]).isEqualTo(AvroWireFormat.MAGIC_BYTE);
    assertThat(AvroWireFormat.schemaId(bytes))
        .isEqualTo(registry.getLatest(AvroWireFormat.valueSubject(TOPIC)).id());
    assertThat(format.deserialize(TOPIC, bytes)).isEqualTo(heartbeat());
  }

  @Test
  void aRecordWrittenWithAnOlderCompatibleSchemaIsRead() {
    // Given: a writer schema without the defaulted keyId field, registered as its own id
    Schema older =
        SchemaBuilder.record("Heartbeat")
            .namespace("dev.herald.schema")
            .fields()
            .requiredString("nodeId")
            .name("groups")
            .type()
            .array()
            .items()
            .stringType()
            .noDefault()
            .requiredString("region")
            .requiredLong("sequence")
            .name("eventTime")
            .type(Heartbeat.getClassSchema().getField("eventTime").schema())
            .noDefault()
            .name("status")
            .type(Heartbeat.getClassSchema().getField("status").schema())
            .noDefault()
            .requiredBytes("signature")
            .endRecord();
    int id = registry.register("old", older);
    GenericData.Record old = new GenericData.Record(older);
    old.put("nodeId", "node-1");
    old.put("groups", List.of());
    old.put("region", "eu");
    old.put("sequence", 42L);
    old.put("eventTime", 0L);
    old.put("status", new GenericData.EnumSymbol(older.getField("status").schema(), "UP"));
    old.put("signature", ByteBuffer.allocate(0));
    byte[] body = withHeader(id, old);
    // When
    Heartbeat read = format.deserialize(TOPIC, body);
    // Then
    assertThat(read.getKeyId()).isEmpty();
    assertThat(read.getSequence()).isEqualTo(42);
  }

  @Test
  void aWrongMagicByteIsBadMagicByte() {
    byte[] bytes = valid();
    bytes[0] = 1;

    assertReason(bytes, Reason.BAD_MAGIC_BYTE);
  }

  @Test
  void anUnknownSchemaIdIsUnknownSchema() {
    byte[] bytes = valid();
    ByteBuffer.wrap(bytes, 1, 4).putInt(99_999);

    assertReason(bytes, Reason.UNKNOWN_SCHEMA);
  }

  @Test
  void anIdOfAnotherRecordTypeIsIncompatibleSchema() {
    int other = registry.register("nodes", NodeRecord.getClassSchema());
    byte[] bytes = valid();
    ByteBuffer.wrap(bytes, 1, 4).putInt(other);

    assertReason(bytes, Reason.INCOMPATIBLE_SCHEMA);
  }

  @Test
  void aHeaderShorterThanFiveBytesIsTruncatedHeader() {
    assertReason(new byte[] {0, 0, 1}, Reason.TRUNCATED_HEADER);
  }

  @Test
  void aTruncatedPayloadIsMalformedPayload() {
    byte[] bytes = valid();

    assertReason(Arrays.copyOf(bytes, bytes.length - 4), Reason.MALFORMED_PAYLOAD);
  }

  @Test
  void trailingBytesAreMalformedPayload() {
    byte[] bytes = valid();

    assertReason(Arrays.copyOf(bytes, bytes.length + 3), Reason.MALFORMED_PAYLOAD);
  }

  @Test
  void aHeaderWithoutBodyIsMalformedPayload() {
    byte[] bytes = Arrays.copyOf(valid(), AvroWireFormat.HEADER_SIZE);

    assertReason(bytes, Reason.MALFORMED_PAYLOAD);
  }

  @Test
  void emptyAndNullPayloadsAreEmpty() {
    assertReason(new byte[0], Reason.EMPTY);
    assertReason(null, Reason.EMPTY);
  }

  @Test
  void aPayloadOverTheLimitIsOversized() {
    AvroWireFormat<Heartbeat> small = new AvroWireFormat<>(Heartbeat.class, registry, 16);
    byte[] bytes = valid();

    assertThatThrownBy(() -> small.deserialize(TOPIC, bytes))
        .isInstanceOfSatisfying(
            MalformedRecordException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.OVERSIZED));
  }

  @Test
  void aHugeDeclaredLengthIsMalformedPayloadNotAnOutOfMemoryError() {
    byte[] bytes = valid();
    byte[] header = Arrays.copyOf(bytes, AvroWireFormat.HEADER_SIZE);
    // nodeId declared as 2^31 bytes long (zig-zag varint), with nothing behind it
    byte[] body = {(byte) 0xfe, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f};
    byte[] evil = new byte[header.length + body.length];
    System.arraycopy(header, 0, evil, 0, header.length);
    System.arraycopy(body, 0, evil, header.length, body.length);

    assertReason(evil, Reason.MALFORMED_PAYLOAD);
  }

  @Test
  void anUnreachableRegistryIsRegistryUnavailable() {
    byte[] bytes = valid();
    SchemaRegistryClient down =
        new RestSchemaRegistryClient("http://127.0.0.1:" + closedPort(), Map.of());

    assertThatThrownBy(() -> new AvroWireFormat<>(Heartbeat.class, down).deserialize(TOPIC, bytes))
        .isInstanceOfSatisfying(
            MalformedRecordException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.REGISTRY_UNAVAILABLE));
  }

  @Property(tries = 2000)
  void randomBytesNeverThrowAnythingButMalformedRecord(@ForAll @Size(max = 200) byte[] bytes) {
    try {
      format.deserialize(TOPIC, bytes);
    } catch (MalformedRecordException e) {
      assertThat(e.reason()).isNotNull();
    }
  }

  @Property(tries = 2000)
  void randomBodiesBehindAValidHeaderNeverThrowAnythingButMalformedRecord(
      @ForAll("bodies") byte[] body) {
    byte[] header = Arrays.copyOf(valid(), AvroWireFormat.HEADER_SIZE);
    byte[] bytes = new byte[header.length + body.length];
    System.arraycopy(header, 0, bytes, 0, header.length);
    System.arraycopy(body, 0, bytes, header.length, body.length);
    try {
      Heartbeat read = format.deserialize(TOPIC, bytes);
      assertThat(read).isNotNull();
    } catch (MalformedRecordException e) {
      assertThat(e.reason()).isIn(Reason.MALFORMED_PAYLOAD);
    }
  }

  @Provide
  Arbitrary<byte[]> bodies() {
    return Arbitraries.bytes().array(byte[].class).ofMaxSize(120);
  }

  static byte[] withHeader(int id, GenericData.Record record) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(ByteBuffer.allocate(5).put(AvroWireFormat.MAGIC_BYTE).putInt(id).array());
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    try {
      new GenericDatumWriter<GenericData.Record>(record.getSchema()).write(record, encoder);
      encoder.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  static int closedPort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void assertReason(byte[] bytes, Reason reason) {
    assertThatThrownBy(() -> format.deserialize(TOPIC, bytes))
        .isInstanceOfSatisfying(
            MalformedRecordException.class, e -> assertThat(e.reason()).isEqualTo(reason));
  }
}
