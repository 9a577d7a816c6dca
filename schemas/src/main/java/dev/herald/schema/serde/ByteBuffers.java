package dev.herald.schema.serde;

import java.nio.ByteBuffer;

/** Avro's {@code bytes} fields arrive as {@link ByteBuffer}s; this reads them without consuming. */
public final class ByteBuffers {
  private ByteBuffers() {}

  /** The remaining bytes of a buffer, without moving its position; null for null. */
  public static byte[] bytes(ByteBuffer buffer) {
    if (buffer == null) {
      return null;
    }
    ByteBuffer b = buffer.duplicate();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }
}
