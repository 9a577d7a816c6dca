package dev.herald.flink.report;

import dev.herald.schema.AlertStatuses;
import dev.herald.schema.AuditAlert;
import java.time.Instant;
import java.util.List;

/**
 * One alert of the auditor as the report cites it: its id (which {@code herald verify <id>}
 * re-checks offline), what it is about and whether it is still open. The alert's signed evidence is
 * not carried: the id leads to it on {@code herald.alerts.v1}.
 *
 * @param alertId the deterministic alert id
 * @param type alert type, e.g. {@code EQUIVOCATION}
 * @param severity LOW, MEDIUM, HIGH or CRITICAL
 * @param open whether its latest record is still firing (OPEN or UPDATED; not RESOLVED or
 *     ACKNOWLEDGED)
 * @param entityKey the entity, or {@code null} for node-level alerts
 * @param version the version, or {@code null}
 * @param nodes the nodes it blames
 * @param detail the auditor's one-line description
 * @param detectedAt when the auditor detected it
 * @param resolvedAt when it was resolved, or {@code null} while open
 */
public record Incident(
    String alertId,
    String type,
    String severity,
    boolean open,
    String entityKey,
    Long version,
    List<String> nodes,
    String detail,
    Instant detectedAt,
    Instant resolvedAt) {

  /** The incident of the latest record of an alert. */
  public static Incident of(AuditAlert a) {
    return new Incident(
        a.getAlertId(),
        a.getType().name(),
        a.getSeverity().name(),
        AlertStatuses.active(a.getStatus()),
        a.getEntityKey(),
        a.getVersion(),
        List.copyOf(a.getNodes()),
        a.getDetail(),
        a.getDetectedAt(),
        a.getResolvedAt());
  }

  /** Whether it was detected in {@code [from, to)}. */
  public boolean detectedIn(Instant from, Instant to) {
    return within(detectedAt, from, to);
  }

  /** Whether it was resolved in {@code [from, to)}. */
  public boolean resolvedIn(Instant from, Instant to) {
    return resolvedAt != null && within(resolvedAt, from, to);
  }

  private static boolean within(Instant t, Instant from, Instant to) {
    return !t.isBefore(from) && t.isBefore(to);
  }
}
