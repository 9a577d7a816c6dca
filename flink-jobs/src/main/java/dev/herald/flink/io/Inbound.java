package dev.herald.flink.io;

/**
 * One record read from Kafka: exactly one of {@code heartbeat}, {@code alert} or {@code rejected}
 * is set. Bad input becomes a value instead of an exception, so it never fails the job.
 *
 * @param heartbeat a decoded heartbeat
 * @param alert a decoded alert
 * @param rejected an undecodable record
 * @param topic source topic
 * @param partition source partition
 * @param offset source offset
 */
public record Inbound(
    HeartbeatEvent heartbeat,
    AlertEvent alert,
    Rejection rejected,
    String topic,
    int partition,
    long offset) {

  /** Event time: of the heartbeat or alert; {@code Long.MIN_VALUE} for rejected records. */
  public long eventTime() {
    if (heartbeat != null) {
      return heartbeat.eventTime();
    }
    if (alert != null) {
      return alert.eventTime();
    }
    return Long.MIN_VALUE;
  }
}
