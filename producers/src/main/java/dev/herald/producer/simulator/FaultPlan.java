package dev.herald.producer.simulator;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Random;

/**
 * When each fault is due, as an event index: a pure function of the scenario, the number of events
 * and the seed, so runs with the same seed inject the same faults at the same operations.
 */
final class FaultPlan {
  record Due(long index, FaultType type) {}

  private FaultPlan() {}

  /** The faults due in events {@code [start, start + events)}, in order. */
  static Deque<Due> plan(Scenario s, long start, long events, Random random) {
    long warmup = Math.max(2L * s.groups(), events / 20);
    long windowEvents = 0;
    for (Scenario.FaultSpec spec : s.faults()) {
      java.time.Duration w =
          switch (spec.type()) {
            case LAG -> s.lagWindow();
            case SILENT -> s.silentWindow();
            case FLOOD -> s.floodWindow();
            default -> java.time.Duration.ZERO;
          };
      windowEvents = Math.max(windowEvents, toEvents(w, s.rate()));
    }
    long tail = windowEvents + toEvents(s.spacing(), s.rate());
    long from = start + warmup;
    long to = Math.max(from + 1, start + events - tail);
    long span = to - from;
    List<Due> due = new ArrayList<>();
    for (Scenario.FaultSpec spec : s.faults()) {
      if (spec.count() != null) {
        for (int k = 0; k < spec.count(); k++) {
          long slot = (long) ((k + random.nextDouble()) * span / spec.count());
          due.add(new Due(from + slot, spec.type()));
        }
      } else if (spec.every() != null) {
        long period = Math.max(1, toEvents(spec.every(), s.rate()));
        for (long i = from + period; i < to; i += period) {
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
    due.sort(Comparator.comparingLong(Due::index).thenComparing(Due::type));
    return new ArrayDeque<>(due);
  }

  static long toEvents(java.time.Duration d, double rate) {
    return (long) Math.ceil(d.toMillis() * rate / 1000.0);
  }
}
