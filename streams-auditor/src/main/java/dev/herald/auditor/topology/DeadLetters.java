package dev.herald.auditor.topology;

import dev.herald.schema.DeadLetter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/** Builds {@link DeadLetter}s with the original coordinates and bytes. */
final class DeadLetters {
  private DeadLetters() {}

  /** The dead letter of {@code record} as an emission, keyed by the original key. */
  static Record<String, Emission> of(
      Record<String, byte[]> record, RecordMetadata meta, String reason, String detail, long now) {
    byte[] key = record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8);
    return new Record<>(
        record.key(), new Emission.Dead(of(meta, key, record.value(), reason, detail, now)), now);
  }

  static DeadLetter of(
      RecordMetadata meta, byte[] key, byte[] value, String reason, String detail, long now) {
    return DeadLetter.newBuilder()
        .setTopic(meta == null ? "" : meta.topic())
        .setPartition(meta == null ? -1 : meta.partition())
        .setOffset(meta == null ? -1 : meta.offset())
        .setKey(key == null ? null : ByteBuffer.wrap(key))
        .setValue(value == null ? null : ByteBuffer.wrap(value))
        .setReason(reason)
        .setDetail(detail == null ? "" : detail)
        .setComponent("auditor")
        .setDetectedAt(Instant.ofEpochMilli(now))
        .build();
  }
}
