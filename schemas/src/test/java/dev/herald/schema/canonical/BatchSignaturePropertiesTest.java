package dev.herald.schema.canonical;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.schema.ReportBatch;
import dev.herald.schema.StateChange;
import dev.herald.schema.signing.BatchSignatures;
import dev.herald.schema.signing.Ed25519;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Signing round-trips, and the signature covers every field: flipping any single bit of any signed
 * field of a batch (or of any report in it) makes verification fail.
 */
class BatchSignaturePropertiesTest {
  private static final Ed25519.KeyPair KEYS = Ed25519.fromSeed(filled(32, (byte) 7));

  private static byte[] filled(int n, byte b) {
    byte[] out = new byte[n];
    java.util.Arrays.fill(out, b);
    return out;
  }

  @Provide
  Arbitrary<ReportBatch> batches() {
    Arbitrary<String> text = Arbitraries.strings().ofMinLength(1).ofMaxLength(12);
    Arbitrary<byte[]> hash = Arbitraries.bytes().array(byte[].class).ofSize(32);
    Arbitrary<StateChange> report =
        Combinators.combine(
                text,
                text,
                Arbitraries.longs().between(1, 1_000_000),
                hash,
                hash,
                Arbitraries.maps(text, text).ofMaxSize(3))
            .as(
                (entity, op, version, prev, state, attrs) ->
                    StateChange.newBuilder()
                        .setEventId("ev-" + entity + version)
                        .setGroup("g1")
                        .setEntityKey(entity)
                        .setVersion(version)
                        .setNodeId("node-1")
                        .setPrevStateHash(ByteBuffer.wrap(prev))
                        .setStateHash(ByteBuffer.wrap(state))
                        .setOpId(op)
                        .setOpDigest(ByteBuffer.wrap(state.clone()))
                        .setEventTime(Instant.ofEpochMilli(1_700_000_000_000L + version))
                        .setAttributes(new HashMap<>(attrs))
                        .build());
    return Combinators.combine(
            report.list().ofMinSize(1).ofMaxSize(4),
            Arbitraries.integers().between(0, 63),
            Arbitraries.longs().between(1, Long.MAX_VALUE))
        .as(
            (reports, partition, seq) ->
                ReportBatch.newBuilder()
                    .setNodeId("node-1")
                    .setKeyId(KEYS.keyId())
                    .setPartition(partition)
                    .setBatchSeq(seq)
                    .setCreatedAt(Instant.ofEpochMilli(1_700_000_000_000L))
                    .setReports(new ArrayList<>(reports))
                    .setSignature(ByteBuffer.allocate(0))
                    .build());
  }

  @Property
  void signedBatchVerifies(@ForAll("batches") ReportBatch batch) {
    BatchSignatures.sign(batch, KEYS.privateKey());
    assertThat(BatchSignatures.verify(batch, Ed25519.publicKey(KEYS.publicKey()))).isTrue();
  }

  @Property(tries = 2000)
  void flippingAnyBitOfAnySignedFieldBreaksTheSignature(
      @ForAll("batches") ReportBatch batch,
      @ForAll @IntRange(min = 0, max = 16) int field,
      @ForAll @IntRange(min = 0, max = 10_000) int bitSeed) {
    BatchSignatures.sign(batch, KEYS.privateKey());
    ReportBatch tampered = ReportBatch.newBuilder(batch).build();
    List<StateChange> reports = new ArrayList<>();
    for (StateChange r : batch.getReports()) {
      reports.add(StateChange.newBuilder(r).build());
    }
    tampered.setReports(reports);
    StateChange r = reports.get(bitSeed % reports.size());
    switch (field) {
      case 0 -> tampered.setNodeId(flip(tampered.getNodeId(), bitSeed));
      case 1 -> tampered.setKeyId(flip(tampered.getKeyId(), bitSeed));
      case 2 -> tampered.setPartition(tampered.getPartition() ^ (1 << (bitSeed % 32)));
      case 3 -> tampered.setBatchSeq(tampered.getBatchSeq() ^ (1L << (bitSeed % 64)));
      case 4 ->
          tampered.setCreatedAt(
              Instant.ofEpochMilli(
                  tampered.getCreatedAt().toEpochMilli() ^ (1L << (bitSeed % 63))));
      case 5 -> r.setEventId(flip(r.getEventId(), bitSeed));
      case 6 -> r.setGroup(flip(r.getGroup(), bitSeed));
      case 7 -> r.setEntityKey(flip(r.getEntityKey(), bitSeed));
      case 8 -> r.setVersion(r.getVersion() ^ (1L << (bitSeed % 64)));
      case 9 -> r.setNodeId(flip(r.getNodeId(), bitSeed));
      case 10 -> r.setPrevStateHash(flip(r.getPrevStateHash(), bitSeed));
      case 11 -> r.setStateHash(flip(r.getStateHash(), bitSeed));
      case 12 -> r.setOpId(flip(r.getOpId(), bitSeed));
      case 13 -> r.setOpDigest(flip(r.getOpDigest(), bitSeed));
      case 14 ->
          r.setEventTime(
              Instant.ofEpochMilli(r.getEventTime().toEpochMilli() ^ (1L << (bitSeed % 63))));
      case 15 ->
          flipAttribute(r, bitSeed, (m, e) -> m.put(flip(e.getKey(), bitSeed), e.getValue()));
      default ->
          flipAttribute(r, bitSeed, (m, e) -> m.put(e.getKey(), flip(e.getValue(), bitSeed)));
    }
    assertThat(BatchSignatures.verify(tampered, Ed25519.publicKey(KEYS.publicKey()))).isFalse();
  }

  @Property
  void flippingAnyBitOfTheSignatureBreaksIt(
      @ForAll("batches") ReportBatch batch, @ForAll @IntRange(min = 0, max = 511) int bit) {
    BatchSignatures.sign(batch, KEYS.privateKey());
    batch.setSignature(flip(batch.getSignature(), bit));
    assertThat(BatchSignatures.verify(batch, Ed25519.publicKey(KEYS.publicKey()))).isFalse();
  }

  private static void flipAttribute(
      StateChange r, int bitSeed, BiConsumer<Map<String, String>, Map.Entry<String, String>> put) {
    Map<String, String> attrs = new HashMap<>(r.getAttributes());
    if (attrs.isEmpty()) {
      attrs.put("added", "x"); // adding an attribute must break it as well
    } else {
      Map.Entry<String, String> e = List.copyOf(attrs.entrySet()).get(bitSeed % attrs.size());
      attrs.remove(e.getKey());
      put.accept(attrs, Map.entry(e.getKey(), e.getValue()));
    }
    r.setAttributes(attrs);
  }

  /** The string whose UTF-8 bytes differ from {@code s}'s in one bit (if still valid UTF-8). */
  private static String flip(CharSequence s, int bitSeed) {
    byte[] b = s.toString().getBytes(StandardCharsets.UTF_8);
    int bit = bitSeed % (b.length * 8);
    b[bit / 8] ^= (byte) (1 << (bit % 8));
    String out = new String(b, StandardCharsets.UTF_8);
    if (out.equals(s.toString())) {
      throw new AssertionError("flip did not change the string");
    }
    return out;
  }

  private static ByteBuffer flip(ByteBuffer buffer, int bitSeed) {
    ByteBuffer d = buffer.duplicate();
    byte[] b = new byte[d.remaining()];
    d.get(b);
    int bit = bitSeed % (b.length * 8);
    b[bit / 8] ^= (byte) (1 << (bit % 8));
    return ByteBuffer.wrap(b);
  }
}
