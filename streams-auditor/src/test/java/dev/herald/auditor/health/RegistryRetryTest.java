package dev.herald.auditor.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.schema.registry.SchemaRegistryException;
import dev.herald.schema.serde.MalformedRecordException;
import dev.herald.schema.serde.MalformedRecordException.Reason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * A registry outage is waited out, never turned into a dead letter: decoding is retried with a
 * growing wait, within a budget for stream threads, and gives up only by failing the thread.
 */
class RegistryRetryTest {
  private final AtomicLong nanos = new AtomicLong();
  private final List<Duration> waits = new ArrayList<>();
  private final RegistryRetry.Sleeper sleeper =
      d -> {
        waits.add(d);
        nanos.addAndGet(d.toNanos());
      };

  private RegistryRetry retry(Duration budget) {
    return new RegistryRetry(
        budget, Duration.ofMillis(50), Duration.ofSeconds(1), sleeper, nanos::get);
  }

  /** Fails as unavailable {@code failures} times, then returns "decoded". */
  private static Supplier<String> unavailableFor(int failures) {
    AtomicInteger left = new AtomicInteger(failures);
    return () -> {
      if (left.getAndDecrement() > 0) {
        throw new MalformedRecordException(Reason.REGISTRY_UNAVAILABLE, "registry down");
      }
      return "decoded";
    };
  }

  @Test
  void decodesOnceTheRegistryAnswersAfterGrowingWaits() {
    String value = retry(null).decode(unavailableFor(7));

    assertThat(value).isEqualTo("decoded");
    assertThat(waits)
        .containsExactly(
            Duration.ofMillis(50),
            Duration.ofMillis(100),
            Duration.ofMillis(200),
            Duration.ofMillis(400),
            Duration.ofMillis(800),
            Duration.ofSeconds(1),
            Duration.ofSeconds(1));
  }

  @Test
  void badInputIsPassedOnAtOnce() {
    Supplier<String> bad =
        () -> {
          throw new MalformedRecordException(Reason.BAD_MAGIC_BYTE, "junk");
        };

    assertThatThrownBy(() -> retry(null).decode(bad))
        .isInstanceOfSatisfying(
            MalformedRecordException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.BAD_MAGIC_BYTE));
    assertThat(waits).isEmpty();
  }

  @Test
  void aStreamThreadGivesUpAfterItsBudgetWithoutCallingTheRecordBad() {
    assertThatThrownBy(() -> retry(Duration.ofSeconds(4)).decode(unavailableFor(1_000)))
        .isInstanceOf(RegistryUnavailableException.class)
        .isNotInstanceOf(MalformedRecordException.class);
    long waited = waits.stream().mapToLong(Duration::toMillis).sum();
    assertThat(waited).isBetween(1L, 4_000L);
  }

  @Test
  void aStoppingAuditorStopsTheWaitAtOnce() {
    Supplier<String> closed =
        () -> {
          throw new MalformedRecordException(
              Reason.REGISTRY_UNAVAILABLE,
              "closed",
              new SchemaRegistryException("closed", SchemaRegistryException.CLOSED));
        };

    assertThatThrownBy(() -> retry(null).decode(closed))
        .isInstanceOf(RegistryUnavailableException.class);
    assertThat(waits).isEmpty();
  }

  @Test
  void theSharedStreamThreadBudgetStaysInsideTheExactlyOnceTransactionTimeout() {
    // Kafka Streams gives its exactly-once producer transaction.timeout.ms = 10 s.
    assertThat(RegistryRetry.STREAM_THREAD_BUDGET_MS).isLessThan(10_000 / 2);
  }
}
