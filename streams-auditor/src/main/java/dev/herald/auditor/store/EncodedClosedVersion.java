package dev.herald.auditor.store;

import dev.herald.auditor.store.avro.StoredClosedVersion;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.Encoder;
import org.apache.avro.io.EncoderFactory;

/**
 * A closed version's store record together with its Avro binary encoding, made once: an entity
 * carries {@value dev.herald.auditor.detect.EntityState#CLOSED_WINDOW} closed versions that rarely
 * change and is written back at every commit that changed it, and encoding those versions field by
 * field again at each write was 7–12 % of the stream thread's samples (JFR, docs/benchmarks.md
 * "Round 8"). A binary encoder gets the kept bytes as they are (the binary encoding of a record is
 * the concatenation of its fields', with no framing of its own, so the bytes of the record written
 * on its own are the bytes it has inside the entity); any other encoder gets the fields.
 *
 * <p>The fields are the record's it was made from (shared, not copied) and must not be changed: the
 * mapping makes a new one whenever the domain's summary changes.
 */
final class EncodedClosedVersion extends StoredClosedVersion {
  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  private final byte[] encoded;

  private EncodedClosedVersion(StoredClosedVersion form, byte[] encoded) {
    super(
        form.getVersion(),
        form.getAgreedHash(),
        form.getAgreedOp(),
        form.getHashes(),
        form.getClaims(),
        form.getMissing(),
        form.getRevotable());
    this.encoded = encoded;
  }

  /** {@code form} (a plain record: as read, or just mapped) with its binary encoding. */
  static EncodedClosedVersion of(StoredClosedVersion form) {
    Scratch s = SCRATCH.get();
    try {
      s.buffer.reset();
      s.encoder = EncoderFactory.get().directBinaryEncoder(s.buffer, s.encoder);
      form.customEncode(s.encoder);
      s.encoder.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode a closed version", e);
    }
    return new EncodedClosedVersion(form, s.buffer.toByteArray());
  }

  @Override
  public void customEncode(Encoder out) throws IOException {
    if (out instanceof BinaryEncoder) {
      out.writeFixed(encoded);
    } else {
      super.customEncode(out);
    }
  }

  private static final class Scratch {
    final ByteArrayOutputStream buffer = new ByteArrayOutputStream(512);
    BinaryEncoder encoder;
  }
}
