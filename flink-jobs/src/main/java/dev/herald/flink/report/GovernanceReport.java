package dev.herald.flink.report;

import dev.herald.schema.AvailabilityWindow;
import dev.herald.schema.ConsistencyWindow;
import dev.herald.schema.RiskReport;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code herald report} renders: the latest risk report of a group and window, the
 * availability of every node, region and group over the same period, the group's figures over time,
 * its incidents, and what changed since the previous report.
 *
 * <pre>{@code
 * GovernanceReport report = GovernanceReport.of(risk, earlierRisk, availabilityWindows, alerts);
 * ReportRenderer.write(report, ReportRenderer.Format.HTML, outDir);
 * }</pre>
 *
 * @param risk the risk report
 * @param scopes availability per scope over the period, nodes first
 * @param timeline the group's availability per window, oldest first
 * @param history the group's reports of the same window label that end inside this one's period
 *     (each slide of the rolling window), this one last
 * @param incidents the group's alerts detected in the period, oldest first, in their latest state
 * @param changes what changed since the previous report
 * @param consistency the group's consistency windows inside the period, oldest first (empty without
 *     the consistency job)
 */
public record GovernanceReport(
    RiskReport risk,
    List<ScopeAvailability> scopes,
    List<AvailabilityWindow> timeline,
    List<RiskReport> history,
    List<Incident> incidents,
    Changes changes,
    List<ConsistencyWindow> consistency) {

  /** This report with the group's consistency windows that lie inside its period. */
  public GovernanceReport withConsistency(List<ConsistencyWindow> windows) {
    long from = risk.getWindowStart().toEpochMilli();
    long to = risk.getWindowEnd().toEpochMilli();
    // one window per start (a re-run of the job may have written one twice): the newest
    Map<Instant, ConsistencyWindow> byStart = new TreeMap<>();
    for (ConsistencyWindow w : windows) {
      if (w.getGroup().equals(risk.getGroup())
          && w.getWindowStart().toEpochMilli() >= from
          && w.getWindowEnd().toEpochMilli() <= to) {
        byStart.merge(
            w.getWindowStart(),
            w,
            (a, b) -> a.getGeneratedAt().isAfter(b.getGeneratedAt()) ? a : b);
      }
    }
    return new GovernanceReport(
        risk, scopes, timeline, history, incidents, changes, List.copyOf(byStart.values()));
  }

  /** The report of {@code risk} and {@code windows} alone: no history, incidents or changes. */
  public static GovernanceReport of(RiskReport risk, List<AvailabilityWindow> windows) {
    return of(risk, List.of(), windows, List.of());
  }

  /**
   * Sums the availability windows that lie inside the risk report's period and compares the report
   * with the previous one.
   *
   * @param risk the report to render
   * @param others other risk reports; those of the same group and window label are its history
   * @param windows availability windows (any scope; those inside the period count)
   * @param alerts the group's alerts, latest state of each
   */
  public static GovernanceReport of(
      RiskReport risk,
      List<RiskReport> others,
      List<AvailabilityWindow> windows,
      List<Incident> alerts) {
    long from = risk.getWindowStart().toEpochMilli();
    long to = risk.getWindowEnd().toEpochMilli();
    Map<String, long[]> sums = new LinkedHashMap<>();
    Map<String, Long> mttrSum = new LinkedHashMap<>();
    List<AvailabilityWindow> timeline = new ArrayList<>();
    List<AvailabilityWindow> sorted = new ArrayList<>(windows);
    sorted.sort(Comparator.comparing(AvailabilityWindow::getWindowStart));
    for (AvailabilityWindow w : sorted) {
      if (w.getWindowStart().toEpochMilli() < from || w.getWindowEnd().toEpochMilli() > to) {
        continue;
      }
      String key = w.getScope().name() + "\u0000" + w.getScopeId();
      long[] s = sums.computeIfAbsent(key, k -> new long[5]);
      s[0] += w.getExpectedMs();
      s[1] += w.getUptimeMs();
      s[2] += w.getDowntimeMs();
      s[3] += w.getOutages();
      if (w.getMttrMs() != null) {
        s[4]++;
        mttrSum.merge(key, w.getMttrMs(), Long::sum);
      }
      if (w.getScope().name().equals("GROUP") && w.getScopeId().equals(risk.getGroup())) {
        timeline.add(w);
      }
    }
    List<ScopeAvailability> scopes = new ArrayList<>();
    sums.forEach(
        (key, s) -> {
          String[] parts = key.split("\u0000", 2);
          Long mttr = s[4] == 0 ? null : mttrSum.get(key) / s[4];
          Long mtbf = s[3] == 0 ? null : s[1] / s[3];
          scopes.add(
              new ScopeAvailability(parts[0], parts[1], s[0], s[1], s[2], (int) s[3], mttr, mtbf));
        });
    scopes.sort(
        Comparator.comparingInt((ScopeAvailability a) -> order(a.scope()))
            .thenComparing(ScopeAvailability::id));
    // one report per window end (a re-run of the job may have written one twice): the newest
    Map<Instant, RiskReport> byEnd = new TreeMap<>();
    for (RiskReport r : others) {
      if (r.getGroup().equals(risk.getGroup())
          && r.getWindow().equals(risk.getWindow())
          && r.getWindowEnd().isAfter(risk.getWindowStart())
          && r.getWindowEnd().isBefore(risk.getWindowEnd())) {
        byEnd.merge(
            r.getWindowEnd(), r, (a, b) -> a.getGeneratedAt().isAfter(b.getGeneratedAt()) ? a : b);
      }
    }
    List<RiskReport> history = new ArrayList<>(byEnd.values());
    history.add(risk);
    List<Incident> incidents =
        alerts.stream()
            .filter(i -> i.detectedIn(risk.getWindowStart(), risk.getWindowEnd()))
            .sorted(Comparator.comparing(Incident::detectedAt).thenComparing(Incident::alertId))
            .toList();
    return new GovernanceReport(
        risk,
        scopes,
        timeline,
        List.copyOf(history),
        incidents,
        Changes.since(risk, others, alerts),
        List.of());
  }

  private static int order(String scope) {
    return switch (scope) {
      case "NODE" -> 0;
      case "REGION" -> 1;
      default -> 2;
    };
  }
}
