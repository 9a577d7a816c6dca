package dev.herald.flink.risk;

import dev.herald.schema.ControlEvidence;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which governance controls each figure of a risk report evidences: ISO/IEC 27001:2022 Annex A
 * controls and IEC 62443-3-3 foundational requirements (FR). The mapping is documented, with the
 * reasoning, in {@code docs/governance.md}.
 *
 * <pre>{@code
 * ControlEvidence e = ControlCatalog.evidence("availability", "0.9991");
 * // e.getIso27001() == [5.30, 8.14, 8.16], e.getIec62443() == [FR7]
 * }</pre>
 */
public final class ControlCatalog {
  private ControlCatalog() {}

  /**
   * ISO/IEC 27001:2022 Annex A controls the figures refer to, in Annex A order, with a title in
   * Herald's own words (the standard's text is copyrighted; the ids are what auditors look up).
   */
  public static final Map<String, String> ISO27001 =
      ordered(
          "5.25", "Security events are assessed and decided upon",
          "5.28", "Evidence of events is collected and kept",
          "5.30", "ICT services stay ready through disruptions",
          "8.6", "Resource use is kept within capacity",
          "8.14", "Enough redundancy keeps the service available",
          "8.15", "Activities and events are logged",
          "8.16", "Systems are watched for anomalous behaviour");

  /**
   * IEC 62443-3-3 foundational requirements the figures refer to, in order, with a title in
   * Herald's own words.
   */
  public static final Map<String, String> IEC62443 =
      ordered(
          "FR1", "Who and what acts is identified and authenticated",
          "FR3", "System and data integrity are protected",
          "FR6", "Events are responded to in time",
          "FR7", "Resources stay available to the system's functions");

  private static Map<String, String> ordered(String... idsAndTitles) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < idsAndTitles.length; i += 2) {
      m.put(idsAndTitles[i], idsAndTitles[i + 1]);
    }
    return Collections.unmodifiableMap(m);
  }

  private record Controls(List<String> iso, List<String> iec) {}

  private static final Controls AVAILABILITY =
      new Controls(List.of("5.30", "8.14", "8.16"), List.of("FR7"));
  private static final Controls BUDGET = new Controls(List.of("5.30", "8.6"), List.of("FR7"));
  private static final Controls OUTAGES =
      new Controls(List.of("5.30", "8.14", "8.16"), List.of("FR6", "FR7"));
  private static final Controls QUORUM =
      new Controls(List.of("5.30", "8.14"), List.of("FR3", "FR7"));
  private static final Controls BYZANTINE =
      new Controls(List.of("5.25", "5.28", "8.15"), List.of("FR1", "FR3", "FR6"));
  private static final Controls IDENTITY =
      new Controls(List.of("5.25", "8.15"), List.of("FR1", "FR6"));
  private static final Controls DIVERGENCE =
      new Controls(List.of("5.25", "5.28", "8.15", "8.16"), List.of("FR3", "FR6"));
  private static final Controls LIVENESS =
      new Controls(List.of("8.14", "8.16"), List.of("FR6", "FR7"));
  private static final Controls FLOOD = new Controls(List.of("8.6", "8.16"), List.of("FR7"));
  private static final Controls RISK = new Controls(List.of("5.25", "5.28"), List.of("FR6"));

  private static final Map<String, Controls> BY_FIGURE =
      Map.ofEntries(
          Map.entry("availability", AVAILABILITY),
          Map.entry("sloMet", BUDGET),
          Map.entry("errorBudgetBurn", BUDGET),
          Map.entry("outages", OUTAGES),
          Map.entry("mttr", OUTAGES),
          Map.entry("mtbf", OUTAGES),
          Map.entry("quorumLossMinutes", QUORUM),
          Map.entry("riskScore", RISK),
          Map.entry("EQUIVOCATION", BYZANTINE),
          Map.entry("FORGED_REPORT", BYZANTINE),
          Map.entry("VERSION_JUMP", BYZANTINE),
          Map.entry("UNKNOWN_NODE", IDENTITY),
          Map.entry("NOT_A_MEMBER", IDENTITY),
          Map.entry("IDENTITY_CONFLICT", IDENTITY),
          Map.entry("CONFUSABLE_IDENTITY", IDENTITY),
          Map.entry("NODE_STATUS_CHANGED", IDENTITY),
          Map.entry("NODE_REACTIVATED", IDENTITY),
          Map.entry("NODE_DELETED", IDENTITY),
          Map.entry("INVALID_REGISTRATION", IDENTITY),
          Map.entry("DIVERGENCE", DIVERGENCE),
          Map.entry("NO_QUORUM", DIVERGENCE),
          Map.entry("FORK", DIVERGENCE),
          Map.entry("CONFLICTING_WRITE", DIVERGENCE),
          Map.entry("DUPLICATE_APPLY", DIVERGENCE),
          Map.entry("CONSISTENCY_BURN", DIVERGENCE),
          Map.entry("REPLICA_LAG", LIVENESS),
          Map.entry("NODE_SILENT", LIVENESS),
          Map.entry("FLOOD", FLOOD));

  /** Every figure the catalogue maps, sorted: report field names, then alert types. */
  public static List<String> figures() {
    List<String> out = new ArrayList<>(BY_FIGURE.keySet());
    out.sort(
        Comparator.comparing((String f) -> Character.isUpperCase(f.charAt(0)))
            .thenComparing(f -> f));
    return out;
  }

  /**
   * The controls {@code figure} evidences, with its value. Figures are the report's field names
   * ({@code availability}, {@code errorBudgetBurn}, ...) or an alert type for integrity incidents.
   *
   * @throws IllegalArgumentException for a figure no control is mapped to
   */
  public static ControlEvidence evidence(String figure, String value) {
    Controls c = BY_FIGURE.get(figure);
    if (c == null) {
      throw new IllegalArgumentException("no controls are mapped to figure " + figure);
    }
    return ControlEvidence.newBuilder()
        .setFigure(figure)
        .setValue(value)
        .setIso27001(new ArrayList<>(c.iso()))
        .setIec62443(new ArrayList<>(c.iec()))
        .build();
  }
}
