package dev.herald.auditor.output;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.header.Header;

/**
 * The largest record each output topic accepts, as far as the auditor knows: the topic's {@code
 * max.message.bytes} (read at start) capped by the producer's {@code max.request.size}, or a
 * default for topics not described (Kafka Streams' internal topics, which the auditor creates with
 * a known limit). Lowered at run time when the broker refuses a record the auditor thought would
 * fit.
 *
 * <pre>{@code
 * OutputLimits limits = new OutputLimits(Map.of("herald.dlq.v1", 2 << 20), 4 << 20);
 * boolean fits = OutputLimits.size(record) <= limits.limitFor(record.topic());
 * }</pre>
 */
public final class OutputLimits {
  /**
   * Bytes a single record takes beyond its key, value and headers in a record batch: 61 bytes of
   * batch header and up to about 30 bytes of record framing, rounded up.
   */
  public static final int RECORD_OVERHEAD = 128;

  private final Map<String, Integer> byTopic = new ConcurrentHashMap<>();
  private final int otherTopics;

  /**
   * @param byTopic the {@code max.message.bytes} of described topics
   * @param otherTopics the limit of every other topic (capped by nothing else)
   */
  public OutputLimits(Map<String, Integer> byTopic, int otherTopics) {
    this.byTopic.putAll(byTopic);
    this.otherTopics = otherTopics;
  }

  /** The largest record {@code topic} accepts, overhead included. */
  public int limitFor(String topic) {
    return byTopic.getOrDefault(topic, otherTopics);
  }

  /** The broker refused a record of {@code size} bytes on {@code topic}: remember a lower limit. */
  public void refused(String topic, int size) {
    byTopic.merge(topic, Math.max(RECORD_OVERHEAD, size - 1), Math::min);
  }

  /**
   * The bytes {@code key}, {@code value} and {@code headers} take in a batch, overhead included.
   */
  public static int size(byte[] key, byte[] value, Header[] headers) {
    long size = RECORD_OVERHEAD;
    size += key == null ? 0 : key.length;
    size += value == null ? 0 : value.length;
    if (headers != null) {
      for (Header h : headers) {
        size += h.key().length() * 3L + (h.value() == null ? 0 : h.value().length);
      }
    }
    return (int) Math.min(size, Integer.MAX_VALUE);
  }
}
