package dev.herald.flink.io;

import dev.herald.schema.DeadLetter;
import java.nio.ByteBuffer;
import java.time.Instant;

/** Turns {@link Rejection}s into {@link DeadLetter} records of component {@code flink}. */
public final class Rejections {
  private Rejections() {}

  /** The dead letter for {@code r}, detected now. */
  public static DeadLetter toDeadLetter(Rejection r) {
    return DeadLetter.newBuilder()
        .setTopic(r.topic())
        .setPartition(r.partition())
        .setOffset(r.offset())
        .setKey(r.key() == null ? null : ByteBuffer.wrap(r.key()))
        .setValue(r.value() == null ? null : ByteBuffer.wrap(r.value()))
        .setReason(r.reason())
        .setDetail(r.detail())
        .setComponent("flink")
        .setDetectedAt(Instant.now())
        .build();
  }

  /** A late heartbeat or alert: it stays in its source topic; the dead letter points at it. */
  public static Rejection late(Inbound in, long watermark) {
    return new Rejection(
        in.topic(),
        in.partition(),
        in.offset(),
        null,
        null,
        Rejection.LATE,
        "event time "
            + in.eventTime()
            + " is behind the watermark "
            + watermark
            + "; its window was already emitted");
  }

  /** A heartbeat refused for one of its node's bounds: it stays in its source topic. */
  public static Rejection refused(Inbound in, String reason, String detail) {
    return new Rejection(in.topic(), in.partition(), in.offset(), null, null, reason, detail);
  }

  /** A derived record (a window result) that reached a closed window downstream. */
  public static Rejection lateDerived(String operator, String what) {
    return new Rejection("flink:" + operator, -1, -1, null, null, Rejection.LATE, "late " + what);
  }
}
