package dev.herald.bench.quality;

import dev.herald.schema.AuditAlert;
import dev.herald.schema.truth.ExpectedAlert;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Precision and recall per alert type: the alert identities the auditor raised against the ground
 * truth the simulator wrote, matched by {@link ExpectedAlert#identityOf} (the shared identity
 * rules). Ground-truth lines that are not alerts (malformed records, benign duplicates) are left
 * out here; dead letters are counted by the caller.
 *
 * <pre>{@code
 * Map<String, DetectionQuality.Score> byType = DetectionQuality.score(truth, alerts);
 * }</pre>
 */
public final class DetectionQuality {
  private DetectionQuality() {}

  /**
   * One alert type's figures.
   *
   * @param expected distinct identities in the ground truth
   * @param raised distinct identities the auditor raised
   * @param truePositives identities in both
   */
  public record Score(int expected, int raised, int truePositives) {
    /** Raised identities that were expected; 1.0 when nothing was raised and nothing expected. */
    public double precision() {
      return raised == 0 ? (expected == 0 ? 1.0 : 0.0) : (double) truePositives / raised;
    }

    /** Expected identities that were raised; 1.0 when nothing was expected. */
    public double recall() {
      return expected == 0 ? 1.0 : (double) truePositives / expected;
    }

    /** The score as a JSON-friendly map. */
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

  /** Scores per type (every type seen in either input), plus {@code ALL}. */
  public static Map<String, Score> score(List<ExpectedAlert> truth, List<AuditAlert> alerts) {
    Set<ExpectedAlert.Identity> expected = new HashSet<>();
    for (ExpectedAlert e : truth) {
      if (!ExpectedAlert.NON_ALERT_TYPES.contains(e.type())) {
        expected.add(e.identity());
      }
    }
    Set<ExpectedAlert.Identity> raised = new HashSet<>();
    for (AuditAlert a : alerts) {
      if (!ExpectedAlert.DERIVED_ALERT_TYPES.contains(a.getType().name())) {
        raised.add(ExpectedAlert.identityOf(a));
      }
    }
    Set<String> types = new TreeSet<>();
    expected.forEach(i -> types.add(i.type()));
    raised.forEach(i -> types.add(i.type()));
    Map<String, Score> out = new LinkedHashMap<>();
    for (String t : types) {
      out.put(t, of(filter(expected, t), filter(raised, t)));
    }
    out.put("ALL", of(expected, raised));
    return out;
  }

  private static Set<ExpectedAlert.Identity> filter(Set<ExpectedAlert.Identity> ids, String type) {
    Set<ExpectedAlert.Identity> out = new HashSet<>();
    for (ExpectedAlert.Identity i : ids) {
      if (i.type().equals(type)) {
        out.add(i);
      }
    }
    return out;
  }

  private static Score of(
      Set<ExpectedAlert.Identity> expected, Set<ExpectedAlert.Identity> raised) {
    Set<ExpectedAlert.Identity> both = new HashSet<>(expected);
    both.retainAll(raised);
    return new Score(expected.size(), raised.size(), both.size());
  }
}
