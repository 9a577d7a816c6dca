package dev.herald.auditor.store;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The serde of the auditor's own state-store and repartition values (never of input): maps a
 * domain value to its generated Avro record ({@link StoreMapping}) and writes it in Avro's
 * single-object encoding — {@code C3 01}, the 8-byte CRC-64-AVRO fingerprint of the writer schema
 * (little-endian), then the binary-encoded record. A value written with an older schema is read
 * through schema resolution when {@link StoreSchemas} knows that schema (every released version
 * under {@code dev/herald/auditor/store/history}); one with an unknown fingerprint, or written by
 * the former binary ({@code 0xB1}) or JSON ({@code '{'}) serdes, fails with a message that says
 * what to do. Every failure to read is a {@link SerializationException}.
 *
 * <p>Encodes and decodes with the custom coders Avro generates into the record classes (2–4 × the
 * speed of its default datum writer, see docs/benchmarks.md). Stateless to its callers and
 * thread-safe: each thread has its own buffer, encoder and decoder; one instance may serve every
 * task's store.
 */
public final class AvroStoreSerde<D, A extends SpecificRecordBase> implements Serde<D> {
  static final byte MAGIC_0 = (byte) 0xC3;
  static final byte MAGIC_1 = (byte) 0x01;
  static final int HEADER = 10;

  /** First byte of the values of the former binary serde ({@code BinarySerde}, format 1). */
  static final byte OLD_BINARY = (byte) 0xB1;

  private final String what;
  private final Function<D, A> toAvro;
  private final Function<A, D> fromAvro;
  private final SpecificData data;
  private final Schema schema;
  private final long fingerprint;
  private final byte[] header = new byte[HEADER];
  private final Map<Long, Schema> history;
  private final Map<Long, SpecificDatumReader<A>> oldReaders = new ConcurrentHashMap<>();
  private final ThreadLocal<Coders> coders;

  /**
   * @param what the domain type, for messages
   * @param type the generated record class
   * @param history the writer schemas this build can still read, by fingerprint
   */
  AvroStoreSerde(
      String what,
      Class<A> type,
      Function<D, A> toAvro,
      Function<A, D> fromAvro,
      Map<Long, Schema> history) {
    this.what = what;
    this.toAvro = toAvro;
    this.fromAvro = fromAvro;
    this.data = new SpecificData(type.getClassLoader());
    data.setCustomCoders(true);
    this.schema = data.getSchema(type);
    this.fingerprint = SchemaNormalization.parsingFingerprint64(schema);
    header[0] = MAGIC_0;
    header[1] = MAGIC_1;
    for (int i = 0; i < 8; i++) {
      header[2 + i] = (byte) (fingerprint >>> (8 * i));
    }
    Map<Long, Schema> own = new HashMap<>();
    history.forEach(
        (f, s) -> {
          if (s.getFullName().equals(schema.getFullName())) {
            own.put(f, s);
          }
        });
    this.history = Map.copyOf(own);
    this.coders = ThreadLocal.withInitial(Coders::new);
  }

  /** The schema this build writes. */
  public Schema schema() {
    return schema;
  }

  /** The fingerprint written in the header of every value. */
  public long fingerprint() {
    return fingerprint;
  }

  /** The stored bytes of {@code value}; null for null. */
  public byte[] serialize(D value) {
    if (value == null) {
      return null;
    }
    Coders c = coders.get();
    try {
      A record = toAvro.apply(value);
      c.buffer.reset();
      c.buffer.write(header);
      c.encoder = EncoderFactory.get().binaryEncoder(c.buffer, c.encoder);
      c.writer.write(record, c.encoder);
      c.encoder.flush();
      return c.buffer.toByteArray();
    } catch (SerializationException e) {
      throw new SerializationException("cannot write " + what + ": " + e.getMessage(), e);
    } catch (IOException | RuntimeException e) {
      throw new SerializationException("cannot write " + what + ": " + e, e);
    }
  }

