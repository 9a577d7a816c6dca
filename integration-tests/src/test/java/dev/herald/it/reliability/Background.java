package dev.herald.it.reliability;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Periodic background steps of a test (heartbeats, ticks), stopped first when the test ends. */
public final class Background implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Background.class);

  /** A step that may fail; failures are logged and the step runs again at its next period. */
  public interface Step {
    void run() throws Exception;
  }

  private final ScheduledExecutorService executor = Executors.newScheduledThreadPool(2);

  public void every(Duration period, Step step) {
    executor.scheduleAtFixedRate(
        () -> {
          try {
            step.run();
          } catch (Exception e) {
            LOG.warn("background step failed: {}", e.toString());
          }
        },
        0,
        period.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    executor.shutdownNow();
    executor.awaitTermination(10, TimeUnit.SECONDS);
  }
}
