package dev.herald.schema.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.schema.Heartbeat;
import dev.herald.schema.NodeRecord;
import dev.herald.schema.registry.FlakyRegistry;
import dev.herald.schema.serde.MalformedRecordException.Reason;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.junit.jupiter.api.Test;

/**
 * How the wire format uses the registry: unknown ids are remembered for a while, an unreachable
 * registry is never remembered, pinned and compatible writer schemas are read, incompatible ones
 * are refused, and the caches stay bounded.
 */
class AvroWireFormatRegistryTest {
  private static final String TOPIC = "herald.heartbeats.v1";
  private static final byte[] UNKNOWN_ID = {0, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff};

  private final FlakyRegistry registry = new FlakyRegistry();
  private final AtomicLong nanos = new AtomicLong();
  private final AvroWireFormat<Heartbeat> format =
      new AvroWireFormat<>(
          Heartbeat.class, registry, Integer.MAX_VALUE, Duration.ofSeconds(60), nanos::get);

  @Test
  void aFloodOfOneUnknownIdCostsOneRegistryCallPerTtl() {
    // Given
    int before = registry.calls();
    // When: 1,000 records with the unknown id 0x7fffffff, then the TTL passes, then 1,000 more
    for (int i = 0; i < 1_000; i++) {
      assertReason(format, UNKNOWN_ID, Reason.UNKNOWN_SCHEMA);
    }
    int duringTtl = registry.calls() - before;
    nanos.addAndGet(Duration.ofSeconds(61).toNanos());
    for (int i = 0; i < 1_000; i++) {
      assertReason(format, UNKNOWN_ID, Reason.UNKNOWN_SCHEMA);
    }
    // Then
    assertThat(duringTtl).isEqualTo(1);
    assertThat(registry.calls() - before).isEqualTo(2);
  }

  @Test
  void anUnreachableRegistryIsAskedAgainAndTheRecordDecodesOnceItAnswers() {
    // Given: a heartbeat whose schema this format has never seen, and the registry down
    byte[] bytes = new AvroWireFormat<>(Heartbeat.class, registry).serialize(TOPIC, heartbeat());
    registry.down(true);
    // When
    assertReason(format, bytes, Reason.REGISTRY_UNAVAILABLE);
    assertReason(format, bytes, Reason.REGISTRY_UNAVAILABLE);
    registry.down(false);
    // Then
    assertThat(format.deserialize(TOPIC, bytes)).isEqualTo(heartbeat());
  }

  @Test
  void theRejectedIdsRememberedStayBounded() {
    for (int id = 1_000; id < 1_000 + AvroWireFormat.MAX_REJECTED + 500; id++) {
      byte[] bytes = ByteBuffer.allocate(6).put((byte) 0).putInt(id).put((byte) 0).array();
      assertReason(format, bytes, Reason.UNKNOWN_SCHEMA);
    }

    assertThat(format.rememberedRejections()).isBetween(1, AvroWireFormat.MAX_REJECTED);
  }

  @Test
  void theReadersCachedStayBounded() {
    // Given: more compatible writer schemas (each with one more defaulted field) than the cache
    for (int extra = 1; extra <= AvroWireFormat.MAX_READERS + 10; extra++) {
      Schema writer = withExtraFields(extra);
      int id = registry.register("wide-" + extra, writer);
      byte[] bytes = serializeWith(id, writer);
      // When
      Heartbeat read = format.deserialize(TOPIC, bytes);
      // Then
      assertThat(read.getNodeId()).isEqualTo("node-1");
    }
    assertThat(format.cachedReaders()).isBetween(1, AvroWireFormat.MAX_READERS);
  }

