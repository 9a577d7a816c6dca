package dev.herald.schema.serde;

import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.registry.SchemaRegistryException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

/**
 * Writes and reads one Avro record type in the Confluent wire format: magic byte {@code 0}, the
 * 4-byte big-endian schema id, then the Avro binary encoding.
 *
 * <p>The writer schema is registered once under the subject {@code <topic>-value}
 * (TopicNameStrategy) and its id cached. Reading resolves the writer schema by id against the
 * generated class's schema, so older and newer compatible writers are read. Every kind of bad input
 * raises {@link MalformedRecordException}, never anything else.
 *
 * <p>Reading is built so that the registry is not on the hot path and never a reason to lose input:
 *
 * <ul>
 *   <li>A writer schema that is the class's own or a released version of it ({@link PinnedSchemas},
 *       by fingerprint) is read without further checks; another schema with the same full name is
 *       read when Avro finds it reader-compatible, else the record is {@code INCOMPATIBLE_SCHEMA}.
 *       Readers are cached per id (at most {@value #MAX_READERS}).
 *   <li>An id the registry does not know is remembered as unknown for {@code unknownSchemaTtl}
 *       (default 60 s, at most {@value #MAX_REJECTED} ids), so a flood of records with that id
 *       costs one registry call per TTL, not one per record.
 *   <li>A registry that cannot be asked raises {@code REGISTRY_UNAVAILABLE}, which is never
 *       remembered: it is a reason to wait and retry, never a dead letter.
 *   <li>Decoding is bounded by the record's own bytes ({@link AvroBounds}): no string, bytes or
 *       collection may claim more than the bytes that follow it.
 * </ul>
 *
 * <pre>{@code
 * var format = new AvroWireFormat<>(AuditAlert.class, registry);
 * byte[] bytes = format.serialize(Topics.ALERTS, alert);
 * AuditAlert back = format.deserialize(Topics.ALERTS, bytes);
 * }</pre>
 */
public final class AvroWireFormat<T extends SpecificRecord> {
  public static final byte MAGIC_BYTE = 0;
  public static final int HEADER_SIZE = 5;

  /** Default time an id the registry does not know is answered from memory. */
  public static final Duration DEFAULT_UNKNOWN_SCHEMA_TTL = Duration.ofSeconds(60);

  /** Most writer-schema readers cached per format. */
  static final int MAX_READERS = 256;

  /** Most rejected ids (unknown or incompatible) remembered per format. */
  static final int MAX_REJECTED = 10_000;

  /** Most items of a schema that may take no byte (null, empty record) in one payload. */
  static final long MAX_ZERO_BYTE_ITEMS = 1 << 16;

  private final Class<T> type;
  private final Schema readerSchema;
  private final SchemaRegistryClient registry;
  private final int maxBytes;
  private final long unknownTtlNanos;
  private final LongSupplier nanoClock;
  private final SpecificDatumWriter<T> writer;
  private final Map<String, Integer> idsBySubject = new ConcurrentHashMap<>();
  private final Map<Integer, Reader<T>> readersById = new ConcurrentHashMap<>();
  private final Map<Integer, Rejection> rejectedById = new ConcurrentHashMap<>();

  /** A format with no size limit beyond what Kafka enforces. */
  public AvroWireFormat(Class<T> type, SchemaRegistryClient registry) {
    this(type, registry, Integer.MAX_VALUE);
  }

  /** A format that rejects payloads over {@code maxBytes} as {@code OVERSIZED}. */
  public AvroWireFormat(Class<T> type, SchemaRegistryClient registry, int maxBytes) {
    this(type, registry, maxBytes, DEFAULT_UNKNOWN_SCHEMA_TTL);
  }

  /**
   * A format that rejects payloads over {@code maxBytes} as {@code OVERSIZED} and remembers ids the
   * registry does not know for {@code unknownSchemaTtl}.
   */
  public AvroWireFormat(
      Class<T> type, SchemaRegistryClient registry, int maxBytes, Duration unknownSchemaTtl) {
    this(type, registry, maxBytes, unknownSchemaTtl, System::nanoTime);
  }

