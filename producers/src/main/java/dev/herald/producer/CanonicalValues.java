package dev.herald.producer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.herald.schema.canonical.CanonicalJson;
import dev.herald.schema.canonical.Hashing;
import java.nio.ByteBuffer;

/**
 * How the SDK turns a state or an operation body into the bytes it hashes
 * (docs/producer-protocol.md "Hashing states and operations").
 *
 * <ul>
 *   <li>{@code byte[]} / {@link ByteBuffer}: the bytes as they are — the service already has a
 *       canonical serialisation (e.g. its own storage format).
 *   <li>{@link CharSequence}: JSON text, parsed and written as canonical JSON ({@link
 *       CanonicalJson}: sorted keys, no whitespace, exact numbers), so {@code {"b":1,"a":2}} and
 *       {@code { "a": 2, "b": 1.0 }} hash the same.
 *   <li>{@link JsonNode}, {@link java.util.Map}, {@link java.util.List}, numbers, booleans:
 *       canonical JSON of the value; map keys must be strings.
 *   <li>{@code null}: the empty byte string — used for the state before version 1, whose hash is
 *       written as an empty {@code prevStateHash}.
 * </ul>
 *
 * <pre>{@code
 * byte[] hash = CanonicalValues.hash(Map.of("balance", 100, "owner", "ada"));
 * }</pre>
 */
public final class CanonicalValues {
  private static final byte[] EMPTY = new byte[0];

  private CanonicalValues() {}

  /** The canonical bytes of {@code value}; {@link IllegalArgumentException} if it has none. */
  public static byte[] bytes(Object value) {
    if (value == null) {
      return EMPTY;
    }
    if (value instanceof byte[] raw) {
      return raw.clone();
    }
    if (value instanceof ByteBuffer buffer) {
      ByteBuffer b = buffer.duplicate();
      byte[] out = new byte[b.remaining()];
      b.get(out);
      return out;
    }
    if (value instanceof CharSequence json) {
      return CanonicalJson.ofJson(json.toString());
    }
    if (value instanceof JsonNode node) {
      return CanonicalJson.of(node);
    }
    return CanonicalJson.ofValue(value);
  }

  /** SHA-256 of the canonical bytes of {@code value}. */
  public static byte[] hash(Object value) {
    return Hashing.sha256(bytes(value));
  }

  /**
   * The {@code prevStateHash} of a report: empty for a {@code null} previous state (version 1),
   * otherwise the SHA-256 of its canonical bytes.
   */
  public static byte[] prevStateHash(Object prevState) {
    return prevState == null ? EMPTY : hash(prevState);
  }
}
