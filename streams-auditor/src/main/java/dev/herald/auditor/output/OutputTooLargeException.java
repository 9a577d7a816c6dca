package dev.herald.auditor.output;

import org.apache.kafka.common.errors.RecordTooLargeException;

/**
 * An output record the auditor did not send because its topic would refuse it. Raised by {@link
 * SizeGuardedProducer} before the record reaches the producer, so the open exactly-once transaction
 * stays healthy and {@link OutputDeadLetters} can dead-letter it instead.
 */
public final class OutputTooLargeException extends RecordTooLargeException {
  private static final long serialVersionUID = 1L;

  private final int size;
  private final int limit;

  OutputTooLargeException(String topic, int size, int limit) {
    super(
        "an output of "
            + size
            + " bytes to "
            + topic
            + " exceeds the "
            + limit
            + " bytes that topic accepts");
    this.size = size;
    this.limit = limit;
  }

  /** Estimated size of the refused record (key, value, headers and batch overhead). */
  public int size() {
    return size;
  }

  /** The most the topic accepts, as the auditor knows it. */
  public int limit() {
    return limit;
  }
}
