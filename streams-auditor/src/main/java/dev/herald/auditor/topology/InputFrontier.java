package dev.herald.auditor.topology;

import java.util.OptionalLong;

/**
 * What the auditor knows of how far it has read its input: for a partition of the heartbeat topic,
 * the newest wall time at which the auditor had processed everything that was on the broker.
 * Silence can only be judged up to that time; while heartbeats wait unread (the auditor lags
 * behind, its consumer serves other partitions first) the wall clock says nothing about them.
 *
 * <pre>{@code
 * OptionalLong asOf = frontier.caughtUpAt(Topics.HEARTBEATS, 3);
 * }</pre>
 */
public interface InputFrontier {
  /** Knows nothing: the auditor falls back to judging idleness by the wall clock. */
  InputFrontier NONE =
      new InputFrontier() {
        @Override
        public boolean known() {
          return false;
        }

        @Override
        public OptionalLong caughtUpAt(String topic, int partition) {
          return OptionalLong.empty();
        }
      };

  /** Whether this frontier reports anything (false for {@link #NONE}). */
  default boolean known() {
    return true;
  }

  /**
   * The wall time (ms) of the newest observation at which the auditor's committed position on
   * {@code topic}/{@code partition} had reached the partition's end; empty while records are
   * pending or before the first observation.
   */
  OptionalLong caughtUpAt(String topic, int partition);

  /**
   * A lower bound of the wall time at which the record at {@code offset} was appended: the newest
   * observation at which the partition's end offset had not yet passed it (the record was not there
   * yet). Empty when the record is older than every observation kept, or nothing is known. Unlike a
   * {@code CreateTime} timestamp, no writer chooses it.
   */
  default OptionalLong appendedNoEarlierThan(String topic, int partition, long offset) {
    return OptionalLong.empty();
  }
}
