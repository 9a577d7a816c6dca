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
 *   <li>{@link CharSequence}: always JSON text, parsed strictly and written as canonical JSON
 *       ({@link CanonicalJson}: sorted keys, no whitespace, exact numbers), so {@code
 *       {"b":1,"a":2}} and {@code { "a": 2, "b": 1.0 }} hash the same. A plain string is not JSON:
 *       give {@code "\"text\""} (a JSON string) or its bytes.
 *   <li>{@link JsonNode}, {@link java.util.Map}, {@link java.util.List}, numbers, booleans:
 *       canonical JSON of the value; map keys must be strings; a {@code double} counts as its
 *       shortest round-trip decimal ({@link dev.herald.schema.canonical.CanonicalNumbers}).
 *   <li>{@code null} (no state, e.g. a deleted entity): the empty byte string, whose hash is
 *       SHA-256 of zero bytes ({@code e3b0c442…}). Not the JSON {@code null} (the 4 bytes {@code
 *       null}).
 * </ul>
 *
 * <p>{@code prevStateHash} is the empty byte string at version 1 (there is no previous state; not a
 * hash of anything) and the hash of the previous state at every later version.
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
   * otherwise the SHA-256 of its canonical bytes. Prefer {@link #prevStateHash(long, Object)}.
   */
  public static byte[] prevStateHash(Object prevState) {
    return prevState == null ? EMPTY : hash(prevState);
  }

  /**
   * The {@code prevStateHash} of a report of {@code version}: empty at version 1, whatever {@code
   * prevState} is (nothing precedes version 1); the SHA-256 of {@code prevState}'s canonical bytes
   * at every later version, {@code null} included (an absent state hashes as zero bytes).
   */
  public static byte[] prevStateHash(long version, Object prevState) {
    return version == 1 ? EMPTY : hash(prevState);
  }
}
