package dev.herald.flink.risk;

import dev.herald.flink.window.OutageSpan;
import dev.herald.flink.window.Tally;
import dev.herald.schema.ControlEvidence;
import dev.herald.schema.Outage;
import dev.herald.schema.RiskReport;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The risk figures of a group as pure functions: SLO compliance, error-budget burn and the risk
 * score, and the report with the controls each figure evidences.
 *
 * <pre>{@code
 * RiskReport report = RiskMath.report(input, 0.999, Instant.now());
 * }</pre>
 */
public final class RiskMath {
  private RiskMath() {}

  /** The risk score formula, as stated in every report. */
  public static final String FORMULA =
      "risk = 40*min(1, errorBudgetBurn) + 30*min(1, quorumLossMinutes/60)"
          + " + 30*min(1, weightedIncidents/10);"
          + " weightedIncidents = 5*CRITICAL + 2*HIGH + 1*MEDIUM + 0.2*LOW opened alerts;"
          + " 0 = no risk seen, 100 = budget exhausted, an hour without quorum"
          + " and ten HIGH-weight incidents";

  /**
   * Fraction of the error budget consumed: {@code (1 - availability) / (1 - sloTarget)}; 1.0 means
   * the budget is exhausted.
   */
  public static double errorBudgetBurn(double availability, double sloTarget) {
    return Math.max(0, 1 - availability) / (1 - sloTarget);
  }

  /** The score of {@link #FORMULA}, rounded to one decimal, in [0, 100]. */
  public static double riskScore(double burn, double quorumLossMinutes, double weightedIncidents) {
    double score =
        40 * Math.min(1, burn)
            + 30 * Math.min(1, quorumLossMinutes / 60)
            + 30 * Math.min(1, weightedIncidents / 10);
    return Math.round(score * 10) / 10.0;
  }

  /** The report of {@code input} against {@code sloTarget}. */
  public static RiskReport report(RiskInput input, double sloTarget, Instant generatedAt) {
    Tally t = input.tally();
    double availability = t.upFraction();
    double burn = errorBudgetBurn(availability, sloTarget);
    double quorumLossMinutes = t.quorumLossMs() / 60_000.0;
    double score = riskScore(burn, quorumLossMinutes, t.incidentWeight());
    List<Outage> outages = outages(t, input.windowEnd());
    Map<String, Long> incidents = new TreeMap<>(t.incidentsByType());

    List<ControlEvidence> controls = new ArrayList<>();
    controls.add(ControlCatalog.evidence("availability", fmt(availability, 5)));
    controls.add(ControlCatalog.evidence("sloMet", Boolean.toString(availability >= sloTarget)));
    controls.add(ControlCatalog.evidence("errorBudgetBurn", fmt(burn, 3)));
    controls.add(ControlCatalog.evidence("outages", Integer.toString(outages.size())));
    controls.add(ControlCatalog.evidence("mttr", millis(t.mttrMs())));
    controls.add(ControlCatalog.evidence("mtbf", millis(t.mtbfMs())));
    controls.add(ControlCatalog.evidence("quorumLossMinutes", fmt(quorumLossMinutes, 1)));
    incidents.forEach((type, n) -> controls.add(ControlCatalog.evidence(type, Long.toString(n))));
    controls.add(ControlCatalog.evidence("riskScore", fmt(score, 1)));

    return RiskReport.newBuilder()
        .setGroup(input.group())
        .setWindow(input.label())
        .setWindowStart(Instant.ofEpochMilli(input.windowStart()))
        .setWindowEnd(Instant.ofEpochMilli(input.windowEnd()))
        .setAvailability(availability)
        .setSloTarget(sloTarget)
        .setSloMet(availability >= sloTarget)
        .setErrorBudgetBurn(burn)
        .setQuorumLossMinutes(quorumLossMinutes)
        .setIntegrityIncidents(incidents)
        .setOutages(outages)
        .setMttrMs(t.mttrMs())
        .setMtbfMs(t.mtbfMs())
        .setRiskScore(score)
        .setRiskFormula(FORMULA)
        .setControls(controls)
        .setGeneratedAt(generatedAt)
        .build();
  }

  private static List<Outage> outages(Tally t, long asOf) {
    List<OutageSpan> spans = new ArrayList<>(t.endedOutages());
    spans.addAll(t.openOutages().values());
    spans.sort(Comparator.comparingLong(OutageSpan::start).thenComparing(OutageSpan::nodeId));
    List<Outage> out = new ArrayList<>();
    for (OutageSpan s : spans) {
      out.add(
          Outage.newBuilder()
              .setNodeId(s.nodeId())
              .setStart(Instant.ofEpochMilli(s.start()))
              .setEnd(s.end() == null ? null : Instant.ofEpochMilli(s.end()))
              .setDurationMs(s.durationMs(asOf))
              .build());
    }
    return out;
  }

  private static String fmt(double v, int decimals) {
    return String.format(Locale.ROOT, "%." + decimals + "f", v);
  }

  private static String millis(Long ms) {
    return ms == null ? "n/a" : ms + " ms";
  }
}