  AvroWireFormat(
      Class<T> type,
      SchemaRegistryClient registry,
      int maxBytes,
      Duration unknownSchemaTtl,
      LongSupplier nanoClock) {
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("maxBytes must be positive, not " + maxBytes);
    }
    this.type = type;
    this.readerSchema = SpecificData.get().getSchema(type);
    this.registry = registry;
    this.maxBytes = maxBytes;
    this.unknownTtlNanos = unknownSchemaTtl.toNanos();
    this.nanoClock = nanoClock;
    this.writer = new SpecificDatumWriter<>(readerSchema);
  }

  /** The subject a topic's values are registered under. */
  public static String valueSubject(String topic) {
    return topic + "-value";
  }

  public Schema schema() {
    return readerSchema;
  }

  /** Encodes {@code record}, registering the schema on first use. */
  public byte[] serialize(String topic, T record) {
    if (record == null) {
      return null;
    }
    int id =
        idsBySubject.computeIfAbsent(
            valueSubject(topic), subject -> registry.register(subject, readerSchema));
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    out.write(MAGIC_BYTE);
    out.write(id >>> 24);
    out.write(id >>> 16);
    out.write(id >>> 8);
    out.write(id);
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    try {
      writer.write(record, encoder);
      encoder.flush();
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(
          "cannot encode " + type.getSimpleName() + ": " + e.getMessage(), e);
    }
    return out.toByteArray();
  }

  /** The schema id in the header of {@code bytes}, after checking the header. */
  public static int schemaId(byte[] bytes) {
    if (bytes == null || bytes.length == 0) {
      throw new MalformedRecordException(MalformedRecordException.Reason.EMPTY, "empty payload");
    }
    if (bytes[0] != MAGIC_BYTE) {
      throw new MalformedRecordException(
          MalformedRecordException.Reason.BAD_MAGIC_BYTE,
          String.format(
              "first byte is 0x%02x, not the wire-format magic byte 0x00: not a schema-registry"
                  + " framed Avro record",
              bytes[0]));
    }
    if (bytes.length < HEADER_SIZE) {
      throw new MalformedRecordException(
          MalformedRecordException.Reason.TRUNCATED_HEADER,
          "payload of " + bytes.length + " bytes is shorter than the 5-byte header");
    }
    return ByteBuffer.wrap(bytes, 1, 4).getInt();
  }

  /**
   * Decodes {@code bytes}; throws {@link MalformedRecordException} for any bad input, with reason
   * {@code REGISTRY_UNAVAILABLE} when the writer schema is not known here and the registry cannot
   * be asked (retry later: the record is not bad).
   */
  public T deserialize(String topic, byte[] bytes) {
    if (bytes != null && bytes.length > maxBytes) {
      throw new MalformedRecordException(
          MalformedRecordException.Reason.OVERSIZED,
          "payload of " + bytes.length + " bytes exceeds the limit of " + maxBytes);
    }
    int id = schemaId(bytes);
    Reader<T> reader = readersById.get(id);
    if (reader == null) {
      reader = readerFor(id);
    }
    reader.bounds().check(bytes, HEADER_SIZE);
    BinaryDecoder decoder =
        DecoderFactory.get().binaryDecoder(bytes, HEADER_SIZE, bytes.length - HEADER_SIZE, null);
    try {
      T value = reader.datumReader().read(null, decoder);
      if (!decoder.isEnd()) {
        throw new MalformedRecordException(
            MalformedRecordException.Reason.MALFORMED_PAYLOAD,
            "trailing bytes after the " + type.getSimpleName() + " record");
      }
      return value;
    } catch (MalformedRecordException e) {
      throw e;
    } catch (IOException | RuntimeException | OutOfMemoryError | StackOverflowError e) {
      // Avro throws EOFException, AvroRuntimeException, ArrayIndexOutOfBounds or
      // NegativeArraySize on corrupt input that passed the bounds check (a wrong union branch,
      // an invalid UTF-8 sequence, ...): all of it is one kind of bad input.
      throw new MalformedRecordException(
          MalformedRecordException.Reason.MALFORMED_PAYLOAD,
          "cannot decode "
              + type.getSimpleName()
              + " with schema id "
              + id
              + ": "
              + e.getClass().getSimpleName()
              + (e.getMessage() == null ? "" : " " + e.getMessage()),
          e);
    }
  }

  /** How many writer-schema readers this format holds (for tests). */
  int cachedReaders() {
    return readersById.size();
  }

  /** How many rejected ids this format remembers (for tests). */
  int rememberedRejections() {
    return rejectedById.size();
  }

  private Reader<T> readerFor(int id) {
    long now = nanoClock.getAsLong();
    Rejection rejected = rejectedById.get(id);
    if (rejected != null) {
      if (now - rejected.atNanos() < unknownTtlNanos) {
        throw new MalformedRecordException(rejected.reason(), rejected.message());
      }
      rejectedById.remove(id, rejected);
    }
    Schema writerSchema;
    try {
      writerSchema = registry.getById(id);
    } catch (SchemaRegistryException e) {
      if (e.errorCode() == SchemaRegistryException.SCHEMA_NOT_FOUND
          || e.httpStatus() == 404
          || e.httpStatus() == 422) {
        throw reject(
            id,
            now,
            MalformedRecordException.Reason.UNKNOWN_SCHEMA,
            "schema id " + id + " is not registered");
      }
      throw new MalformedRecordException(
          MalformedRecordException.Reason.REGISTRY_UNAVAILABLE,
          "cannot look up schema id " + id + ": " + e.getMessage(),
          e);
    }
    if (!writerSchema.getFullName().equals(readerSchema.getFullName())) {
      throw reject(
          id,
          now,
          MalformedRecordException.Reason.INCOMPATIBLE_SCHEMA,
          "schema id "
              + id
              + " is "
              + writerSchema.getFullName()
              + ", expected "
              + readerSchema.getFullName());
    }
    if (!PinnedSchemas.isPinned(readerSchema, writerSchema)) {
      SchemaCompatibility.SchemaPairCompatibility compatibility =
          SchemaCompatibility.checkReaderWriterCompatibility(readerSchema, writerSchema);
      if (compatibility.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
        throw reject(
            id,
            now,
            MalformedRecordException.Reason.INCOMPATIBLE_SCHEMA,
            "schema id "
                + id
                + " cannot be read as "
                + readerSchema.getFullName()
                + ": "
                + compatibility.getResult().getIncompatibilities());
      }
    }
    Reader<T> reader;
    try {
      reader =
          new Reader<>(
              new SpecificDatumReader<>(writerSchema, readerSchema),
              new AvroBounds(writerSchema, MAX_ZERO_BYTE_ITEMS));
    } catch (AvroRuntimeException e) {
      throw reject(
          id,
          now,
          MalformedRecordException.Reason.INCOMPATIBLE_SCHEMA,
          "schema id " + id + " cannot be read as " + readerSchema.getFullName());
    }
    if (readersById.size() >= MAX_READERS) {
      // Honest traffic uses a handful of ids; more means someone registers schemas to fill this.
      readersById.clear();
    }
    readersById.put(id, reader);
    return reader;
  }

  private MalformedRecordException reject(
      int id, long now, MalformedRecordException.Reason reason, String message) {
    if (rejectedById.size() >= MAX_REJECTED) {
      rejectedById.values().removeIf(r -> now - r.atNanos() >= unknownTtlNanos);
      if (rejectedById.size() >= MAX_REJECTED) {
        rejectedById.clear();
      }
    }
    rejectedById.put(id, new Rejection(reason, message, now));
    return new MalformedRecordException(reason, message);
  }

  private record Reader<T>(SpecificDatumReader<T> datumReader, AvroBounds bounds) {}

  private record Rejection(MalformedRecordException.Reason reason, String message, long atNanos) {}
}
