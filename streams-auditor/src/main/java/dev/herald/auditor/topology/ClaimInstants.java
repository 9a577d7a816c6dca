package dev.herald.auditor.topology;

import java.util.Arrays;

/**
 * One node's live claims in a task, counted per admitted instant, oldest first ({@link
 * ClaimStore}): two parallel arrays used as a queue. Claims are recorded on the partition's
 * admitted clock, which never runs back, so a new instant is appended at the end; the cap drops
 * whole instants from the front; an expired or replaced claim is found by binary search. An instant
 * whose count reaches zero stays in place (its time keeps the order) until it reaches the front.
 *
 * <p>It replaces a {@code TreeMap<Long, int[]>} per node: with one new instant per admitted batch
 * and thousands live per node, each insertion walked and rebalanced a tree of cold entries (2.8 %
 * of the auditor's stream thread, JFR of round 12 of issue #15).
 */
final class ClaimInstants {
  private long[] times = new long[8];
  private int[] counts = new int[8];

  /** The live range is [head, tail); times strictly increase within it. */
  private int head;

  private int tail;

  /** Whether no instant holds a claim. */
  boolean isEmpty() {
    skipEmpty();
    return head == tail;
  }

  /** The oldest instant holding a claim; only when not {@link #isEmpty}. */
  long first() {
    skipEmpty();
    return times[head];
  }

  /**
   * Counts {@code n} claims at {@code at}: the newest instant again, a newer one, or (when loaded
   * out of order) an older one.
   */
  void add(long at, int n) {
    if (tail > head && times[tail - 1] == at) {
      counts[tail - 1] += n;
      return;
    }
    if (tail == head || at > times[tail - 1]) {
      room();
      times[tail] = at;
      counts[tail] = n;
      tail++;
      return;
    }
    room(); // first: it may move the range
    int i = Arrays.binarySearch(times, head, tail, at);
    if (i >= 0) {
      counts[i] += n;
      return;
    }
    int at0 = -i - 1;
    System.arraycopy(times, at0, times, at0 + 1, tail - at0);
    System.arraycopy(counts, at0, counts, at0 + 1, tail - at0);
    times[at0] = at;
    counts[at0] = n;
    tail++;
  }

  /** Uncounts one claim at {@code at}; false if none is counted there. */
  boolean removeOne(long at) {
    int i = Arrays.binarySearch(times, head, tail, at);
    if (i < 0 || counts[i] == 0) {
      return false;
    }
    counts[i]--;
    return true;
  }

  /** Drops the oldest instant holding claims and returns their number; only when not empty. */
  int dropFirst() {
    skipEmpty();
    int n = counts[head];
    counts[head] = 0;
    head++;
    return n;
  }

  /** Instants held, empty ones inside the range included (for tests). */
  int slots() {
    return tail - head;
  }

  private void skipEmpty() {
    while (head < tail && counts[head] == 0) {
      head++;
    }
    if (head == tail) {
      head = 0;
      tail = 0;
    }
  }

  /** Makes room for one more at the end: moves the range to the front or grows the arrays. */
  private void room() {
    if (tail < times.length) {
      return;
    }
    int live = tail - head;
    if (head > 0 && live <= times.length / 2) {
      System.arraycopy(times, head, times, 0, live);
      System.arraycopy(counts, head, counts, 0, live);
    } else {
      long[] t = new long[times.length * 2];
      int[] c = new int[counts.length * 2];
      System.arraycopy(times, head, t, 0, live);
      System.arraycopy(counts, head, c, 0, live);
      times = t;
      counts = c;
    }
    head = 0;
    tail = live;
  }
}
