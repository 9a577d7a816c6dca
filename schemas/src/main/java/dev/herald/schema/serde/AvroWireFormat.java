package dev.herald.schema.serde;

import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.registry.SchemaRegistryException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
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
 * (TopicNameStrategy) and its id cached. Reading resolves the writer schema by id (cached) against
 * the generated class's schema, so older and newer compatible writers are read. Every kind of bad
 * input raises {@link MalformedRecordException}, never anything else.
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

  private final Class<T> type;
  private final Schema readerSchema;
  private final SchemaRegistryClient registry;
  private final int maxBytes;
  private final SpecificDatumWriter<T> writer;
  private final Map<String, Integer> idsBySubject = new ConcurrentHashMap<>();
  private final Map<Integer, SpecificDatumReader<T>> readersById = new ConcurrentHashMap<>();

  /** A format with no size limit beyond what Kafka enforces. */
  public AvroWireFormat(Class<T> type, SchemaRegistryClient registry) {
    this(type, registry, Integer.MAX_VALUE);
  }

  /** A format that rejects payloads over {@code maxBytes} as {@code OVERSIZED}. */
  public AvroWireFormat(Class<T> type, SchemaRegistryClient registry, int maxBytes) {
    this.type = type;
    this.readerSchema = SpecificData.get().getSchema(type);
    this.registry = registry;
    this.maxBytes = maxBytes;
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

  /** Decodes {@code bytes}; throws {@link MalformedRecordException} for any bad input. */
  public T deserialize(String topic, byte[] bytes) {
    if (bytes != null && bytes.length > maxBytes) {
      throw new MalformedRecordException(
          MalformedRecordException.Reason.OVERSIZED,
          "payload of " + bytes.length + " bytes exceeds the limit of " + maxBytes);
    }
    int id = schemaId(bytes);
    SpecificDatumReader<T> reader = readersById.get(id);
    if (reader == null) {
      reader = readerFor(id);
      readersById.put(id, reader);
    }
    BinaryDecoder decoder =
        DecoderFactory.get().binaryDecoder(bytes, HEADER_SIZE, bytes.length - HEADER_SIZE, null);
    try {
      T value = reader.read(null, decoder);
      if (!decoder.isEnd()) {
        throw new MalformedRecordException(
            MalformedRecordException.Reason.MALFORMED_PAYLOAD,
            "trailing bytes after the " + type.getSimpleName() + " record");
      }
      return value;
    } catch (MalformedRecordException e) {
      throw e;
    } catch (IOException | RuntimeException | OutOfMemoryError e) {
      // Avro throws EOFException, AvroRuntimeException, ArrayIndexOutOfBounds, NegativeArraySize
      // or even tries a huge allocation on corrupt input: all of it is one kind of bad input.
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

  private SpecificDatumReader<T> readerFor(int id) {
    Schema writerSchema;
    try {
      writerSchema = registry.getById(id);
    } catch (SchemaRegistryException e) {
      if (e.errorCode() == SchemaRegistryException.SCHEMA_NOT_FOUND
          || e.httpStatus() == 404
          || e.httpStatus() == 422) {
        throw new MalformedRecordException(
            MalformedRecordException.Reason.UNKNOWN_SCHEMA,
            "schema id " + id + " is not registered",
            e);
      }
      throw new MalformedRecordException(
          MalformedRecordException.Reason.REGISTRY_UNAVAILABLE,
          "cannot look up schema id " + id + ": " + e.getMessage(),
          e);
    }
    if (!writerSchema.getFullName().equals(readerSchema.getFullName())) {
      throw new MalformedRecordException(
          MalformedRecordException.Reason.INCOMPATIBLE_SCHEMA,
          "schema id "
              + id
              + " is "
              + writerSchema.getFullName()
              + ", expected "
              + readerSchema.getFullName());
    }
    try {
      return new SpecificDatumReader<>(writerSchema, readerSchema);
    } catch (AvroRuntimeException e) {
      throw new MalformedRecordException(
          MalformedRecordException.Reason.INCOMPATIBLE_SCHEMA,
          "schema id " + id + " cannot be read as " + readerSchema.getFullName(),
          e);
    }
  }
}
