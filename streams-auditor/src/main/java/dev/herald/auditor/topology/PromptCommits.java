package dev.herald.auditor.topology;

import java.time.Duration;
import java.util.function.Predicate;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Asks Kafka Streams for an early commit when a task emits something someone waits for — a finding
 * on its way to the alert topic, a dead letter, an alert — so that under exactly-once the output
 * becomes visible within {@link #MIN_GAP_MS} instead of at the next {@code commit.interval.ms}.
 * Honest traffic emits nothing and so commits only at the interval, which can then be long: each
 * exactly-once commit is a transaction round trip that costs the stream thread far more than
 * auditing the records between two commits.
 *
 * <p>Only for fresh input: while the auditor catches up with input older than {@link #FRESH_MS} (a
 * restart, a replay, a backlog), its output is late anyway and early commits would only slow the
 * catch-up.
 *
 * <p>A task whose fresh input pauses for {@link #MIN_GAP_MS} also asks for a commit ({@link
 * #read}): the committed offsets are how the auditor's input frontier ({@code EndOffsetWatcher})
 * learns that a partition was read to its end, which closes versions and judges silence in quiet
 * partitions; so they reach the end as promptly as with a short interval, while a busy partition
 * (never at its end) commits only at the interval.
 *
 * <pre>{@code
 * prompt = new PromptCommits(context);   // in init()
 * prompt.emitted(record.timestamp());    // after forwarding an output
 * }</pre>
 */
final class PromptCommits {
  /** At most one early commit request per this many ms of wall-clock time. */
  static final long MIN_GAP_MS = 100;

  /**
   * Input older than this (wall clock minus record time) is being caught up with. Generous, since a
   * live finding's time can trail the wall clock: a silence is judged at the newest heartbeat time
   * seen, which is up to a heartbeat period old.
   */
  static final long FRESH_MS = 5_000;

  private final ProcessorContext<?, ?> context;
  private long lastRequest = Long.MIN_VALUE / 2;
  private boolean pending;
  private boolean unsettled;
  private long lastRead;

  /** Call in {@code init}: schedules the wall-clock check of requests held back by the gap. */
  PromptCommits(ProcessorContext<?, ?> context) {
    this.context = context;
    context.schedule(Duration.ofMillis(MIN_GAP_MS), PunctuationType.WALL_CLOCK_TIME, this::tick);
  }

  /**
   * The task read an input record of time {@code timestamp}; once its fresh input pauses, it asks
   * for a commit (not while catching up: a task whose buffer ran dry waits for the next poll).
   */
  void read(long timestamp) {
    long wall = context.currentSystemTimeMs();
    lastRead = wall;
    if (wall - timestamp <= FRESH_MS) {
      unsettled = true;
    }
  }

  private void tick(long wall) {
    if (unsettled && wall - lastRead >= MIN_GAP_MS) {
      unsettled = false;
      pending = true;
    }
    maybeRequest(wall);
  }

  /** The task forwarded an output caused by a record of time {@code timestamp}. */
  void emitted(long timestamp) {
    long wall = context.currentSystemTimeMs();
    if (wall - timestamp > FRESH_MS) {
      return;
    }
    pending = true;
    maybeRequest(wall);
  }

  private void maybeRequest(long wall) {
    if (pending && wall - lastRequest >= MIN_GAP_MS) {
      context.commit();
      lastRequest = wall;
      pending = false;
    }
  }

  /**
   * Whether somebody waits for this output: findings (on their way to alerts) and dead letters, not
   * consistency verdicts (the consistency job's windows are minutes long).
   */
  static boolean waitedFor(Emission e) {
    return !(e instanceof Emission.Verdict);
  }

  /** Forwards every input record unchanged, asking for a commit when the input pauses. */
  static final class Input<K, V> implements Processor<K, V, K, V> {
    private ProcessorContext<K, V> context;
    private PromptCommits prompt;

    @Override
    public void init(ProcessorContext<K, V> context) {
      this.context = context;
      prompt = new PromptCommits(context);
    }

    @Override
    public void process(Record<K, V> record) {
      prompt.read(record.timestamp());
      context.forward(record);
    }
  }

  /**
   * Forwards every record unchanged, asking for an early commit for each one somebody waits for
   * (see above; {@code waitedFor}). Consistency verdicts are not waited for: one is written for
   * every closed version, so asking for them kept honest traffic committing every {@link
   * #MIN_GAP_MS}, and each commit blocks the stream thread for a transaction round trip.
   */
  static final class PassThrough<K, V> implements Processor<K, V, K, V> {
    private final Predicate<? super V> waitedFor;
    private ProcessorContext<K, V> context;
    private PromptCommits prompt;

    PassThrough(Predicate<? super V> waitedFor) {
      this.waitedFor = waitedFor;
    }

    @Override
    public void init(ProcessorContext<K, V> context) {
      this.context = context;
      prompt = new PromptCommits(context);
    }

    @Override
    public void process(Record<K, V> record) {
      context.forward(record);
      if (!waitedFor.test(record.value())) {
        return;
      }
      // An output's own time may be the wall clock (a dead letter's is): its input is fresh only
      // if the task's stream time is too, so catching up with old input never asks for commits.
      prompt.emitted(Math.min(record.timestamp(), context.currentStreamTimeMs()));
    }
  }
}
