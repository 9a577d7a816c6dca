package dev.herald.it.adversarial;

import dev.herald.schema.ReportBatch;
import dev.herald.schema.StateChange;
import dev.herald.schema.serde.AvroWireFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;

/**
 * Other wire encodings of one signed {@link ReportBatch}: the same fields (so the same signature
 * verifies) in different bytes, as Avro's binary format allows — the {@code reports} array split
 * into two blocks at any point, blocks written with a negative count and a byte size, and integers
 * as non-minimal varints. Every variant decodes to an equal batch; distinct variants have distinct
 * bytes.
 */
final class ReEncoding {
  private static final SpecificDatumWriter<StateChange> REPORT =
      new SpecificDatumWriter<>(StateChange.class);

  private ReEncoding() {}

  /**
   * Variant {@code k} of {@code batch} framed with {@code header} (the original's 5-byte magic and
   * schema id): split point {@code 1 + k % (n-1)}, negative block counts when {@code k / (n-1)} is
   * odd, padded varints when {@code k / (2(n-1))} is odd. Needs at least two reports.
   */
  static byte[] variant(byte[] header, ReportBatch batch, int k) {
    List<StateChange> reports = batch.getReports();
    int n = reports.size();
    if (n < 2) {
      throw new IllegalArgumentException("a batch of " + n + " report(s) has no block split");
    }
    int split = 1 + k % (n - 1);
    boolean negative = (k / (n - 1)) % 2 == 1;
    boolean padded = (k / (2 * (n - 1))) % 2 == 1;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(header, 0, AvroWireFormat.HEADER_SIZE);
    string(out, batch.getNodeId().toString(), padded);
    string(out, batch.getKeyId().toString(), padded);
    varint(out, batch.getPartition(), padded);
    varint(out, batch.getBatchSeq(), padded);
    varint(out, batch.getCreatedAt().toEpochMilli(), padded);
    block(out, reports.subList(0, split), negative, padded);
    block(out, reports.subList(split, n), negative, padded);
    varint(out, 0, false);
    bytes(out, bytesOf(batch.getSignature()), padded);
    return out.toByteArray();
  }

  private static void block(
      ByteArrayOutputStream out, List<StateChange> items, boolean negative, boolean padded) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    BinaryEncoder enc = EncoderFactory.get().directBinaryEncoder(body, null);
    try {
      for (StateChange sc : items) {
        REPORT.write(sc, enc);
      }
      enc.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (negative) {
      varint(out, -items.size(), padded);
      varint(out, body.size(), padded);
    } else {
      varint(out, items.size(), padded);
    }
    out.writeBytes(body.toByteArray());
  }

  private static void string(ByteArrayOutputStream out, String s, boolean padded) {
    bytes(out, s.getBytes(StandardCharsets.UTF_8), padded);
  }

  private static void bytes(ByteArrayOutputStream out, byte[] b, boolean padded) {
    varint(out, b.length, padded);
    out.writeBytes(b);
  }

  /** Zig-zag varint; {@code padded} adds a redundant zero group (a non-minimal encoding). */
  private static void varint(ByteArrayOutputStream out, long n, boolean padded) {
    long z = (n << 1) ^ (n >> 63);
    while ((z & ~0x7FL) != 0) {
      out.write((int) ((z & 0x7F) | 0x80));
      z >>>= 7;
    }
    if (padded) {
      out.write((int) (z | 0x80));
      out.write(0);
    } else {
      out.write((int) z);
    }
  }

  private static byte[] bytesOf(ByteBuffer b) {
    ByteBuffer d = b.duplicate();
    byte[] out = new byte[d.remaining()];
    d.get(out);
    return out;
  }
}
