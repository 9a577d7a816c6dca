package dev.herald.auditor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.TopicPartition;

/**
 * Whether committed input advances: per partition, the committed offset last read, since when it
 * has not moved, and the end offset. A partition is stuck when records wait (end above committed)
 * and the committed offset has not moved for longer than a threshold — a task that cannot get past
 * a record, or no task at all.
 *
 * <pre>{@code
 * progress.observe(tp, committed, end, now);
 * List<String> stuck = progress.stuck(now, Duration.ofSeconds(60));
 * }</pre>
 */
final class InputProgress {
  private record Reading(long committed, long since, long end) {}

  private final Map<TopicPartition, Reading> readings = new ConcurrentHashMap<>();

  /** Records one reading of a partition's committed and end offsets, taken at {@code now}. */
  void observe(TopicPartition tp, long committed, long end, long now) {
    readings.compute(
        tp,
        (k, before) ->
            before == null || before.committed() != committed || before.end() <= before.committed()
                ? new Reading(committed, now, end)
                : new Reading(committed, before.since(), end));
  }

  /** The stuck partitions, described for an operator, in a stable order. */
  List<String> stuck(long now, Duration threshold) {
    List<String> out = new ArrayList<>();
    readings.forEach(
        (tp, r) -> {
          if (r.end() > r.committed() && now - r.since() > threshold.toMillis()) {
            out.add(
                tp
                    + ": "
                    + (r.end() - r.committed())
                    + " records wait at offset "
                    + r.committed()
                    + ", not committed further for "
                    + (now - r.since()) / 1000
                    + " s");
          }
        });
    out.sort(null);
    return out;
  }
}
