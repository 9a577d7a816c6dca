package dev.herald.auditor.health;

import dev.herald.schema.registry.SchemaRegistryException;
import dev.herald.schema.serde.MalformedRecordException;
import java.time.Duration;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes a record and, while the schema registry cannot be asked, waits and tries again: a
 * registry outage is never a reason to skip or dead-letter input.
 *
 * <p>{@link #decode} returns the decoded value, or throws {@link MalformedRecordException} for
 * input that is really bad (its reason is never {@code REGISTRY_UNAVAILABLE}: dead-letter it), or —
 * when the registry stays unreachable past the budget — throws {@link
 * RegistryUnavailableException}, which the caller must not catch. Waits grow from {@value
 * #FIRST_DELAY_MS} ms, doubling, to at most {@value #MAX_DELAY_MS} ms. The outage itself is
 * reported to health by the registry client (see {@code RememberingSchemaRegistryClient#status}),
 * which the auditor wraps around every registry it is given.
 *
 * <p>Two budgets, for the two kinds of thread:
 *
 * <ul>
 *   <li>{@link #STREAM_THREADS}: at most {@value #STREAM_THREAD_BUDGET_MS} ms in one call. Kafka
 *       Streams 4.2 offers no "retry this record" answer for processing errors (KIP-1033's {@code
 *       ProcessingExceptionHandler} can only resume — skip — or fail; KIP-1065's RETRY exists for
 *       production errors only), so the honest mechanism is to wait a little in place, then fail
 *       the thread: exactly-once aborts the open transaction and the replacement thread reads the
 *       record again. The budget stays well inside the transaction timeout Streams gives its
 *       exactly-once producer (10 s) and {@code max.poll.interval.ms} (5 min), so waiting never
 *       gets the task fenced or evicted mid-record.
 *   <li>{@link #UNTIL_ANSWERED}: for the global-store thread ({@code RegistryUpdater}), which holds
 *       no transaction and no group membership: it waits until the registry answers (or the auditor
 *       stops), so no node registration is ever skipped.
 * </ul>
 *
 * <pre>{@code
 * // in a processor of the reconciliation topology
 * ReportBatch batch;
 * try {
 *   batch = RegistryRetry.STREAM_THREADS.decode(() -> format.deserialize(topic, bytes));
 * } catch (MalformedRecordException e) {
 *   // bad input: dead-letter it with e.reason(); never REGISTRY_UNAVAILABLE here
 * }
 * // RegistryUnavailableException propagates: the thread is replaced and the record re-read
 * }</pre>
 */
public final class RegistryRetry {
  private static final Logger LOG = LoggerFactory.getLogger(RegistryRetry.class);

  static final long FIRST_DELAY_MS = 50;
  static final long MAX_DELAY_MS = 1_000;
  static final long STREAM_THREAD_BUDGET_MS = 4_000;

  /** For stream threads: waits at most {@value #STREAM_THREAD_BUDGET_MS} ms per call. */
  public static final RegistryRetry STREAM_THREADS =
      new RegistryRetry(Duration.ofMillis(STREAM_THREAD_BUDGET_MS));

  /** For the global-store thread: waits until the registry answers or the auditor stops. */
  public static final RegistryRetry UNTIL_ANSWERED = new RegistryRetry(null);

  /** How a retry waits (a seam for tests). */
  @FunctionalInterface
  public interface Sleeper {
    void sleep(Duration d) throws InterruptedException;
  }

  private final Duration budget;
  private final Duration first;
  private final Duration max;
  private final Sleeper sleeper;
  private final LongSupplier nanos;

  private RegistryRetry(Duration budget) {
    this(
        budget,
        Duration.ofMillis(FIRST_DELAY_MS),
        Duration.ofMillis(MAX_DELAY_MS),
        d -> Thread.sleep(d.toMillis()),
        System::nanoTime);
  }

  /**
   * A retry with its own timing.
   *
   * @param budget longest wait in one call, or null to wait until the registry answers
   * @param first the first wait
   * @param max the longest single wait
   * @param sleeper how to wait
   * @param nanos a monotonic clock in nanoseconds
   */
  public RegistryRetry(
      Duration budget, Duration first, Duration max, Sleeper sleeper, LongSupplier nanos) {
    this.budget = budget;
    this.first = first;
    this.max = max;
    this.sleeper = sleeper;
    this.nanos = nanos;
  }

  /**
   * Runs {@code decoding} until it returns or fails for a reason other than {@code
   * REGISTRY_UNAVAILABLE}.
   *
   * @throws MalformedRecordException the input is bad (never {@code REGISTRY_UNAVAILABLE})
   * @throws RegistryUnavailableException the registry stayed unreachable past the budget, or the
   *     auditor is stopping: let it propagate
   */
  public <T> T decode(Supplier<T> decoding) {
    long start = nanos.getAsLong();
    int attempt = 0;
    while (true) {
      try {
        T value = decoding.get();
        if (attempt > 0) {
          LOG.info(
              "decoded after waiting {} ms for the schema registry",
              (nanos.getAsLong() - start) / 1_000_000);
        }
        return value;
      } catch (MalformedRecordException e) {
        if (e.reason() != MalformedRecordException.Reason.REGISTRY_UNAVAILABLE) {
          throw e;
        }
        if (stopping(e)) {
          throw new RegistryUnavailableException(
              "the auditor is stopping while a record waits for the schema registry; it is read"
                  + " again on the next start",
              e);
        }
        Duration delay = delay(attempt++);
        long waitedMs = (nanos.getAsLong() - start) / 1_000_000;
        if (budget != null && waitedMs + delay.toMillis() > budget.toMillis()) {
          throw new RegistryUnavailableException(
              "the schema registry was unreachable for "
                  + waitedMs
                  + " ms; the stream thread gives up this attempt and the record is read again"
                  + " (nothing is skipped): "
                  + e.getMessage(),
              e);
        }
        if (attempt == 1) {
          LOG.warn("a record waits for the schema registry: {}", e.getMessage());
        } else {
          LOG.debug("still waiting for the schema registry: {}", e.getMessage());
        }
        try {
          sleeper.sleep(delay);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new RegistryUnavailableException(
              "interrupted while waiting for the schema registry", e);
        }
      }
    }
  }

  /** The wait after failed attempt {@code attempt} (0-based): doubling from the first, capped. */
  public Duration delay(int attempt) {
    long ms = first.toMillis() << Math.min(attempt, 20);
    return Duration.ofMillis(Math.min(ms, max.toMillis()));
  }

  private static boolean stopping(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SchemaRegistryException r
          && r.errorCode() == SchemaRegistryException.CLOSED) {
        return true;
      }
    }
    return false;
  }
}
