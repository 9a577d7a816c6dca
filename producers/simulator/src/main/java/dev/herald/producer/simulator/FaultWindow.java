package dev.herald.producer.simulator;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * A window fault as the {@link Simulator} injected it: which replica, and the instants (of the
 * simulator's clock, in milliseconds like event times on the wire) at which the fault began and
 * ended. For {@link FaultType#SILENT}, the crash of a node: it sends no heartbeat in {@code [start,
 * end)} (and, its group applying nothing, no report either); its first heartbeat after the crash is
 * sent at {@code end}.
 *
 * <pre>{@code
 * sim.run(Duration.ofSeconds(40));
 * FaultWindow crash = sim.faultWindows().get(0);
 * Duration injected = crash.length();   // compare with the measured downtime of crash.nodeId()
 * }</pre>
 *
 * @param type {@link FaultType#SILENT}, {@link FaultType#LAG} or {@link FaultType#FLOOD}
 * @param nodeId the replica the fault hits
 * @param group its group
 * @param start when the fault began
 * @param end when it ended, or {@code null} while it lasts
 */
public record FaultWindow(FaultType type, String nodeId, String group, Instant start, Instant end) {
  public FaultWindow {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(nodeId, "nodeId");
    Objects.requireNonNull(start, "start");
    if (!type.windowed()) {
      throw new IllegalArgumentException(type.scenarioName() + " is not a window fault");
    }
    if (end != null && end.isBefore(start)) {
      throw new IllegalArgumentException("window ends at " + end + " before it starts at " + start);
    }
  }

  /** Whether the fault has ended. */
  public boolean closed() {
    return end != null;
  }

  /** How long the fault lasted; only once it has ended. */
  public Duration length() {
    if (end == null) {
      throw new IllegalStateException(
          type.scenarioName() + " window of " + nodeId + " has not ended yet");
    }
    return Duration.between(start, end);
  }

  FaultWindow endedAt(Instant at) {
    return new FaultWindow(type, nodeId, group, start, at);
  }
}
