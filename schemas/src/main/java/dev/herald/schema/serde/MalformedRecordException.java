package dev.herald.schema.serde;

/**
 * A record's bytes are not a Herald record (or, with reason {@link Reason#REGISTRY_UNAVAILABLE},
 * cannot be told apart yet): wrong magic byte, unknown schema id, truncated or otherwise
 * undecodable payload, or a value outside what the schema allows.
 *
 * <p>The one exception that deserializers throw for bad input, so callers can route the record to
 * the dead-letter topic with {@link #reason()} and keep going.
 */
public class MalformedRecordException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why a record was rejected; stable codes, written to {@code DeadLetter.reason}. */
  public enum Reason {
    /** Null or empty payload. */
    EMPTY,
    /** First byte is not the Confluent magic byte 0. */
    BAD_MAGIC_BYTE,
    /** Shorter than the 5-byte header. */
    TRUNCATED_HEADER,
    /** The schema id is not known to the registry. */
    UNKNOWN_SCHEMA,
    /**
     * The writer schema is not known here and the registry could not be asked. Not a property of
     * the record: callers wait and retry (never a dead letter).
     */
    REGISTRY_UNAVAILABLE,
    /** The writer schema is not a version of the expected record type. */
    INCOMPATIBLE_SCHEMA,
    /** Avro could not decode the body (truncated, corrupt, trailing bytes). */
    MALFORMED_PAYLOAD,
    /** Larger than the configured maximum. */
    OVERSIZED,
    /** Decoded, but a field value is invalid (negative version, empty id, ...). */
    INVALID
  }

  private final Reason reason;

  public MalformedRecordException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public MalformedRecordException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
