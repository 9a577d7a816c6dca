package dev.herald.producer;

import java.util.Objects;

/**
 * An operation a replica applied: its id (the same on every replica that applies it) and its body,
 * which is hashed into {@code opDigest} by the rules of {@link CanonicalValues}.
 *
 * <pre>{@code
 * Operation op = Operation.of("op-42", Map.of("type", "deposit", "amount", 100));
 * }</pre>
 *
 * @param id operation id, e.g. a request id; the auditor compares these across replicas
 * @param body the operation as bytes, a map, a list or JSON text (see {@link CanonicalValues})
 */
public record Operation(String id, Object body) {
  public Operation {
    Objects.requireNonNull(id, "operation id");
    if (id.isEmpty()) {
      throw new IllegalArgumentException("operation id must not be empty");
    }
  }

  /** An operation with this id and body. */
  public static Operation of(String id, Object body) {
    return new Operation(id, body);
  }

  /** SHA-256 of the canonical bytes of the body. */
  public byte[] digest() {
    return CanonicalValues.hash(body);
  }
}
