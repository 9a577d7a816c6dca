package dev.herald.flink.window;

import java.util.Set;

/**
 * How alert types count in availability and risk figures: which are divergences (replicas
 * disagree), which are Byzantine (a node lies or is impersonated), and how much each severity
 * weighs in the risk score.
 */
public final class AlertClasses {
  private AlertClasses() {}

  private static final Set<String> DIVERGENCE =
      Set.of("DIVERGENCE", "NO_QUORUM", "FORK", "CONFLICTING_WRITE", "DUPLICATE_APPLY");
  private static final Set<String> BYZANTINE =
      Set.of(
          "EQUIVOCATION",
          "FORGED_REPORT",
          "VERSION_JUMP",
          "UNKNOWN_NODE",
          "IDENTITY_CONFLICT",
          "CONFUSABLE_IDENTITY");

  /**
   * Replicas disagree about state: DIVERGENCE, NO_QUORUM, FORK, CONFLICTING_WRITE, DUPLICATE_APPLY.
   */
  public static boolean isDivergence(String type) {
    return DIVERGENCE.contains(type);
  }

  /**
   * A node lies or is impersonated: EQUIVOCATION, FORGED_REPORT, VERSION_JUMP and the identity
   * alerts.
   */
  public static boolean isByzantine(String type) {
    return BYZANTINE.contains(type);
  }

  /** Risk weight of one incident: CRITICAL 5, HIGH 2, MEDIUM 1, LOW 0.2. */
  public static double weight(String severity) {
    return switch (severity) {
      case "CRITICAL" -> 5.0;
      case "HIGH" -> 2.0;
      case "MEDIUM" -> 1.0;
      default -> 0.2;
    };
  }
}