  @Test
  void everyReleasedVersionOfARecordIsPinned() {
    PinnedSchemas.releasedVersions()
        .forEach(
            (version, schemas) ->
                schemas.forEach(
                    (name, schema) ->
                        assertThat(PinnedSchemas.isPinned(schema, schema))
                            .as(version + " " + name)
                            .isTrue()));
    Schema v1Heartbeat =
        PinnedSchemas.releasedVersions().get("v1").get(Heartbeat.SCHEMA$.getFullName());

    assertThat(PinnedSchemas.isPinned(Heartbeat.getClassSchema(), v1Heartbeat)).isTrue();
    assertThat(PinnedSchemas.isPinned(Heartbeat.getClassSchema(), withExtraFields(1))).isFalse();
  }

  @Test
  void aRecordWrittenWithTheReleasedV1SchemaIsRead() {
    // Given: the v1 heartbeat schema, as released, registered as a writer schema
    Schema v1 = PinnedSchemas.releasedVersions().get("v1").get(Heartbeat.SCHEMA$.getFullName());
    int id = registry.register("v1", v1);
    // When
    Heartbeat read = format.deserialize(TOPIC, serializeWith(id, v1));
    // Then
    assertThat(read.getNodeId()).isEqualTo("node-1");
  }

  @Test
  void aSchemaWithTheRightNameThatCannotBeReadIsIncompatible() {
    // Given: a "Heartbeat" whose nodeId is a long
    Schema odd =
        SchemaBuilder.record("Heartbeat")
            .namespace("dev.herald.schema")
            .fields()
            .requiredLong("nodeId")
            .endRecord();
    int id = registry.register("odd", odd);
    byte[] bytes = ByteBuffer.allocate(6).put((byte) 0).putInt(id).put((byte) 2).array();
    int before = registry.calls();
    // When / Then: refused, and remembered (the second record asks nothing)
    assertReason(format, bytes, Reason.INCOMPATIBLE_SCHEMA);
    assertReason(format, bytes, Reason.INCOMPATIBLE_SCHEMA);
    assertThat(registry.calls() - before).isEqualTo(1);
  }

  @Test
  void anIdOfAnotherRecordIsIncompatible() {
    int id = registry.register("nodes", NodeRecord.getClassSchema());
    byte[] bytes = ByteBuffer.allocate(6).put((byte) 0).putInt(id).put((byte) 0).array();

    assertReason(format, bytes, Reason.INCOMPATIBLE_SCHEMA);
  }

  static Heartbeat heartbeat() {
    return AvroWireFormatTest.heartbeat();
  }

  /** The current heartbeat schema with {@code n} extra defaulted fields (a newer writer). */
  private static Schema withExtraFields(int n) {
    SchemaBuilder.FieldAssembler<Schema> fields =
        SchemaBuilder.record("Heartbeat").namespace("dev.herald.schema").fields();
    for (Schema.Field f : Heartbeat.getClassSchema().getFields()) {
      fields = fields.name(f.name()).type(f.schema()).noDefault();
    }
    for (int i = 0; i < n; i++) {
      fields = fields.name("extra" + i).type().stringType().stringDefault("");
    }
    return fields.endRecord();
  }

  /** A heartbeat written with {@code writer} under {@code id}. */
  private static byte[] serializeWith(int id, Schema writer) {
    GenericData.Record r = new GenericData.Record(writer);
    Heartbeat h = heartbeat();
    for (Schema.Field f : writer.getFields()) {
      Schema.Field current = Heartbeat.getClassSchema().getField(f.name());
      r.put(f.name(), current == null ? "" : genericValue(h.get(current.pos()), f.schema()));
    }
    return AvroWireFormatTest.withHeader(id, r);
  }

  private static Object genericValue(Object value, Schema schema) {
    if (schema.getType() == Schema.Type.ENUM) {
      return new GenericData.EnumSymbol(schema, value.toString());
    }
    if (value instanceof Instant i) {
      return i.toEpochMilli();
    }
    return value;
  }

  private static void assertReason(AvroWireFormat<Heartbeat> format, byte[] bytes, Reason reason) {
    assertThatThrownBy(() -> format.deserialize(TOPIC, bytes))
        .isInstanceOfSatisfying(
            MalformedRecordException.class, e -> assertThat(e.reason()).isEqualTo(reason));
  }
}
