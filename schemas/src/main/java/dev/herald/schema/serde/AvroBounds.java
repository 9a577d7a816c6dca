package dev.herald.schema.serde;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * Checks, before Avro decodes a payload, that every length and count in it fits in the bytes that
 * follow it, so decoding never allocates more than the payload's own size: a 10-byte record cannot
 * ask for a multi-gigabyte string, byte array or array.
 *
 * <p>Why not Avro's {@code org.apache.avro.limits.*} system properties: in Avro 1.12 they are
 * JVM-wide, read once when {@code SystemLimitException} is loaded, and a string's buffer is
 * allocated before the decoder checks that its bytes are there, so they bound every reader of the
 * JVM by one number instead of each record by its size. This scan walks the writer schema over the
 * bytes without allocating and rejects:
 *
 * <ul>
 *   <li>a string, bytes or fixed longer than the bytes left;
 *   <li>an array or map block whose item count exceeds the bytes left (every item of such a schema
 *       takes at least one byte), or for items that may take no byte (null, empty records) more
 *       than {@code maxZeroByteItems} items in all;
 *   <li>a negative length or count, a union or enum index out of range, a varint longer than 10
 *       bytes, and nesting deeper than {@value #MAX_DEPTH}.
 * </ul>
 *
 * <pre>{@code
 * AvroBounds bounds = new AvroBounds(writerSchema, 1 << 20);
 * bounds.check(bytes, 5); // throws MalformedRecordException(MALFORMED_PAYLOAD)
 * }</pre>
 */
public final class AvroBounds {
  /** Deepest nesting of records, arrays, maps and unions accepted. */
  public static final int MAX_DEPTH = 64;

  private static final Schema MAP_KEY = Schema.create(Schema.Type.STRING);

  private final Schema writer;
  private final long maxZeroByteItems;
  private final Map<Schema, Integer> minSizes = new IdentityHashMap<>();

  /**
   * @param writer the writer schema the bytes were written with
   * @param maxZeroByteItems how many items of a schema that may encode in zero bytes one payload
   *     may hold in all
   */
  public AvroBounds(Schema writer, long maxZeroByteItems) {
    this.writer = writer;
    this.maxZeroByteItems = maxZeroByteItems;
    minSize(writer, 0);
  }

  /**
   * Checks {@code bytes} from {@code offset} to the end.
   *
   * @throws MalformedRecordException with reason {@code MALFORMED_PAYLOAD} naming what is wrong
   */
  public void check(byte[] bytes, int offset) {
    Scan scan = new Scan(bytes, offset);
    scan.value(writer, 0);
  }

  /** The fewest bytes a value of {@code s} can take (0 for schemas that may take none). */
  private int minSize(Schema s, int depth) {
    Integer known = minSizes.get(s);
    if (known != null) {
      return known;
    }
    if (depth > MAX_DEPTH) {
      return 0;
    }
    // Recursive named types: assume 0 while computing, the conservative answer.
    minSizes.put(s, 0);
    int size =
        switch (s.getType()) {
          case NULL -> 0;
          case BOOLEAN, INT, LONG, ENUM, STRING, BYTES, ARRAY, MAP, UNION -> 1;
          case FLOAT -> 4;
          case DOUBLE -> 8;
          case FIXED -> s.getFixedSize();
          case RECORD -> {
            long sum = 0;
            for (Schema.Field f : s.getFields()) {
              sum += minSize(f.schema(), depth + 1);
            }
            yield (int) Math.min(sum, Integer.MAX_VALUE);
          }
        };
    switch (s.getType()) {
      case ARRAY -> minSize(s.getElementType(), depth + 1);
      case MAP -> minSize(s.getValueType(), depth + 1);
      case UNION -> s.getTypes().forEach(t -> minSize(t, depth + 1));
      default -> {}
    }
    minSizes.put(s, size);
    return size;
  }

  private final class Scan {
    private final byte[] buf;
    private int pos;
    private long zeroByteItems;

    Scan(byte[] buf, int pos) {
      this.buf = buf;
      this.pos = pos;
    }

    void value(Schema s, int depth) {
      if (depth > MAX_DEPTH) {
        throw bad("nesting deeper than " + MAX_DEPTH + " levels");
      }
      switch (s.getType()) {
        case NULL -> {}
        case BOOLEAN -> skip(1, "boolean");
        case INT, LONG -> varLong();
        case FLOAT -> skip(4, "float");
        case DOUBLE -> skip(8, "double");
        case STRING, BYTES -> {
          long length = varLong();
          if (length < 0 || length > left()) {
            throw bad(
                "a "
                    + s.getType().getName()
                    + " of "
                    + length
                    + " bytes where "
                    + left()
                    + " bytes are left");
          }
          pos += (int) length;
        }
        case FIXED -> skip(s.getFixedSize(), "fixed " + s.getFullName());
        case ENUM -> {
          long index = varLong();
          if (index < 0 || index >= s.getEnumSymbols().size()) {
            throw bad("enum " + s.getFullName() + " index " + index + " is out of range");
          }
        }
        case UNION -> {
          List<Schema> branches = s.getTypes();
          long index = varLong();
          if (index < 0 || index >= branches.size()) {
            throw bad("union index " + index + " is out of range");
          }
          value(branches.get((int) index), depth + 1);
        }
        case RECORD -> {
          for (Schema.Field f : s.getFields()) {
            value(f.schema(), depth + 1);
          }
        }
        case ARRAY -> blocks(s.getElementType(), null, depth);
        case MAP -> blocks(s.getValueType(), s, depth);
      }
    }

    /** Array or map blocks: a count (negative: followed by the block's byte size), 0 ends. */
    private void blocks(Schema item, Schema map, int depth) {
      int itemMin = map != null ? 1 : minSizes.getOrDefault(item, 0);
      while (true) {
        long count = varLong();
        if (count == 0) {
          return;
        }
        if (count < 0) {
          if (count == Long.MIN_VALUE) {
            throw bad("a block count of " + count);
          }
          count = -count;
          long size = varLong();
          if (size < 0 || size > left()) {
            throw bad("a block of " + size + " bytes where " + left() + " bytes are left");
          }
        }
        if (itemMin > 0) {
          if (count > left()) {
            throw bad("a block of " + count + " items where " + left() + " bytes are left");
          }
        } else {
          zeroByteItems += count;
          if (zeroByteItems > maxZeroByteItems) {
            throw bad(
                zeroByteItems
                    + " items that may take no byte; at most "
                    + maxZeroByteItems
                    + " are read");
          }
        }
        for (long i = 0; i < count; i++) {
          if (map != null) {
            value(MAP_KEY, depth + 1);
          }
          value(item, depth + 1);
        }
      }
    }

    private long varLong() {
      long value = 0;
      int shift = 0;
      for (int i = 0; i < 10; i++) {
        if (pos >= buf.length) {
          throw bad("the payload ends inside a number");
        }
        int b = buf[pos++] & 0xff;
        value |= (long) (b & 0x7f) << shift;
        if ((b & 0x80) == 0) {
          return (value >>> 1) ^ -(value & 1);
        }
        shift += 7;
      }
      throw bad("a number longer than 10 bytes");
    }

    private void skip(int n, String what) {
      if (n > left()) {
        throw bad("the payload ends inside a " + what);
      }
      pos += n;
    }

    private int left() {
      return buf.length - pos;
    }

    private MalformedRecordException bad(String what) {
      return new MalformedRecordException(
          MalformedRecordException.Reason.MALFORMED_PAYLOAD,
          "cannot decode " + writer.getName() + ": " + what + " (at byte " + pos + ")");
    }
  }
}
