package dev.herald.flink.report;

import dev.herald.flink.risk.RiskMath;
import dev.herald.schema.AvailabilityScope;
import dev.herald.schema.AvailabilityWindow;
import dev.herald.schema.Outage;
import dev.herald.schema.RiskReport;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Risk reports, availability windows and incidents for the report tests, built field by field. */
final class ReportFixtures {
  static final long MIN = 60_000;

  private ReportFixtures() {}

  /** A 24h-labelled report of group {@code payments} over {@code [startMin, endMin)} minutes. */
  static RiskReport risk(
      long startMin, long endMin, double availability, double score, Map<String, Long> incidents) {
    return RiskReport.newBuilder()
        .setGroup("payments")
        .setWindow("24h")
        .setWindowStart(Instant.ofEpochMilli(startMin * MIN))
        .setWindowEnd(Instant.ofEpochMilli(endMin * MIN))
        .setAvailability(availability)
        .setSloTarget(0.999)
        .setSloMet(availability >= 0.999)
        .setErrorBudgetBurn(RiskMath.errorBudgetBurn(availability, 0.999))
        .setQuorumLossMinutes(0)
        .setIntegrityIncidents(incidents)
        .setOutages(List.<Outage>of())
        .setMttrMs(null)
        .setMtbfMs(null)
        .setRiskScore(score)
        .setRiskFormula(RiskMath.FORMULA)
        .setGeneratedAt(Instant.ofEpochMilli(endMin * MIN + 1000))
        .build();
  }

  /** The group's availability window {@code [startMin, startMin + 1)} with alerts by severity. */
  static AvailabilityWindow groupWindow(long startMin, double up, Map<String, Long> alerts) {
    return AvailabilityWindow.newBuilder()
        .setScope(AvailabilityScope.GROUP)
        .setScopeId("payments")
        .setWindowStart(Instant.ofEpochMilli(startMin * MIN))
        .setWindowEnd(Instant.ofEpochMilli((startMin + 1) * MIN))
        .setExpectedMs(MIN)
        .setUptimeMs(Math.round(up * MIN))
        .setDowntimeMs(MIN - Math.round(up * MIN))
        .setUpFraction(up)
        .setOutages(0)
        .setAlertsBySeverity(alerts)
        .build();
  }

  /**
   * An incident detected at minute {@code detectedMin}, resolved at {@code resolvedMin} or open.
   */
  static Incident incident(String id, String type, long detectedMin, Long resolvedMin) {
    return new Incident(
        id,
        type,
        "HIGH",
        resolvedMin == null,
        "acct-" + id,
        7L,
        List.of("n2"),
        type + " on acct-" + id,
        Instant.ofEpochMilli(detectedMin * MIN),
        resolvedMin == null ? null : Instant.ofEpochMilli(resolvedMin * MIN));
  }
}
