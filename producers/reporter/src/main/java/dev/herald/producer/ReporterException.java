package dev.herald.producer;

/**
 * A report that could not be accepted or delivered. The message says what failed and what to do;
 * {@link #reason()} is stable for programs.
 *
 * <pre>{@code
 * reporter.report(key, v, prev, next, op).whenComplete((receipt, error) -> {
 *   if (error instanceof ReporterException e && e.reason() == Reason.DELIVERY_TIMEOUT) { ... }
 * });
 * }</pre>
 */
public class ReporterException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why a report failed. */
  public enum Reason {
    /**
     * The bounded buffer stayed full for longer than {@code maxBlock}: Kafka is too slow or down.
     */
    BUFFER_FULL,
    /** The batch was not acknowledged within {@code deliveryTimeout}. */
    DELIVERY_TIMEOUT,
    /** Kafka refused the batch for another reason (authorisation, record too large, ...). */
    SEND_FAILED,
    /** The topic's metadata could not be fetched within {@code maxBlock}. */
    METADATA_UNAVAILABLE,
    /** The reporter is closed. */
    CLOSED
  }

  private final Reason reason;

  public ReporterException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
