package dev.herald.flink.report;

import dev.herald.schema.AvailabilityWindow;
import dev.herald.schema.RiskReport;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code herald report} renders: the latest risk report of a group and window, and the
 * availability of every node, region and group over the same period.
 *
 * <pre>{@code
 * GovernanceReport report = GovernanceReport.of(risk, availabilityWindows);
 * ReportRenderer.write(report, ReportRenderer.Format.HTML, outDir);
 * }</pre>
 *
 * @param risk the risk report
 * @param scopes availability per scope over the period, nodes first
 * @param timeline the group's availability per window, oldest first
 */
public record GovernanceReport(
    RiskReport risk, List<ScopeAvailability> scopes, List<AvailabilityWindow> timeline) {

  /** Sums the availability windows that lie inside the risk report's period. */
  public static GovernanceReport of(RiskReport risk, List<AvailabilityWindow> windows) {
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
    return new GovernanceReport(risk, scopes, timeline);
  }

  private static int order(String scope) {
    return switch (scope) {
      case "NODE" -> 0;
      case "REGION" -> 1;
      default -> 2;
    };
  }
}
