package dev.herald.schema.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.schema.ReportBatch;
import dev.herald.schema.StateChange;
import dev.herald.schema.registry.InMemorySchemaRegistryClient;
import dev.herald.schema.serde.MalformedRecordException.Reason;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.DecoderFactory;
import org.junit.jupiter.api.Test;

/**
 * Decoding is bounded by the record's own bytes: a few bytes that declare a huge string or array
 * are refused before Avro allocates anything, and everything Avro itself reads to the end passes.
 */
class AvroBoundsTest {
  private static final String TOPIC = "herald.state-changes.v1";
  private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
  private final AvroWireFormat<ReportBatch> format =
      new AvroWireFormat<>(ReportBatch.class, registry);

  @Test
  void aTenByteRecordDeclaringAHugeArrayAllocatesAlmostNothing() {
    // Given: nodeId "", keyId "", partition 0, batchSeq 0, createdAt 0, then reports: 2^28 items
    byte[] header = Arrays.copyOf(format.serialize(TOPIC, batch(1)), AvroWireFormat.HEADER_SIZE);
    byte[] body = {0, 0, 0, 0, 0, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x02};
    byte[] evil = concat(header, body);
    // When
    long allocated = allocatedWhile(() -> assertMalformed(evil));
    // Then: far less than the 1-2 GiB an array of 2^28 references takes
    assertThat(allocated).isLessThan(16L << 20);
  }

  @Test
  void aRecordDeclaringAGigabyteStringAllocatesAlmostNothing() {
    byte[] header = Arrays.copyOf(format.serialize(TOPIC, batch(1)), AvroWireFormat.HEADER_SIZE);
    // nodeId declared as 2^30 bytes long (zig-zag varint of 2^30), with nothing behind it
    byte[] body = {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x08};
    byte[] evil = concat(header, body);

    long allocated = allocatedWhile(() -> assertMalformed(evil));

    assertThat(allocated).isLessThan(16L << 20);
  }

  @Test
  void aBatchOfManyReportsPasses() {
    ReportBatch batch = batch(256);

    assertThat(format.deserialize(TOPIC, format.serialize(TOPIC, batch))).isEqualTo(batch);
  }

  @Test
  void itemsThatTakeNoByteAreCountedAgainstTheirOwnLimit() {
    // Given: an array of nulls, 1,000 items in 2 bytes
    Schema nulls = SchemaBuilder.array().items().nullType();
    AvroBounds bounds = new AvroBounds(nulls, 100);
    byte[] thousandNulls = {(byte) 0xd0, 0x0f, 0};
    // When / Then
    assertThatThrownBy(() -> bounds.check(thousandNulls, 0))
        .isInstanceOfSatisfying(
            MalformedRecordException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.MALFORMED_PAYLOAD));
    new AvroBounds(nulls, 1_000).check(thousandNulls, 0);
  }

  @Property(tries = 500)
  void everyRecordAvroWritesPassesTheBounds(
      @ForAll("sizes") int reports, @ForAll("texts") String text) {
    ReportBatch batch = batch(reports);
    batch.setNodeId(text);
    batch.getReports().forEach(r -> r.setAttributes(Map.of(text, text)));
    byte[] bytes = format.serialize(TOPIC, batch);

    new AvroBounds(ReportBatch.getClassSchema(), 1 << 16).check(bytes, 5);
    assertThat(format.deserialize(TOPIC, bytes)).isEqualTo(batch);
  }

  @Property(tries = 3000)
  void whatPassesTheBoundsNeverMakesAvroAllocateMoreThanItsSize(@ForAll("bodies") byte[] body) {
    Schema writer = ReportBatch.getClassSchema();
    try {
      new AvroBounds(writer, 1 << 16).check(body, 0);
    } catch (MalformedRecordException e) {
      assertThat(e.reason()).isEqualTo(Reason.MALFORMED_PAYLOAD);
      return;
    }
    long allocated =
        allocatedWhile(
            () -> {
              try {
                new GenericDatumReader<>(writer)
                    .read(null, DecoderFactory.get().binaryDecoder(body, null));
              } catch (IOException | RuntimeException e) {
                // bad in another way (invalid UTF-8, ...): the wire format says MALFORMED_PAYLOAD
              }
            });
    assertThat(allocated).isLessThan(16L << 20);
  }

  @Provide
  Arbitrary<Integer> sizes() {
    return Arbitraries.integers().between(0, 300);
  }

  @Provide
  Arbitrary<String> texts() {
    return Arbitraries.strings().ofMaxLength(300);
  }

  @Provide
  Arbitrary<byte[]> bodies() {
    // Valid batches with one byte changed, and plain random bytes.
    Arbitrary<byte[]> mutated =
        Arbitraries.integers()
            .between(0, 4)
            .flatMap(
                n ->
                    Arbitraries.integers()
                        .between(0, 1_000)
                        .flatMap(
                            at ->
                                Arbitraries.bytes()
                                    .map(
                                        b -> {
                                          byte[] framed = format.serialize(TOPIC, batch(n));
                                          byte[] bytes =
                                              Arrays.copyOfRange(
                                                  framed,
                                                  AvroWireFormat.HEADER_SIZE,
                                                  framed.length);
                                          if (bytes.length > 0) {
                                            bytes[at % bytes.length] = b;
                                          }
                                          return bytes;
                                        })));
    Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(200);
    return Arbitraries.oneOf(mutated, random);
  }

  static ReportBatch batch(int reports) {
    List<StateChange> list = new ArrayList<>();
    for (int i = 0; i < reports; i++) {
      list.add(
          StateChange.newBuilder()
              .setEventId("e-" + i)
              .setGroup("payments")
              .setEntityKey("acct-" + i)
              .setVersion(i + 1)
              .setNodeId("node-1")
              .setPrevStateHash(ByteBuffer.wrap(new byte[32]))
              .setStateHash(ByteBuffer.wrap(new byte[32]))
              .setOpId("op-" + i)
              .setOpDigest(ByteBuffer.wrap(new byte[32]))
              .setEventTime(Instant.ofEpochMilli(1_700_000_000_000L))
              .setAttributes(Map.of("k", "v"))
              .build());
    }
    return ReportBatch.newBuilder()
        .setNodeId("node-1")
        .setKeyId("ab12")
        .setPartition(0)
        .setBatchSeq(1)
        .setCreatedAt(Instant.ofEpochMilli(1_700_000_000_000L))
        .setReports(list)
        .setSignature(ByteBuffer.wrap(new byte[64]))
        .build();
  }

  private void assertMalformed(byte[] bytes) {
    assertThatThrownBy(() -> format.deserialize(TOPIC, bytes))
        .isInstanceOfSatisfying(
            MalformedRecordException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.MALFORMED_PAYLOAD));
  }

  /** Bytes allocated by this thread while {@code r} runs. */
  private static long allocatedWhile(Runnable r) {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long id = Thread.currentThread().getId();
    r.run(); // warm up: class loading and the first reader are not what is measured
    long before = threads.getThreadAllocatedBytes(id);
    r.run();
    return threads.getThreadAllocatedBytes(id) - before;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
