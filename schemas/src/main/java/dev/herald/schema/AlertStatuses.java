package dev.herald.schema;

/**
 * What an {@link AlertStatus} means for a consumer: an alert is <em>active</em> (still firing, to
 * be acted on) while it is {@code OPEN} or {@code UPDATED}; {@code RESOLVED} and {@code
 * ACKNOWLEDGED} alerts are not.
 *
 * <pre>{@code
 * if (AlertStatuses.active(alert.getStatus())) page(alert);
 * }</pre>
 */
public final class AlertStatuses {
  private AlertStatuses() {}

  /** Whether an alert with this status is still firing. */
  public static boolean active(AlertStatus status) {
    return status == AlertStatus.OPEN || status == AlertStatus.UPDATED;
  }
}
