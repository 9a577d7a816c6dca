package dev.herald.it.auditor;

import dev.herald.schema.AlertStatus;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.truth.ExpectedAlert;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Precision and recall of the auditor's alerts against a ground truth, per alert type, matched on
 * {@link ExpectedAlert.Identity} (the rules in {@code ExpectedAlert}'s Javadoc). Reusable by any
 * simulator-driven test or benchmark.
 *
 * <pre>{@code
 * DetectionScore score = DetectionScore.of(groundTruth, alertsFromTopic);
 * System.out.println(score.table());
 * assertThat(score.perfect()).isTrue();
 * }</pre>
 */
public final class DetectionScore {
  /** Counts of one alert type. */
  public record Row(String type, int expected, int raised, int truePositives) {
    public double precision() {
      return raised == 0 ? (expected == 0 ? 1.0 : 0.0) : (double) truePositives / raised;
    }

    public double recall() {
      return expected == 0 ? 1.0 : (double) truePositives / expected;
    }
  }

  private final Map<String, Row> rows;
  private final Set<ExpectedAlert.Identity> missed;
  private final Set<ExpectedAlert.Identity> unexpected;

  private DetectionScore(
      Map<String, Row> rows,
      Set<ExpectedAlert.Identity> missed,
      Set<ExpectedAlert.Identity> unexpected) {
    this.rows = rows;
    this.missed = missed;
    this.unexpected = unexpected;
  }

  /** Scores the OPEN alerts among {@code alerts} against the alert lines of {@code truth}. */
  public static DetectionScore of(Collection<ExpectedAlert> truth, Collection<AuditAlert> alerts) {
    Set<ExpectedAlert.Identity> expected = new HashSet<>();
    for (ExpectedAlert e : truth) {
      if (!ExpectedAlert.NON_ALERT_TYPES.contains(e.type())) {
        expected.add(e.identity());
      }
    }
    Set<ExpectedAlert.Identity> raised = new HashSet<>();
    for (AuditAlert a : alerts) {
      // derived types (CONSISTENCY_BURN) have no line in the truth; ConsistencySloIT scores them
      if (a.getStatus() == AlertStatus.OPEN
          && !ExpectedAlert.DERIVED_ALERT_TYPES.contains(a.getType().name())) {
        raised.add(ExpectedAlert.identityOf(a));
      }
    }
    Set<String> types = new TreeSet<>();
    expected.forEach(i -> types.add(i.type()));
    raised.forEach(i -> types.add(i.type()));
    Map<String, Row> rows = new TreeMap<>();
    for (String t : types) {
      int e = (int) expected.stream().filter(i -> i.type().equals(t)).count();
      int r = (int) raised.stream().filter(i -> i.type().equals(t)).count();
      int tp =
          (int) raised.stream().filter(i -> i.type().equals(t) && expected.contains(i)).count();
      rows.put(t, new Row(t, e, r, tp));
    }
    Set<ExpectedAlert.Identity> missed = new HashSet<>(expected);
    missed.removeAll(raised);
    Set<ExpectedAlert.Identity> unexpected = new HashSet<>(raised);
    unexpected.removeAll(expected);
    return new DetectionScore(rows, missed, unexpected);
  }

  public List<Row> rows() {
    return List.copyOf(rows.values());
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
