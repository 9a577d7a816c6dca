package dev.herald.bench.micro;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Function;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * What an Avro store serde for a domain type would do: map the domain value to its generated
 * SpecificRecord, write it with Avro's binary encoding behind a one-byte format marker (as {@code
 * BinarySerde} writes {@code 0xB1}), and back. Encoder, decoder, output buffer and the decoded
 * record are reused; one instance per thread (as a store serde would keep them in a ThreadLocal).
 *
 * <p>A production serde would also need the writer schema of each value to evolve it: a one-byte
 * schema version (as here) or Avro's single-object encoding (10 bytes: marker + fingerprint).
 */
public final class AvroStoreSerde<D, A extends SpecificRecordBase> {
  static final byte FORMAT = (byte) 0xA1;

  private final Function<D, A> toAvro;
  private final Function<A, D> fromAvro;
  private final SpecificDatumWriter<A> writer;
  private final SpecificDatumReader<A> reader;
  private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(4096);
  private BinaryEncoder encoder;
  private BinaryDecoder decoder;
  private A reuse;

  /** With Avro's default datum writer and reader (the fast reader, no custom coders). */
  public AvroStoreSerde(Class<A> type, Function<D, A> toAvro, Function<A, D> fromAvro) {
    this(type, toAvro, fromAvro, false);
  }

  /**
   * @param customCoders whether to use the encode and decode methods generated into the record
   *     classes ({@code SpecificData.setCustomCoders}; off unless the system property {@code
   *     org.apache.avro.specific.use_custom_coders} is set)
   */
  public AvroStoreSerde(
      Class<A> type, Function<D, A> toAvro, Function<A, D> fromAvro, boolean customCoders) {
    this.toAvro = toAvro;
    this.fromAvro = fromAvro;
    SpecificData data = new SpecificData(type.getClassLoader());
    data.setCustomCoders(customCoders);
    Schema schema = data.getSchema(type);
    this.writer = new SpecificDatumWriter<>(schema, data);
    this.reader = new SpecificDatumReader<>(schema, schema, data);
  }

  /** The stored bytes of {@code value}. */
  public byte[] serialize(D value) {
    try {
      buffer.reset();
      buffer.write(FORMAT);
      encoder = EncoderFactory.get().binaryEncoder(buffer, encoder);
      writer.write(toAvro.apply(value), encoder);
      encoder.flush();
      return buffer.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The domain value stored in {@code bytes}. */
  public D deserialize(byte[] bytes) {
    if (bytes.length == 0 || bytes[0] != FORMAT) {
      throw new IllegalArgumentException("not an Avro store value: no format byte 0xA1");
    }
    try {
      decoder = DecoderFactory.get().binaryDecoder(bytes, 1, bytes.length - 1, decoder);
      reuse = reader.read(reuse, decoder);
      return fromAvro.apply(reuse);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
