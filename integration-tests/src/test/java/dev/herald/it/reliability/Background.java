package dev.herald.it.reliability;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Periodic background steps of a test (heartbeats, ticks), stopped first when the test ends. A step
 * that throws fails the test: the first failure is kept (and logged at ERROR when it happens) and
 * {@link #close()} throws it, so a broken clock shows up as what it is, not as a timeout elsewhere.
 * A failed step still runs again at its next period, so the test sees the same clock until the end.
 * A step interrupted by {@link #close()} has not failed.
 */
public final class Background implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Background.class);

  /** A step that may fail. */
  public interface Step {
    void run() throws Exception;
  }

  private final ScheduledExecutorService executor = Executors.newScheduledThreadPool(2);
  private final AtomicReference<Throwable> firstFailure = new AtomicReference<>();
  private final AtomicInteger failures = new AtomicInteger();
  // set before close() interrupts the steps: a step cut short by the interrupt did not fail
  private volatile boolean stopping;

  public void every(Duration period, Step step) {
    executor.scheduleAtFixedRate(
        () -> {
          try {
            step.run();
          } catch (Exception | AssertionError e) {
            if (stopping) {
              return;
            }
            failures.incrementAndGet();
            if (firstFailure.compareAndSet(null, e)) {
              LOG.error("background step failed (the test will fail): {}", e.toString(), e);
            }
          }
        },
        0,
        period.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /** Throws if a step has failed so far (to fail early, e.g. inside an await). */
  public void assertNoFailure() {
    Throwable f = firstFailure.get();
    if (f != null) {
      throw new AssertionError(
          "a background step failed " + failures.get() + " time(s); first: " + f, f);
    }
  }

  /** Stops the steps, then fails if any of them failed. */
  @Override
  public void close() throws InterruptedException {
    stopping = true;
    executor.shutdownNow();
    executor.awaitTermination(10, TimeUnit.SECONDS);
    assertNoFailure();
  }
}
