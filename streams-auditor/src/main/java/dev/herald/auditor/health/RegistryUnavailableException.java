package dev.herald.auditor.health;

import dev.herald.schema.registry.RememberingSchemaRegistryClient;
import dev.herald.schema.registry.SchemaRegistryException;
import dev.herald.schema.serde.MalformedRecordException;

/**
 * The schema registry stayed unreachable for as long as a stream thread may wait (see {@link
 * RegistryRetry}). Thrown out of a processor on purpose: the stream thread fails, exactly-once
 * processing aborts its transaction, and the record is read again by the replacement thread — it is
 * never skipped and never dead-lettered. The auditor's uncaught-exception handler recognises it,
 * replaces the thread after a back-off and reports the outage as DEGRADED, not as a crash.
 */
public final class RegistryUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  RegistryUnavailableException(String message, MalformedRecordException cause) {
    super(message, cause);
  }

  /**
   * Whether {@code e} is a wait for the schema registry: one of its causes is a {@link
   * RegistryUnavailableException}, or a registry call that got no answer (e.g. an alert that could
   * not be serialized because the registry is down).
   */
  public static boolean isCauseOf(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof RegistryUnavailableException) {
        return true;
      }
      if (t instanceof SchemaRegistryException r && !RememberingSchemaRegistryClient.answered(r)) {
        return true;
      }
    }
    return false;
  }
}
