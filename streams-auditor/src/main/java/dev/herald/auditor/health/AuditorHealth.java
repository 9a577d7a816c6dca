package dev.herald.auditor.health;

import java.util.ArrayList;
import java.util.List;

/**
 * Whether the auditor is auditing: {@code UP}, {@code DEGRADED} (auditing, with a condition an
 * operator should fix or know about) or {@code DOWN} (not auditing some or all input), with the
 * reasons, worst first.
 *
 * <pre>{@code
 * AuditorHealth h = auditor.health();
 * if (h.status() != AuditorHealth.Status.UP) h.reasons().forEach(System.err::println);
 * }</pre>
 *
 * @param status the worst condition found
 * @param reasons one sentence per condition, DOWN ones first; empty when UP
 */
public record AuditorHealth(Status status, List<String> reasons) {
  /** How well the auditor is doing, best first. */
  public enum Status {
    UP,
    DEGRADED,
    DOWN
  }

  public AuditorHealth {
    reasons = List.copyOf(reasons);
  }

  /** Healthy, nothing to say. */
  public static final AuditorHealth UP = new AuditorHealth(Status.UP, List.of());

  /** Collects conditions and builds the health they add up to. */
  public static final class Builder {
    private final List<String> down = new ArrayList<>();
    private final List<String> degraded = new ArrayList<>();

    public Builder down(String reason) {
      down.add(reason);
      return this;
    }

    public Builder degraded(String reason) {
      degraded.add(reason);
      return this;
    }

    public AuditorHealth build() {
      List<String> reasons = new ArrayList<>(down);
      reasons.addAll(degraded);
      Status status =
          !down.isEmpty() ? Status.DOWN : !degraded.isEmpty() ? Status.DEGRADED : Status.UP;
      return new AuditorHealth(status, reasons);
    }
  }

  public static Builder builder() {
    return new Builder();
  }
}