  /** The value stored in {@code bytes}; null for null. */
  public D deserialize(byte[] bytes) {
    if (bytes == null) {
      return null;
    }
    checkHeader(bytes);
    long written = 0;
    for (int i = 0; i < 8; i++) {
      written |= (bytes[2 + i] & 0xFFL) << (8 * i);
    }
    Coders c = coders.get();
    SpecificDatumReader<A> reader = written == fingerprint ? c.reader : oldReader(written);
    try {
      c.decoder =
          DecoderFactory.get().binaryDecoder(bytes, HEADER, bytes.length - HEADER, c.decoder);
      BoundedDecoder in = c.bounded.reset(c.decoder, bytes.length);
      // a fresh record each time: the domain value must share nothing with the next read
      A record = reader.read(null, in);
      if (!c.decoder.isEnd()) {
        throw new SerializationException("cannot read " + what + ": bytes left after the value");
      }
      return fromAvro.apply(record);
    } catch (SerializationException e) {
      throw e.getMessage() != null && e.getMessage().startsWith("cannot read")
          ? e
          : new SerializationException("cannot read " + what + ": " + e.getMessage(), e);
    } catch (IOException | RuntimeException e) {
      throw new SerializationException(
          "cannot read " + what + ": the value is corrupt (" + e + ")", e);
    }
  }

  private void checkHeader(byte[] bytes) {
    if (bytes.length >= HEADER && bytes[0] == MAGIC_0 && bytes[1] == MAGIC_1) {
      return;
    }
    if (bytes.length > 0 && (bytes[0] == OLD_BINARY || bytes[0] == '{')) {
      throw new SerializationException(
          "cannot read "
              + what
              + ": the value was written by an older Herald build (its "
              + (bytes[0] == '{' ? "pre-release JSON" : "binary 0xB1")
              + " store format, which this build no longer reads). Reset the auditor's state:"
              + " stop every auditor instance, delete its --state-dir (default"
              + " .herald/auditor-state), run kafka-streams-application-reset --bootstrap-server"
              + " <brokers> --application-id <id> for the --application-id (default herald-auditor)"
              + " and for <id>-identity, then start it again; or start it with a new"
              + " --application-id and --state-dir. See streams-auditor/README.md, 'Store values"
              + " and upgrades'.");
    }
    throw new SerializationException(
        "cannot read "
            + what
            + ": not an auditor store value (expected the Avro single-object header C3 01, found "
            + (bytes.length == 0 ? "an empty value" : String.format("%02x", bytes[0] & 0xff))
            + ")");
  }

  private SpecificDatumReader<A> oldReader(long written) {
    Schema writer = history.get(written);
    if (writer == null) {
      throw new SerializationException(
          "cannot read "
              + what
              + String.format(": written with an unknown schema (fingerprint %016x)", written)
              + " — by a newer Herald build? Run the newer build, or reset the auditor's state"
              + " (streams-auditor/README.md, 'Store values and upgrades').");
    }
    return oldReaders.computeIfAbsent(
        written, w -> new SpecificDatumReader<>(writer, schema, data));
  }

  @Override
  public Serializer<D> serializer() {
    return (topic, value) -> serialize(value);
  }

  @Override
  public Deserializer<D> deserializer() {
    return (topic, bytes) -> deserialize(bytes);
  }

  /** One thread's buffer, encoder, decoder and datum reader and writer. */
  private final class Coders {
    final ByteArrayOutputStream buffer = new ByteArrayOutputStream(4096);
    final SpecificDatumWriter<A> writer = new SpecificDatumWriter<>(schema, data);
    final SpecificDatumReader<A> reader = new SpecificDatumReader<>(schema, schema, data);
    final BoundedDecoder bounded = new BoundedDecoder();
    BinaryEncoder encoder;
    BinaryDecoder decoder;
  }
}
