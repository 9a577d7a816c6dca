package dev.herald.auditor.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.Decoder;
import org.apache.avro.util.Utf8;
import org.apache.kafka.common.errors.SerializationException;

/**
 * A decoder over one stored value that refuses a length or an item count larger than the value
 * itself, before anything is allocated: a corrupt value must fail with a {@link
 * SerializationException}, never make the reader allocate gigabytes for a garbage count. Every
 * other read goes straight to the {@link BinaryDecoder}.
 */
final class BoundedDecoder extends Decoder {
  private BinaryDecoder in;
  private long limit;

  /** Reads from {@code in}, a value of {@code valueLength} bytes. */
  BoundedDecoder reset(BinaryDecoder in, long valueLength) {
    this.in = in;
    this.limit = valueLength;
    return this;
  }

  private int checked(long n, String what) {
    if (n < 0 || n > limit) {
      throw new SerializationException(
          "the value is corrupt: " + what + " " + n + " in a value of " + limit + " bytes");
    }
    return (int) n;
  }

  @Override
  public void readNull() throws IOException {
    in.readNull();
  }

  @Override
  public boolean readBoolean() throws IOException {
    return in.readBoolean();
  }

  @Override
  public int readInt() throws IOException {
    return in.readInt();
  }

  @Override
  public long readLong() throws IOException {
    return in.readLong();
  }

  @Override
  public float readFloat() throws IOException {
    return in.readFloat();
  }

  @Override
  public double readDouble() throws IOException {
    return in.readDouble();
  }

  @Override
  public Utf8 readString(Utf8 old) throws IOException {
    return new Utf8(readLengthAndBytes("string length"));
  }

  @Override
  public String readString() throws IOException {
    return new String(readLengthAndBytes("string length"), StandardCharsets.UTF_8);
  }

  @Override
  public void skipString() throws IOException {
    in.skipFixed(checked(in.readLong(), "string length"));
  }

  @Override
  public ByteBuffer readBytes(ByteBuffer old) throws IOException {
    return ByteBuffer.wrap(readLengthAndBytes("bytes length"));
  }

  @Override
  public void skipBytes() throws IOException {
    in.skipFixed(checked(in.readLong(), "bytes length"));
  }

  private byte[] readLengthAndBytes(String what) throws IOException {
    byte[] bytes = new byte[checked(in.readLong(), what)];
    in.readFixed(bytes, 0, bytes.length);
    return bytes;
  }

  @Override
  public void readFixed(byte[] bytes, int start, int length) throws IOException {
    in.readFixed(bytes, start, length);
  }

  @Override
  public void skipFixed(int length) throws IOException {
    in.skipFixed(checked(length, "fixed length"));
  }

  @Override
  public int readEnum() throws IOException {
    return in.readEnum();
  }

  @Override
  public long readArrayStart() throws IOException {
    return checked(in.readArrayStart(), "array count");
  }

  @Override
  public long arrayNext() throws IOException {
    return checked(in.arrayNext(), "array count");
  }

  @Override
  public long skipArray() throws IOException {
    return in.skipArray();
  }

  @Override
  public long readMapStart() throws IOException {
    return checked(in.readMapStart(), "map count");
  }

  @Override
  public long mapNext() throws IOException {
    return checked(in.mapNext(), "map count");
  }

  @Override
  public long skipMap() throws IOException {
    return in.skipMap();
  }

  @Override
  public int readIndex() throws IOException {
    return in.readIndex();
  }
}
