package dev.herald.auditor.topology;

import dev.herald.auditor.policy.AuditPolicy;
import dev.herald.schema.DeadLetter;
import dev.herald.schema.canonical.Hashing;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Builds {@link DeadLetter}s with the original coordinates and bytes — bounded, so a dead letter
 * can never be larger than what the broker accepts (a dead letter that cannot be written would stop
 * the partition it came from): keys longer than {@link #MAX_KEY_BYTES} are truncated (the detail
 * carries the full key's size and SHA-256), and a value over the policy's record limit is not
 * copied (the detail carries its size and SHA-256; the record itself stays on its topic at the
 * given coordinates until the topic's retention).
 */
final class DeadLetters {
  /** Longest key (UTF-8 bytes) a dead letter copies. */
  static final int MAX_KEY_BYTES = 256;

  /** Longest detail a dead letter carries. */
  static final int MAX_DETAIL_CHARS = 2_000;

  private DeadLetters() {}

  /**
   * {@link #of(Record, RecordMetadata, String, String, long, int)} with the default value limit.
   */
  static Record<String, Emission> of(
      Record<String, byte[]> record, RecordMetadata meta, String reason, String detail, long now) {
    return of(record, meta, reason, detail, now, AuditPolicy.DEFAULT_MAX_RECORD_BYTES);
  }

  /** The dead letter of {@code record} as an emission, keyed by the (truncated) original key. */
  static Record<String, Emission> of(
      Record<String, byte[]> record,
      RecordMetadata meta,
      String reason,
      String detail,
      long now,
      int maxValueBytes) {
    byte[] key = record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8);
    DeadLetter letter = of(meta, key, record.value(), reason, detail, now, maxValueBytes);
    String outKey = record.key();
    if (key != null && key.length > MAX_KEY_BYTES) {
      outKey = new String(letter.getKey().array(), StandardCharsets.UTF_8);
    }
    return new Record<>(outKey, new Emission.Dead(letter), now);
  }

  static DeadLetter of(
      RecordMetadata meta,
      byte[] key,
      byte[] value,
      String reason,
      String detail,
      long now,
      int maxValueBytes) {
    StringBuilder d = new StringBuilder(detail == null ? "" : detail);
    byte[] keptKey = key;
    if (key != null && key.length > MAX_KEY_BYTES) {
      keptKey = Arrays.copyOf(key, MAX_KEY_BYTES);
      d.append("; key truncated from ")
          .append(key.length)
          .append(" bytes, sha256=")
          .append(Hashing.hex(Hashing.sha256(key)));
    }
    byte[] keptValue = value;
    if (value != null && value.length > maxValueBytes) {
      keptValue = null;
      d.append("; value of ")
          .append(value.length)
          .append(" bytes not copied (over ")
          .append(maxValueBytes)
          .append("), sha256=")
          .append(Hashing.hex(Hashing.sha256(value)));
    }
    String text = d.toString();
    if (text.length() > MAX_DETAIL_CHARS) {
      text = text.substring(0, MAX_DETAIL_CHARS) + "…";
    }
    return DeadLetter.newBuilder()
        .setTopic(meta == null ? "" : meta.topic())
        .setPartition(meta == null ? -1 : meta.partition())
        .setOffset(meta == null ? -1 : meta.offset())
        .setKey(keptKey == null ? null : ByteBuffer.wrap(keptKey))
        .setValue(keptValue == null ? null : ByteBuffer.wrap(keptValue))
        .setReason(reason)
        .setDetail(text)
        .setComponent("auditor")
        .setDetectedAt(Instant.ofEpochMilli(now))
        .build();
  }
}
