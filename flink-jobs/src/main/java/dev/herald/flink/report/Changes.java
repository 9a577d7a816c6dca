package dev.herald.flink.report;

import dev.herald.schema.RiskReport;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What changed between the previous risk report of a group and window label and the current one:
 * the figures before and after, and the incidents opened and closed since the previous report's
 * end.
 *
 * <p>The previous report is the latest one that ends at or before the current one starts (the
 * window before it: yesterday's 24 h report). While Herald has not run that long, it is the
 * earliest report of the group on the topic, whose window overlaps the current one ({@link
 * Basis#EARLIEST_OVERLAPPING}); the report says so.
 *
 * <pre>{@code
 * Changes c = Changes.since(current, otherReportsOfTheGroup, alertsOfTheGroup);
 * c.deltas().forEach(d -> System.out.println(d.figure() + " " + d.before() + " -> " + d.after()));
 * }</pre>
 *
 * @param basis how the previous report was chosen
 * @param previous the previous report, or {@code null} with {@link Basis#NONE}
 * @param deltas each figure before and after
 * @param opened incidents detected in {@code [previous end, current end)}, oldest first
 * @param closed incidents resolved in {@code [previous end, current end)}, oldest first
 */
public record Changes(
    Basis basis,
    RiskReport previous,
    List<Delta> deltas,
    List<Incident> opened,
    List<Incident> closed) {

  /** How the report compared with was chosen. */
  public enum Basis {
    /** The latest report ending at or before the current one starts. */
    PREVIOUS_WINDOW,
    /** No report ends before the current one starts: the earliest one, overlapping it. */
    EARLIEST_OVERLAPPING,
    /** No earlier report of the group and window label. */
    NONE
  }

  /**
   * One figure in the previous and the current report.
   *
   * @param figure the report's field name, or an alert type for an incident count
   * @param before its value in the previous report, {@code null} if it had none (e.g. no MTTR)
   * @param after its value now, or {@code null}
   * @param higherIsBetter whether a rise is an improvement (availability) or not (burn, incidents)
   */
  public record Delta(String figure, Double before, Double after, boolean higherIsBetter) {
    /** {@code after - before}, or empty if either is missing. */
    public Optional<Double> change() {
      return before == null || after == null ? Optional.empty() : Optional.of(after - before);
    }

    /** Whether the figure moved the bad way. */
    public boolean worse() {
      return change().map(c -> higherIsBetter ? c < 0 : c > 0).orElse(false);
    }

    /** Whether the figure moved the good way. */
    public boolean better() {
      return change().map(c -> higherIsBetter ? c > 0 : c < 0).orElse(false);
    }
  }

  /** Nothing to compare with. */
  public static Changes none() {
    return new Changes(Basis.NONE, null, List.of(), List.of(), List.of());
  }

  /**
   * The changes of {@code current} against the previous of {@code others} (reports of the same
   * group and window label; others are ignored), with the incidents of {@code alerts}.
   */
  public static Changes since(RiskReport current, List<RiskReport> others, List<Incident> alerts) {
    Instant start = current.getWindowStart();
    Instant end = current.getWindowEnd();
    List<RiskReport> earlier =
        others.stream()
            .filter(r -> r.getGroup().equals(current.getGroup()))
            .filter(r -> r.getWindow().equals(current.getWindow()))
            .filter(r -> r.getWindowEnd().isBefore(end))
            .sorted(Comparator.comparing(RiskReport::getWindowEnd))
            .toList();
    if (earlier.isEmpty()) {
      return none();
    }
    Optional<RiskReport> before =
        earlier.stream().filter(r -> !r.getWindowEnd().isAfter(start)).reduce((a, b) -> b);
    Basis basis = before.isPresent() ? Basis.PREVIOUS_WINDOW : Basis.EARLIEST_OVERLAPPING;
    RiskReport previous = before.orElse(earlier.get(0));
    Instant since = previous.getWindowEnd();
    List<Incident> opened = new ArrayList<>();
    List<Incident> closed = new ArrayList<>();
    for (Incident i : alerts) {
      if (i.detectedIn(since, end)) {
        opened.add(i);
      }
      if (i.resolvedIn(since, end)) {
        closed.add(i);
      }
    }
    opened.sort(Comparator.comparing(Incident::detectedAt).thenComparing(Incident::alertId));
    closed.sort(Comparator.comparing(Incident::resolvedAt).thenComparing(Incident::alertId));
    return new Changes(
        basis, previous, deltas(previous, current), List.copyOf(opened), List.copyOf(closed));
  }

  private static List<Delta> deltas(RiskReport p, RiskReport c) {
    List<Delta> out = new ArrayList<>();
    out.add(new Delta("availability", p.getAvailability(), c.getAvailability(), true));
    out.add(new Delta("errorBudgetBurn", p.getErrorBudgetBurn(), c.getErrorBudgetBurn(), false));
    out.add(
        new Delta("quorumLossMinutes", p.getQuorumLossMinutes(), c.getQuorumLossMinutes(), false));
    out.add(
        new Delta(
            "outages", (double) p.getOutages().size(), (double) c.getOutages().size(), false));
    out.add(new Delta("mttrMs", millis(p.getMttrMs()), millis(c.getMttrMs()), false));
    out.add(new Delta("riskScore", p.getRiskScore(), c.getRiskScore(), false));
    Map<String, double[]> incidents = new TreeMap<>();
    p.getIntegrityIncidents()
        .forEach((t, n) -> incidents.computeIfAbsent(t, k -> new double[2])[0] = n);
    c.getIntegrityIncidents()
        .forEach((t, n) -> incidents.computeIfAbsent(t, k -> new double[2])[1] = n);
    incidents.forEach((type, n) -> out.add(new Delta(type, n[0], n[1], false)));
    return List.copyOf(out);
  }

  private static Double millis(Long ms) {
    return ms == null ? null : ms.doubleValue();
  }
}
