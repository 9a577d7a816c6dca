package dev.herald.auditor.subscribe;

import dev.herald.schema.AlertStatus;
import dev.herald.schema.AlertType;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.Severity;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The synthetic alert {@code herald alerts test} sends through every subscription, to prove a route
 * works end to end before a real alert needs it. It is marked by the attribute {@code
 * herald.test=true}: webhooks get {@code "test": true} in the body, Alertmanager gets {@code
 * alertname="HeraldTest"} and {@code test="true"} (so a route or an inhibition can tell it apart),
 * and it never appears on {@code herald.alerts.v1}.
 *
 * <pre>{@code
 * AuditAlert probe = TestAlerts.create(Instant.now());
 * }</pre>
 */
public final class TestAlerts {
  static final String ATTRIBUTE = "herald.test";

  private TestAlerts() {}

  /** A new test alert (a fresh id each time, so receivers that de-duplicate still show it). */
  public static AuditAlert create(Instant now) {
    return AuditAlert.newBuilder()
        .setAlertId("test-" + UUID.randomUUID())
        .setType(AlertType.NODE_SILENT)
        .setSeverity(Severity.LOW)
        .setStatus(AlertStatus.OPEN)
        .setGroup("herald-test")
        .setNodes(List.of())
        .setDetail("Test alert from 'herald alerts test': the route works; no action needed.")
        .setDetectedAt(now)
        .setFirstEventTime(now)
        .setAttributes(Map.of(ATTRIBUTE, "true"))
        .build();
  }

  /** Whether {@code a} is a test alert. */
  public static boolean isTest(AuditAlert a) {
    return "true".equals(a.getAttributes().get(ATTRIBUTE));
  }
}
