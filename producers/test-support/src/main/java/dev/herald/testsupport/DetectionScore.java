package dev.herald.testsupport;

import dev.herald.schema.AlertStatus;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.truth.ExpectedAlert;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Precision and recall of the auditor's alerts against a ground truth, per alert type, matched on
 * {@link ExpectedAlert.Identity} (the rules in {@code ExpectedAlert}'s Javadoc). Ground-truth lines
 * that are not alerts ({@link ExpectedAlert#NON_ALERT_TYPES}: malformed records, benign duplicates)
 * and derived alert types ({@link ExpectedAlert#DERIVED_ALERT_TYPES}, which have no line in the
 * truth) are left out. The one scorer of the integration tests and the benchmarks.
 *
 * <pre>{@code
 * DetectionScore score = DetectionScore.of(groundTruth, alertsFromTopic);
 * System.out.println(score.table());
 * assertThat(score.perfect()).isTrue();
 * }</pre>
 */
public final class DetectionScore {
  /** The row of {@link #byType()} over every type. */
  public static final String ALL = "ALL";

  /**
   * Counts of one alert type.
   *
   * @param expected distinct identities in the ground truth
   * @param raised distinct identities the auditor raised
   * @param truePositives identities in both
   */
  public record Row(String type, int expected, int raised, int truePositives) {
    /** Raised identities that were expected; 1.0 when nothing was raised and nothing expected. */
    public double precision() {
      return raised == 0 ? (expected == 0 ? 1.0 : 0.0) : (double) truePositives / raised;
    }

    /** Expected identities that were raised; 1.0 when nothing was expected. */
    public double recall() {
      return expected == 0 ? 1.0 : (double) truePositives / expected;
    }

    /** The row as a JSON-friendly map (without the type). */
    public Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("expected", expected);
      m.put("raised", raised);
      m.put("truePositives", truePositives);
      m.put("precision", precision());
      m.put("recall", recall());
      return m;
    }
  }

  private final Map<String, Row> rows;
  private final Row all;
  private final Set<ExpectedAlert.Identity> missed;
  private final Set<ExpectedAlert.Identity> unexpected;

  private DetectionScore(
      Map<String, Row> rows,
      Row all,
      Set<ExpectedAlert.Identity> missed,
      Set<ExpectedAlert.Identity> unexpected) {
    this.rows = rows;
    this.all = all;
    this.missed = missed;
    this.unexpected = unexpected;
  }

  /**
   * Scores the OPEN alerts among {@code alerts} against the alert lines of {@code truth} (what a
   * test reads from the alerts topic, where a resolution follows its alert).
   */
  public static DetectionScore of(Collection<ExpectedAlert> truth, Collection<AuditAlert> alerts) {
    return score(truth, alerts, a -> a.getStatus() == AlertStatus.OPEN);
  }

  /** Scores every alert among {@code alerts}, whatever its status (the benchmarks' reading). */
  public static DetectionScore ofEveryStatus(
      Collection<ExpectedAlert> truth, Collection<AuditAlert> alerts) {
    return score(truth, alerts, a -> true);
  }

  private static DetectionScore score(
      Collection<ExpectedAlert> truth, Collection<AuditAlert> alerts, Predicate<AuditAlert> use) {
    Set<ExpectedAlert.Identity> expected = new HashSet<>();
    for (ExpectedAlert e : truth) {
      if (!ExpectedAlert.NON_ALERT_TYPES.contains(e.type())) {
        expected.add(e.identity());
      }
    }
    Set<ExpectedAlert.Identity> raised = new HashSet<>();
    for (AuditAlert a : alerts) {
      // derived types (CONSISTENCY_BURN) have no line in the truth; ConsistencySloIT scores them
      if (use.test(a) && !ExpectedAlert.DERIVED_ALERT_TYPES.contains(a.getType().name())) {
        raised.add(ExpectedAlert.identityOf(a));
      }
    }
    Set<String> types = new TreeSet<>();
    expected.forEach(i -> types.add(i.type()));
    raised.forEach(i -> types.add(i.type()));
    Map<String, Row> rows = new TreeMap<>();
    for (String t : types) {
      rows.put(t, row(t, expected, raised, i -> i.type().equals(t)));
    }
    Set<ExpectedAlert.Identity> missed = new HashSet<>(expected);
    missed.removeAll(raised);
    Set<ExpectedAlert.Identity> unexpected = new HashSet<>(raised);
    unexpected.removeAll(expected);
    return new DetectionScore(rows, row(ALL, expected, raised, i -> true), missed, unexpected);
  }

  private static Row row(
      String type,
      Set<ExpectedAlert.Identity> expected,
      Set<ExpectedAlert.Identity> raised,
      Predicate<ExpectedAlert.Identity> of) {
    int e = (int) expected.stream().filter(of).count();
    int r = (int) raised.stream().filter(of).count();
    int tp = (int) raised.stream().filter(i -> of.test(i) && expected.contains(i)).count();
    return new Row(type, e, r, tp);
  }

  /** One row per type seen in either input, by type name. */
  public List<Row> rows() {
    return List.copyOf(rows.values());
  }

  /** The rows by type, then {@link #ALL} over every type. */
  public Map<String, Row> byType() {
    Map<String, Row> out = new LinkedHashMap<>(rows);
    out.put(ALL, all);
    return out;
  }

  /** The row over every type. */
  public Row all() {
    return all;
  }

  /** Expected identities no alert claimed. */
  public Set<ExpectedAlert.Identity> missed() {
    return missed;
  }

  /** Alert identities the ground truth does not have. */
  public Set<ExpectedAlert.Identity> unexpected() {
    return unexpected;
  }

  /** Precision = recall = 1.0 for every type. */
  public boolean perfect() {
    return missed.isEmpty() && unexpected.isEmpty();
  }

  /** A fixed-width table, one line per type. */
  public String table() {
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            "%-20s %8s %6s %4s %9s %6s%n",
            "type", "expected", "raised", "tp", "precision", "recall"));
    for (Row r : rows.values()) {
      sb.append(
          String.format(
              "%-20s %8d %6d %4d %9.3f %6.3f%n",
              r.type(), r.expected(), r.raised(), r.truePositives(), r.precision(), r.recall()));
    }
    if (!missed.isEmpty()) {
      sb.append("missed: ").append(missed).append('\n');
    }
    if (!unexpected.isEmpty()) {
      sb.append("unexpected: ").append(unexpected).append('\n');
    }
    return sb.toString();
  }
}
