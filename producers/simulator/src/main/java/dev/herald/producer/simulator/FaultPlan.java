package dev.herald.producer.simulator;

import java.time.Duration;
import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.Random;

/**
 * When each fault of a round is due, as an event index: a pure function of the scenario, the round
 * and the seed, so runs with the same seed plan the same faults at the same operations. Every fault
 * the scenario names is planned in every round: {@code count} ones spread over the round, {@code
 * every} ones from the round's start on, {@code rate} ones per event. The first round leaves a
 * short warm-up (accounts to open, batches to duplicate); the last {@code tail} events (the longest
 * window and a spacing) are left for the faults to finish inside the round.
 */
final class FaultPlan {
  /**
   * A fault due at event {@code index}; {@code planned} is the event it was first due at, {@code
   * deferrals} how often it has been refused and rescheduled since.
   */
  record Due(long index, FaultType type, long planned, int deferrals) {
    Due(long index, FaultType type) {
      this(index, type, index, 0);
    }

    /** The same fault, refused once more, due again at {@code index}. */
    Due deferredTo(long index) {
      return new Due(index, type, planned, deferrals + 1);
    }
  }

  /** Earliest first; among faults due at one event, in the order of {@link FaultType}. */
  private static final Comparator<Due> ORDER =
      Comparator.comparingLong(Due::index).thenComparing(Due::type);

  private static final Duration ONE_SECOND = Duration.ofSeconds(1);

  private FaultPlan() {}

  /** The faults due in events {@code [start, start + events)}, earliest first. */
  static PriorityQueue<Due> plan(Scenario s, long start, long events, Random random) {
    // the first round waits for the first accounts and batches (at most a second of events);
    // a later round starts with all of them there
    long warmup =
        start == 0
            ? Math.max(2L * s.groups(), Math.min(events / 20, toEvents(ONE_SECOND, s.rate())))
            : 0;
    long windowEvents = 0;
    for (Scenario.FaultSpec spec : s.faults()) {
      Duration w =
          switch (spec.type()) {
            case LAG -> s.lagWindow();
            case SILENT -> s.silentWindow();
            case FLOOD -> s.floodWindow();
            default -> Duration.ZERO;
          };
      windowEvents = Math.max(windowEvents, toEvents(w, s.rate()));
    }
    long tail = windowEvents + toEvents(s.spacing(), s.rate());
    long from = start + warmup;
    long to = Math.max(from + 1, start + events - tail);
    long span = to - from;
    PriorityQueue<Due> due = new PriorityQueue<>(ORDER);
    for (Scenario.FaultSpec spec : s.faults()) {
      if (spec.count() != null) {
        for (int k = 0; k < spec.count(); k++) {
          long slot = (long) ((k + random.nextDouble()) * span / spec.count());
          due.add(new Due(from + slot, spec.type()));
        }
      } else if (spec.every() != null) {
        long period = Math.max(1, toEvents(spec.every(), s.rate()));
        for (long i = from; i < to; i += period) {
          due.add(new Due(i, spec.type()));
        }
      } else {
        for (long i = from; i < to; i++) {
          if (random.nextDouble() < spec.rate()) {
            due.add(new Due(i, spec.type()));
          }
        }
      }
    }
    return due;
  }

  static long toEvents(Duration d, double rate) {
    return (long) Math.ceil(d.toMillis() * rate / 1000.0);
  }
}
