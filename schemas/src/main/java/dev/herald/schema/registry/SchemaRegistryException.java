package dev.herald.schema.registry;

/**
 * A schema registry answered with an error, or could not be reached.
 *
 * <p>Carries the Confluent error code ({@code 40401} subject not found, {@code 40403} schema not
 * found, {@code 409} incompatible, {@code 42201} invalid schema, {@code 50001} store error) and the
 * HTTP status, so callers can tell "not there" from "down".
 */
public class SchemaRegistryException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public static final int SUBJECT_NOT_FOUND = 40401;
  public static final int VERSION_NOT_FOUND = 40402;
  public static final int SCHEMA_NOT_FOUND = 40403;
  public static final int INCOMPATIBLE = 409;
  public static final int INVALID_SCHEMA = 42201;
  public static final int INVALID_COMPATIBILITY_LEVEL = 42203;
  public static final int STORE_ERROR = 50001;
  public static final int UNREACHABLE = -1;

  /** The client was closed: the process is stopping and asks the registry nothing more. */
  public static final int CLOSED = -2;

  private final int errorCode;
  private final int httpStatus;

  public SchemaRegistryException(int httpStatus, int errorCode, String message) {
    super(message);
    this.httpStatus = httpStatus;
    this.errorCode = errorCode;
  }

  public SchemaRegistryException(String message, Throwable cause) {
    super(message, cause);
    this.httpStatus = -1;
    this.errorCode = UNREACHABLE;
  }

  /** No answer arrived: {@code errorCode} is {@link #UNREACHABLE} or {@link #CLOSED}. */
  public SchemaRegistryException(String message, int errorCode) {
    super(message);
    this.httpStatus = -1;
    this.errorCode = errorCode;
  }

  /** The Confluent error code, or {@link #UNREACHABLE} / {@link #CLOSED}. */
  public int errorCode() {
    return errorCode;
  }

  /** The HTTP status, or -1 when no answer arrived. */
  public int httpStatus() {
    return httpStatus;
  }
}
