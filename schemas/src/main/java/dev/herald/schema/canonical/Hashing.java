package dev.herald.schema.canonical;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 of canonical bytes: the state and operation hashes in a {@code StateChange}. */
public final class Hashing {
  private static final HexFormat HEX = HexFormat.of();

  private Hashing() {}

  /** SHA-256 of {@code bytes}. */
  public static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java 17 runtime has SHA-256", e);
    }
  }

  /** Lower-case hex of a byte buffer, without consuming it. */
  public static String hex(ByteBuffer buffer) {
    if (buffer.hasArray()) {
      int from = buffer.arrayOffset() + buffer.position();
      return HEX.formatHex(buffer.array(), from, from + buffer.remaining());
    }
    ByteBuffer b = buffer.duplicate();
    byte[] bytes = new byte[b.remaining()];
    b.get(bytes);
    return HEX.formatHex(bytes);
  }

  /** Lower-case hex. */
  public static String hex(byte[] bytes) {
    return HEX.formatHex(bytes);
  }
}
