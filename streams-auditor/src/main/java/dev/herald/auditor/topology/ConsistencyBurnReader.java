package dev.herald.auditor.topology;

import dev.herald.auditor.detect.Finding;
import dev.herald.auditor.health.RegistryRetry;
import dev.herald.schema.AlertType;
import dev.herald.schema.ConsistencyWindow;
import dev.herald.schema.Topics;
import dev.herald.schema.id.Identifiers;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.serde.MalformedRecordException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Reads the consistency SLO figures of the Flink consistency job ({@code herald.consistency.v1})
 * and turns a window whose multi-window burn-rate alert fires ({@code burnAlert}) into one
 * occurrence of the group's {@code CONSISTENCY_BURN} episode: the alert lifecycle opens it, counts
 * later burning windows (UPDATED) and resolves it after the type's quiet period ({@code
 * resolveAfter}) without a burning window. A window that does not burn yields nothing.
 *
 * <p>The topic is written by the Flink job, but every byte is treated as hostile: a record that
 * does not decode, is larger than {@link #MAX_BYTES}, or whose figures are not consistent (an
 * invalid group id, a share outside [0, 1], negative or non-finite burn rates, more agreed versions
 * than versions, an empty window, a target outside (0, 1)) is a dead letter with its reason.
 */
final class ConsistencyBurnReader implements Processor<String, byte[], String, Emission> {
  /** A figure is a few hundred bytes; anything beyond this is not one. */
  static final int MAX_BYTES = 16 * 1024;

  private final AvroWireFormat<ConsistencyWindow> format;
  private final AuditorMetrics metrics;
  private ProcessorContext<String, Emission> context;

  ConsistencyBurnReader(AvroWireFormat<ConsistencyWindow> format, AuditorMetrics metrics) {
    this.format = format;
    this.metrics = metrics;
  }

  @Override
  public void init(ProcessorContext<String, Emission> context) {
    this.context = context;
  }

  @Override
  public void process(Record<String, byte[]> record) {
    long wall = context.currentSystemTimeMs();
    ConsistencyWindow w;
    try {
      w =
          RegistryRetry.STREAM_THREADS.decode(
              () -> format.deserialize(Topics.CONSISTENCY, record.value()));
    } catch (MalformedRecordException e) {
      dead(record, e.reason().name(), e.getMessage(), wall);
      return;
    }
    String problem = problem(w);
    if (problem != null) {
      dead(
          record,
          MalformedRecordException.Reason.INVALID.name(),
          "consistency figure " + problem + "; not an SLO figure of the consistency job",
          wall);
      return;
    }
    if (!w.getBurnAlert()) {
      return;
    }
    String group = w.getGroup().toString();
    long start = w.getWindowStart().toEpochMilli();
    long end = w.getWindowEnd().toEpochMilli();
    Finding f =
        new Finding(
            Finding.Kind.EPISODE,
            AlertType.CONSISTENCY_BURN,
            group,
            null,
            null,
            List.of(),
            null,
            detail(w),
            start,
            end,
            Map.of(),
            List.of());
    context.forward(
        new Record<>(
            Emission.routingKey(f), new Emission.Found(f), Math.max(0, record.timestamp())));
  }

  /** One sentence: the figure, M, the target and both burn rates. */
  static String detail(ConsistencyWindow w) {
    return String.format(
        Locale.ROOT,
        "group %s burns its consistency error budget: %d of %d versions agreed by every replica"
            + " within %d ms (%.3f %%, %s%.2f nines; target %s) in window [%d, %d); burn rate"
            + " %.1f over %d ms and %.1f over %d ms, both at or above %.1f",
        w.getGroup(),
        w.getAgreedWithin(),
        w.getVersions(),
        w.getWithinMs(),
        w.getShare() * 100,
        w.getNinesAtLeast() ? ">= " : "",
        w.getNines(),
        w.getTarget(),
        w.getWindowStart().toEpochMilli(),
        w.getWindowEnd().toEpochMilli(),
        w.getFastBurnRate(),
        w.getFastWindowMs(),
        w.getSlowBurnRate(),
        w.getSlowWindowMs(),
        w.getBurnThreshold());
  }

  /** Why {@code w} is not a figure the consistency job writes; null when it is one. */
  static String problem(ConsistencyWindow w) {
    String group = w.getGroup().toString();
    if (!Identifiers.valid(group)) {
      return "with an invalid group id ("
          + Identifiers.problem(Identifiers.Kind.GROUP, group)
          + ")";
    }
    if (w.getWindowEnd().toEpochMilli() <= w.getWindowStart().toEpochMilli()) {
      return "of group " + group + " with an empty window (windowEnd <= windowStart)";
    }
    if (w.getVersions() < 1 || w.getAgreedWithin() < 0 || w.getAgreedWithin() > w.getVersions()) {
      return "of group "
          + group
          + " with "
          + w.getAgreedWithin()
          + " of "
          + w.getVersions()
          + " versions agreed (needs 0 <= agreedWithin <= versions, versions >= 1)";
    }
    if (!(w.getShare() >= 0 && w.getShare() <= 1)) {
      return "of group " + group + " with share " + w.getShare() + " (must be in [0, 1])";
    }
    if (!(w.getTarget() > 0 && w.getTarget() < 1)) {
      return "of group " + group + " with target " + w.getTarget() + " (must be in (0, 1))";
    }
    if (w.getWithinMs() <= 0 || w.getFastWindowMs() <= 0 || w.getSlowWindowMs() <= 0) {
      return "of group " + group + " with a non-positive M or burn-rate window";
    }
    for (double d :
        new double[] {
          w.getNines(), w.getFastBurnRate(), w.getSlowBurnRate(), w.getBurnThreshold()
        }) {
      if (!Double.isFinite(d) || d < 0) {
        return "of group "
            + group
            + " with a negative or non-finite nines, burn rate or threshold ("
            + d
            + ")";
      }
    }
    return null;
  }

  private void dead(Record<String, byte[]> record, String reason, String detail, long wall) {
    metrics.deadLetter(reason);
    context.forward(
        DeadLetters.of(record, context.recordMetadata().orElse(null), reason, detail, wall));
  }
}
