package dev.herald.flink.io;

/**
 * A record the jobs could not use, on its way to {@code herald.dlq.v1}: undecodable input, or an
 * event that arrived after its window had closed.
 *
 * @param topic the topic it came from (or the operator, for derived records)
 * @param partition its partition, -1 if not from Kafka
 * @param offset its offset, -1 if not from Kafka
 * @param key raw key bytes, may be null
 * @param value raw value bytes, may be null (late events stay in their source topic)
 * @param reason stable reason code, e.g. {@code MALFORMED_PAYLOAD} or {@code LATE}
 * @param detail human-readable explanation
 */
public record Rejection(
    String topic,
    int partition,
    long offset,
    byte[] key,
    byte[] value,
    String reason,
    String detail) {

  /** Reason code of events that arrived after their window had been emitted. */
  public static final String LATE = "LATE";
}
