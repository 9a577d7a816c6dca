package dev.herald.auditor.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.schema.serde.MalformedRecordException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.processor.TaskId;
import org.junit.jupiter.api.Test;

/**
 * Failed stream threads are replaced after a growing back-off; repeated failures, of one task above
 * all, make health DOWN for a while; waiting for the schema registry is not a crash.
 */
class StreamThreadFailuresTest {
  private final AtomicLong now = new AtomicLong(1_000_000);
  private final StreamThreadFailures failures =
      new StreamThreadFailures("herald-auditor", Duration.ofMinutes(5), now::get);

  private static Throwable poisonPill(TaskId task) {
    return new StreamsException(
        "failed", new IllegalStateException("record too large for its changelog"), task);
  }

  @Test
  void theBackOffGrowsWithRecentFailuresAndIsCapped() {
    long first = failures.record(poisonPill(new TaskId(0, 1)));
    long second = failures.record(poisonPill(new TaskId(0, 1)));
    long third = failures.record(poisonPill(new TaskId(0, 1)));
    for (int i = 0; i < 20; i++) {
      failures.record(poisonPill(new TaskId(0, 1)));
    }
    long late = failures.record(poisonPill(new TaskId(0, 1)));

    assertThat(first).isEqualTo(1_000);
    assertThat(second).isEqualTo(2_000);
    assertThat(third).isEqualTo(4_000);
    assertThat(late).isEqualTo(60_000);
  }

  @Test
  void theSameTaskFailingAgainAndAgainIsDownAndNamed() {
    for (int i = 0; i < StreamThreadFailures.DOWN_AFTER; i++) {
      failures.record(poisonPill(new TaskId(0, 3)));
    }

    assertThat(failures.downReasons())
        .anySatisfy(r -> assertThat(r).contains("task 0_3").contains("failed 3 times"));
  }

  @Test
  void failuresOlderThanTheWindowAreForgotten() {
    for (int i = 0; i < StreamThreadFailures.DOWN_AFTER; i++) {
      failures.record(poisonPill(new TaskId(0, 3)));
    }
    now.addAndGet(Duration.ofMinutes(5).plusSeconds(1).toMillis());

    assertThat(failures.downReasons()).isEmpty();
  }

  @Test
  void waitingForTheRegistryIsNotACrash() {
    for (int i = 0; i < 10; i++) {
      failures.record(
          new StreamsException(
              new RegistryUnavailableException(
                  "registry down",
                  new MalformedRecordException(
                      MalformedRecordException.Reason.REGISTRY_UNAVAILABLE, "down")),
              new TaskId(0, 0)));
    }

    assertThat(failures.downReasons()).isEmpty();
  }

  @Test
  void fewerFailuresThanTheThresholdAreDegradedNotDown() {
    failures.record(poisonPill(new TaskId(0, 1)));
    failures.record(poisonPill(new TaskId(0, 2)));

    assertThat(failures.downReasons()).isEmpty();
    assertThat(failures.degradedReasons())
        .singleElement()
        .asString()
        .contains("failed 2 time(s)")
        .contains("record too large for its changelog");
  }
}
