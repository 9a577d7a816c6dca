package dev.herald.auditor.health;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.processor.TaskId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The uncaught-exception handler of one Kafka Streams application of the auditor, and the memory of
 * its failures for health.
 *
 * <p>A failed stream thread is replaced (exactly-once rolls its open transaction back, so the
 * replacement reads the same records again), but never in a tight loop: before replacing, the
 * failing thread waits {@code 1 s × 2^(n-1)} (at most 60 s), where {@code n} is the number of
 * failures in the last {@code window} (5 min by default). Health is DOWN while {@value #DOWN_AFTER}
 * or more failures happened in the window — the same task failing again and again (a poison pill)
 * is named. A failure caused by {@link RegistryUnavailableException} is a wait for the schema
 * registry, not a crash: it is replaced after the same back-off but counts toward none of this
 * (health reports the registry outage itself). A failure of the global-store thread cannot be
 * replaced (Kafka Streams allows none): the application stops and health says DOWN from its state.
 *
 * <pre>{@code
 * StreamThreadFailures failures = new StreamThreadFailures("herald-auditor");
 * streams.setUncaughtExceptionHandler(failures);
 * List<String> down = failures.downReasons();
 * }</pre>
 */
public final class StreamThreadFailures implements StreamsUncaughtExceptionHandler {
  private static final Logger LOG = LoggerFactory.getLogger(StreamThreadFailures.class);

  /** Failures in the window from which health is DOWN. */
  public static final int DOWN_AFTER = 3;

  private static final long MAX_BACKOFF_MS = 60_000;

  /** One failure: when, of which task (if known), why. */
  record Failure(long atMs, TaskId task, boolean registry, String cause) {}

  private final String application;
  private final long windowMs;
  private final LongSupplier clock;
  private final CountDownLatch closing = new CountDownLatch(1);
  private final Deque<Failure> failures = new ArrayDeque<>();

  /** Failures remembered over the last 5 minutes, on the wall clock. */
  public StreamThreadFailures(String application) {
    this(application, Duration.ofMinutes(5), System::currentTimeMillis);
  }

  StreamThreadFailures(String application, Duration window, LongSupplier clock) {
    this.application = application;
    this.windowMs = window.toMillis();
    this.clock = clock;
  }

  @Override
  public StreamThreadExceptionResponse handle(Throwable e) {
    if (Thread.currentThread().getName().contains("GlobalStreamThread")) {
      LOG.error(
          "{}: the global-store thread failed and cannot be replaced; the application stops: {}",
          application,
          e.toString());
      LOG.debug("global thread failure", e);
      return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    }
    long backoff = record(e);
    if (closing.getCount() == 0) {
      return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    }
    LOG.error(
        "{}: stream thread failed; replacing it in {} ms: {}", application, backoff, describe(e));
    LOG.debug("stream thread failure", e);
    try {
      if (closing.await(backoff, TimeUnit.MILLISECONDS)) {
        return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
      }
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
    }
    return StreamThreadExceptionResponse.REPLACE_THREAD;
  }

  /** Records a failure; returns how long to wait before replacing the thread. */
  long record(Throwable e) {
    long now = clock.getAsLong();
    int recent;
    synchronized (failures) {
      prune(now);
      failures.addLast(
          new Failure(
              now, taskOf(e).orElse(null), RegistryUnavailableException.isCauseOf(e), describe(e)));
      recent = failures.size();
    }
    return Math.min(MAX_BACKOFF_MS, 1_000L << Math.min(recent - 1, 16));
  }

  /** Stops waiting before replacements (the application is closing). */
  public void close() {
    closing.countDown();
  }

  /** Why health is DEGRADED: fewer than {@value #DOWN_AFTER} thread failures in the window. */
  public List<String> degradedReasons() {
    List<Failure> crashes = recentCrashes();
    if (crashes.isEmpty() || crashes.size() >= DOWN_AFTER) {
      return List.of();
    }
    return List.of(
        application
            + " stream thread failed "
            + crashes.size()
            + " time(s) in the last "
            + windowMs / 1000
            + " s and was replaced; last: "
            + crashes.get(crashes.size() - 1).cause());
  }

  private List<Failure> recentCrashes() {
    long now = clock.getAsLong();
    List<Failure> crashes = new ArrayList<>();
    synchronized (failures) {
      prune(now);
      failures.stream().filter(f -> !f.registry()).forEach(crashes::add);
    }
    return crashes;
  }

  /** Why health is DOWN because of failed threads, or nothing. */
  public List<String> downReasons() {
    List<Failure> crashes = recentCrashes();
    if (crashes.size() < DOWN_AFTER) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    Map<TaskId, Integer> byTask = new HashMap<>();
    crashes.stream()
        .filter(f -> f.task() != null)
        .forEach(f -> byTask.merge(f.task(), 1, Integer::sum));
    byTask.forEach(
        (task, n) -> {
          if (n >= DOWN_AFTER) {
            out.add(
                application
                    + " task "
                    + task
                    + " failed "
                    + n
                    + " times in the last "
                    + windowMs / 1000
                    + " s (a record it cannot get past?)");
          }
        });
    out.add(
        application
            + " stream threads failed "
            + crashes.size()
            + " times in the last "
            + windowMs / 1000
            + " s; last: "
            + crashes.get(crashes.size() - 1).cause());
    return out;
  }

  private void prune(long now) {
    while (!failures.isEmpty() && now - failures.peekFirst().atMs() > windowMs) {
      failures.removeFirst();
    }
  }

  static Optional<TaskId> taskOf(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof StreamsException s && s.taskId().isPresent()) {
        return s.taskId();
      }
    }
    return Optional.empty();
  }

  private static String describe(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String task = taskOf(e).map(t -> "task " + t + ": ").orElse("");
    return task
        + root.getClass().getSimpleName()
        + (root.getMessage() == null ? "" : " " + root.getMessage());
  }
}
