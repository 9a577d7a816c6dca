package dev.herald.auditor.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A compact binary serde for the auditor's own state-store and repartition values (never for
 * input), written field by field by a {@link Codec} — see {@link StoreCodecs}. It replaced a JSON
 * serde that took half of the auditor's CPU: values start with a format byte ({@link #FORMAT}); a
 * value that starts with <code>'{'</code> was written by the JSON serde and is still read with it,
 * so stores written before the change load.
 *
 * <p>Strings carry a one-byte tag: null, UTF-8, lower-case hex packed two digits to a byte (the
 * hashes that make up most of an entity's state), or "the same as the enclosing value's" (a
 * report's group and entity inside its entity). Integers are zig-zag varints.
 *
 * <p>Stateless and thread-safe: one instance may serve every task's store.
 */
public final class BinarySerde<T> implements Serde<T> {
  /** First byte of every value written by this serde (format 1). */
  static final byte FORMAT = (byte) 0xB1;

  /** Writes and reads the fields of one type. */
  interface Codec<T> {
    void write(Out out, T value);

    T read(In in);
  }

  private final Class<T> type;
  private final Codec<T> codec;

  BinarySerde(Class<T> type, Codec<T> codec) {
    this.type = type;
    this.codec = codec;
  }

  byte[] serialize(T value) {
    if (value == null) {
      return null;
    }
    Out out = new Out(256);
    out.rawByte(FORMAT);
    codec.write(out, value);
    return out.toByteArray();
  }

  T deserialize(byte[] bytes) {
    if (bytes == null) {
      return null;
    }
    if (bytes.length > 0 && bytes[0] == '{') {
      try {
        return JsonSerde.MAPPER.readValue(bytes, type);
      } catch (IOException e) {
        throw new SerializationException("cannot read " + type.getSimpleName() + " from JSON", e);
      }
    }
    if (bytes.length == 0 || bytes[0] != FORMAT) {
      throw new SerializationException(
          "cannot read "
              + type.getSimpleName()
              + ": unknown format byte "
              + (bytes.length == 0 ? "(empty value)" : Integer.toHexString(bytes[0] & 0xff)));
    }
    In in = new In(bytes, 1);
    try {
      T value = codec.read(in);
      if (in.pos != bytes.length) {
        throw new SerializationException(
            "cannot read " + type.getSimpleName() + ": " + (bytes.length - in.pos) + " bytes left");
      }
      return value;
    } catch (RuntimeException e) {
      if (e instanceof SerializationException) {
        throw e;
      }
      throw new SerializationException("cannot read " + type.getSimpleName() + ": " + e, e);
    }
  }

  @Override
  public Serializer<T> serializer() {
    return (topic, value) -> serialize(value);
  }

  @Override
  public Deserializer<T> deserializer() {
    return (topic, bytes) -> deserialize(bytes);
  }

  private static final byte NULL = 0;
  private static final byte UTF8 = 1;
  private static final byte HEX = 2;
  private static final byte SAME = 3;

  /** A growable output buffer. */
  static final class Out {
    private byte[] buf;
    private int pos;

    Out(int capacity) {
      buf = new byte[capacity];
    }

    private void ensure(int n) {
      if (pos + n > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
      }
    }

    void rawByte(byte b) {
      ensure(1);
      buf[pos++] = b;
    }

    void bool(boolean b) {
      rawByte(b ? (byte) 1 : (byte) 0);
    }

    /** An unsigned varint (counts, lengths). */
    void uint(int v) {
      ensure(5);
      while ((v & ~0x7F) != 0) {
        buf[pos++] = (byte) ((v & 0x7F) | 0x80);
        v >>>= 7;
      }
      buf[pos++] = (byte) v;
    }

    /** A zig-zag varint. */
    void zlong(long v) {
      long z = (v << 1) ^ (v >> 63);
      ensure(10);
      while ((z & ~0x7FL) != 0) {
        buf[pos++] = (byte) ((z & 0x7F) | 0x80);
        z >>>= 7;
      }
      buf[pos++] = (byte) z;
    }

    void float64(double d) {
      long v = Double.doubleToRawLongBits(d);
      ensure(8);
      for (int i = 56; i >= 0; i -= 8) {
        buf[pos++] = (byte) (v >>> i);
      }
    }

    /** A nullable {@code Long}. */
    void optLong(Long v) {
      bool(v != null);
      if (v != null) {
        zlong(v);
      }
    }

    /** A nullable size: 0 for null, else size + 1. */
    void size(Object collection, int size) {
      uint(collection == null ? 0 : size + 1);
    }

    void str(String s) {
      str(s, null);
    }

    /** A nullable string; written as one tag byte when it equals {@code same}. */
    void str(String s, String same) {
      if (s == null) {
        rawByte(NULL);
        return;
      }
      if (same != null && s.equals(same)) {
        rawByte(SAME);
        return;
      }
      if (!packedHex(s) && !ascii(s)) {
        rawByte(UTF8);
        bytes(s.getBytes(StandardCharsets.UTF_8));
      }
    }

    /** Writes {@code s} as packed hex if it is lower-case hex of even length; else nothing. */
    private boolean packedHex(String s) {
      int n = s.length();
      if (n == 0 || (n & 1) != 0 || nibble(s.charAt(0)) < 0) {
        return false;
      }
      int start = pos;
      rawByte(HEX);
      uint(n / 2);
      ensure(n / 2);
      for (int i = 0; i < n; i += 2) {
        int hi = nibble(s.charAt(i));
        int lo = nibble(s.charAt(i + 1));
        if ((hi | lo) < 0) {
          pos = start;
          return false;
        }
        buf[pos++] = (byte) ((hi << 4) | lo);
      }
      return true;
    }

    /** Writes {@code s} as UTF-8 without an intermediate array if it is ASCII; else nothing. */
    private boolean ascii(String s) {
      int n = s.length();
      int start = pos;
      rawByte(UTF8);
      uint(n);
      ensure(n);
      for (int i = 0; i < n; i++) {
        char c = s.charAt(i);
        if (c >= 0x80) {
          pos = start;
          return false;
        }
        buf[pos++] = (byte) c;
      }
      return true;
    }

    void bytes(byte[] b) {
      uint(b.length);
      raw(b);
    }

    /** Bytes as they are, without a length (a part encoded before). */
    void raw(byte[] b) {
      ensure(b.length);
      System.arraycopy(b, 0, buf, pos, b.length);
      pos += b.length;
    }

    /** Nullable bytes. */
    void optBytes(byte[] b) {
      bool(b != null);
      if (b != null) {
        bytes(b);
      }
    }

    <E extends Enum<E>> void enumName(E e) {
      str(e == null ? null : e.name());
    }

    byte[] toByteArray() {
      return Arrays.copyOf(buf, pos);
    }

    private static int nibble(char c) {
      return c < 128 ? NIBBLES[c] : -1;
    }
  }

  /** Value of each lower-case hex digit, -1 for every other ASCII byte. */
  private static final byte[] NIBBLES = new byte[128];

  private static final byte[] DIGITS = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  static {
    Arrays.fill(NIBBLES, (byte) -1);
    for (int i = 0; i < DIGITS.length; i++) {
      NIBBLES[DIGITS[i]] = (byte) i;
    }
  }

  /** A reader over one value. */
  static final class In {
    private final byte[] buf;
    private int pos;

    In(byte[] buf, int pos) {
      this.buf = buf;
      this.pos = pos;
    }

    /** Whether bytes are left (a value written by a newer codec may carry a trailing section). */
    boolean more() {
      return pos < buf.length;
    }

    private void need(int n) {
      if (n < 0 || pos + n > buf.length) {
        throw new SerializationException("truncated value: " + n + " more bytes needed at " + pos);
      }
    }

    byte rawByte() {
      need(1);
      return buf[pos++];
    }

    boolean bool() {
      return rawByte() != 0;
    }

    int uint() {
      int v = 0;
      for (int shift = 0; shift < 35; shift += 7) {
        byte b = rawByte();
        v |= (b & 0x7F) << shift;
        if (b >= 0) {
          return v;
        }
      }
      throw new SerializationException("malformed varint at " + pos);
    }

    long zlong() {
      long z = 0;
      for (int shift = 0; shift < 70; shift += 7) {
        byte b = rawByte();
        z |= (long) (b & 0x7F) << shift;
        if (b >= 0) {
          return (z >>> 1) ^ -(z & 1);
        }
      }
      throw new SerializationException("malformed varint at " + pos);
    }

    int zint() {
      return Math.toIntExact(zlong());
    }

    double float64() {
      need(8);
      long v = 0;
      for (int i = 0; i < 8; i++) {
        v = (v << 8) | (buf[pos++] & 0xFFL);
      }
      return Double.longBitsToDouble(v);
    }

    Long optLong() {
      return bool() ? zlong() : null;
    }

    /** A size written by {@link Out#size}: -1 for null. */
    int size() {
      return uint() - 1;
    }

    String str() {
      return str(null);
    }

    String str(String same) {
      byte tag = rawByte();
      switch (tag) {
        case NULL:
          return null;
        case SAME:
          return same;
        case HEX:
          {
            int n = uint();
            need(n);
            byte[] chars = new byte[2 * n];
            for (int i = 0; i < n; i++) {
              int b = buf[pos++];
              chars[2 * i] = DIGITS[(b >> 4) & 0xF];
              chars[2 * i + 1] = DIGITS[b & 0xF];
            }
            return new String(chars, StandardCharsets.ISO_8859_1);
          }
        case UTF8:
          {
            int n = uint();
            need(n);
            String s = new String(buf, pos, n, StandardCharsets.UTF_8);
            pos += n;
            return s;
          }
        default:
          throw new SerializationException("unknown string tag " + tag + " at " + (pos - 1));
      }
    }

    byte[] bytes() {
      int n = uint();
      need(n);
      byte[] b = Arrays.copyOfRange(buf, pos, pos + n);
      pos += n;
      return b;
    }

    byte[] optBytes() {
      return bool() ? bytes() : null;
    }

    <E extends Enum<E>> E enumName(Class<E> type) {
      String name = str();
      return name == null ? null : Enum.valueOf(type, name);
    }
  }
}
