package dev.herald.it.adversarial;

import static org.awaitility.Awaitility.await;

import dev.herald.schema.AlertStatus;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.DeadLetter;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.awaitility.core.ConditionTimeoutException;

/**
 * The honest outcome of an attack, checked as a whole: the alerts and dead letters that must
 * appear, those that may, and nothing else — no other alert (so none naming an honest node), no
 * other dead letter (so nothing honest lost) — with the auditor alive. Every part is checked and
 * reported, so one run against unfixed code shows everything the attack broke.
 *
 * <pre>{@code
 * range.verdict()
 *     .expect(Verdict.alert("DIVERGENCE").entity("d-1").version(1).nodes("n3"))
 *     .expect(Verdict.deadLetter("BAD_MAGIC_BYTE").at(junk))
 *     .check();
 * }</pre>
 */
final class Verdict {
  /** How long expected alerts and dead letters may take. */
  static final Duration DETECTION = Duration.ofSeconds(30);

  /** How long nothing forbidden may appear once everything expected is there. */
  static final Duration SETTLE = Duration.ofSeconds(3);

  /** Evidence bytes an alert may embed (CONTRACT-13: coordinates and hashes beyond that). */
  static final long EVIDENCE_BUDGET = 64 * 1024;

  private final AttackRange range;
  private final String name;
  private final List<AlertPattern> expectedAlerts = new ArrayList<>();
  private final List<AlertPattern> allowedAlerts = new ArrayList<>();
  private final Map<LetterPattern, Integer> expectedLetters = new LinkedHashMap<>();
  private final List<LetterPattern> allowedLetters = new ArrayList<>();
  private final List<Either> eithers = new ArrayList<>();
  private final Map<AlertPattern, Integer> caps = new LinkedHashMap<>();
  private final Map<String, java.util.function.BooleanSupplier> conditions = new LinkedHashMap<>();
  private final List<String> extraProblems = new ArrayList<>();

  Verdict(AttackRange range, String name) {
    this.range = range;
    this.name = name;
  }

  static AlertPattern alert(String type) {
    return new AlertPattern(type);
  }

  /** Any alert that names only nodes of {@code nodes} (e.g. the Byzantine node's own). */
  static AlertPattern anyAlertNamingOnly(String... nodes) {
    return new AlertPattern(null).nodesWithin(nodes);
  }

  static LetterPattern deadLetter(String... reasons) {
    return new LetterPattern(Set.of(reasons));
  }

  Verdict expect(AlertPattern p) {
    expectedAlerts.add(p);
    return this;
  }

  Verdict allow(AlertPattern p) {
    allowedAlerts.add(p);
    return this;
  }

  Verdict expect(LetterPattern p) {
    return expect(p, 1);
  }

  /** At least {@code count} dead letters match {@code p}. */
  Verdict expect(LetterPattern p, int count) {
    expectedLetters.put(p, count);
    return this;
  }

  Verdict allow(LetterPattern p) {
    allowedLetters.add(p);
    return this;
  }

  /**
   * Either alert {@code a} or at least {@code count} dead letters {@code l}: where the contract
   * leaves the choice to the auditor (e.g. a record within the broker's limit but over the
   * auditor's).
   */
  Verdict expectEither(AlertPattern a, LetterPattern l, int count) {
    eithers.add(new Either(a, l, count));
    allowedAlerts.add(a);
    allowedLetters.add(l);
    return this;
  }

  private record Either(AlertPattern alert, LetterPattern letter, int count) {}

  /** Alerts matching {@code p} may appear, at most {@code max} distinct alert ids of them. */
  Verdict atMost(AlertPattern p, int max) {
    allowedAlerts.add(p);
    caps.put(p, max);
    return this;
  }

  /** A condition that must hold at the end (and is waited for like the expected alerts). */
  Verdict expectThat(String description, java.util.function.BooleanSupplier condition) {
    conditions.put(description, condition);
    return this;
  }

  /** A problem the test found itself (e.g. in the API), reported with the rest. */
  Verdict problem(String description) {
    extraProblems.add(description);
    return this;
  }

  /**
   * Waits up to {@link #DETECTION} for everything expected, then {@link #SETTLE} more during which
   * nothing forbidden may appear; then checks that the auditor is alive. Throws one error that
   * lists every part that failed.
   */
  void check() {
    boolean complete = true;
    try {
      await()
          .atMost(DETECTION)
          .pollInterval(Duration.ofMillis(500))
          .until(() -> missing().isEmpty());
      if (forbidden().isEmpty()) {
        await()
            .during(SETTLE)
            .atMost(SETTLE.multipliedBy(3))
            .pollInterval(Duration.ofMillis(500))
            .until(() -> forbidden().isEmpty());
      }
    } catch (ConditionTimeoutException e) {
      complete = false;
    }
    List<String> problems = new ArrayList<>(extraProblems);
    problems.addAll(missing().stream().map(m -> "missing: " + m).toList());
    problems.addAll(forbidden().stream().map(f -> "unexpected: " + f).toList());
    problems.addAll(range.aliveProblems());
    StringBuilder report = new StringBuilder();
    report.append("ATTACK ").append(name).append(problems.isEmpty() ? " PASS" : " FAIL");
    report.append(complete ? "" : " (timed out waiting)").append('\n');
    problems.forEach(p -> report.append("  - ").append(p).append('\n'));
    report.append("  alerts: ").append(summary(range.alerts())).append('\n');
    if (!problems.isEmpty()) {
      range.alerts().stream()
          .limit(40)
          .forEach(a -> report.append("    ").append(describe(a)).append('\n'));
    }
    report.append("  dead letters: ").append(letterSummary(range.deadLetters())).append('\n');
    System.out.print(report);
    if (!problems.isEmpty()) {
      throw new AssertionError(report.toString());
    }
  }

  private List<String> missing() {
    List<String> out = new ArrayList<>();
    List<AuditAlert> alerts = range.alerts();
    for (AlertPattern p : expectedAlerts) {
      if (alerts.stream().noneMatch(a -> a.getStatus() == AlertStatus.OPEN && p.test(a))) {
        out.add("alert " + p);
      }
    }
    List<DeadLetter> letters = range.deadLetters();
    expectedLetters.forEach(
        (p, n) -> {
          long have = letters.stream().filter(p).count();
          if (have < n) {
            out.add("dead letter " + p + " (" + have + " of " + n + ")");
          }
        });
    conditions.forEach(
        (d, c) -> {
          if (!c.getAsBoolean()) {
            out.add(d);
          }
        });
    for (Either e : eithers) {
      boolean alerted =
          alerts.stream().anyMatch(a -> a.getStatus() == AlertStatus.OPEN && e.alert().test(a));
      if (!alerted && letters.stream().filter(e.letter()).count() < e.count()) {
        out.add("alert " + e.alert() + " or " + e.count() + " dead letter(s) " + e.letter());
      }
    }
    return out;
  }

  private List<String> forbidden() {
    List<String> out = new ArrayList<>();
    Map<String, Integer> seen = new TreeMap<>();
    for (AuditAlert a : range.alerts()) {
      long evidenceBytes =
          a.getEvidence().stream()
              .mapToLong(e -> e.getRecord() == null ? 0 : e.getRecord().remaining())
              .sum();
      if (evidenceBytes > EVIDENCE_BUDGET) {
        seen.merge(describe(a) + " with " + evidenceBytes + " bytes of evidence", 1, Integer::sum);
      }
      boolean ok =
          expectedAlerts.stream().anyMatch(p -> p.test(a))
              || allowedAlerts.stream().anyMatch(p -> p.test(a));
      if (!ok) {
        seen.merge(describe(a), 1, Integer::sum);
      }
    }
    seen.forEach((d, n) -> out.add("alert " + d + (n > 1 ? " ×" + n : "")));
    caps.forEach(
        (p, max) -> {
          long n = range.alerts().stream().filter(p).map(AuditAlert::getAlertId).distinct().count();
          if (n > max) {
            out.add(n + " alerts " + p + ", more than " + max);
          }
        });
    Map<String, Integer> letters = new TreeMap<>();
    for (DeadLetter d : range.deadLetters()) {
      boolean ok =
          expectedLetters.keySet().stream().anyMatch(p -> p.test(d))
              || allowedLetters.stream().anyMatch(p -> p.test(d));
      if (!ok) {
        letters.merge(describe(d), 1, Integer::sum);
      }
    }
    letters.forEach((d, n) -> out.add("dead letter " + d + (n > 1 ? " ×" + n : "")));
    return out;
  }

  static String describe(AuditAlert a) {
    return a.getType()
        + "("
        + "group="
        + a.getGroup()
        + (a.getEntityKey() == null ? "" : " entity=" + a.getEntityKey())
        + (a.getVersion() == null ? "" : " v" + a.getVersion())
        + " nodes="
        + a.getNodes()
        + (a.getAttributes().containsKey("role") ? " role=" + a.getAttributes().get("role") : "")
        + (a.getAttributes().containsKey("first") ? " first=" + a.getAttributes().get("first") : "")
        + " "
        + a.getStatus()
        + ")";
  }

  static String describe(DeadLetter d) {
    return d.getReason()
        + "("
        + d.getTopic()
        + "/"
        + d.getPartition()
        + (d.getKey() == null ? "" : " key=" + abbreviate(utf8(d.getKey())))
        + ")";
  }

  private static String summary(List<AuditAlert> alerts) {
    Map<String, Long> byKind =
        alerts.stream()
            .filter(a -> a.getStatus() == AlertStatus.OPEN)
            .collect(
                Collectors.groupingBy(
                    a -> a.getType() + a.getNodes().toString(),
                    TreeMap::new,
                    Collectors.counting()));
    return alerts.size() + " records, OPEN by type and nodes " + byKind;
  }

  private static String letterSummary(List<DeadLetter> letters) {
    return letters.size()
        + " "
        + letters.stream()
            .collect(
                Collectors.groupingBy(DeadLetter::getReason, TreeMap::new, Collectors.counting()));
  }

  static String utf8(ByteBuffer b) {
    ByteBuffer d = b.duplicate();
    byte[] bytes = new byte[d.remaining()];
    d.get(bytes);
    return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
  }

  private static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 37) + "...(" + s.length() + " chars)";
  }

  /** Which alerts an expectation or allowance covers; null fields match anything. */
  static final class AlertPattern implements Predicate<AuditAlert> {
    private final String type;
    private String group;
    private String entity;
    private Long version;
    private String aboutEntity;
    private Long aboutVersion;
    private Set<String> nodes;
    private Set<String> nodesWithin;
    private final Map<String, String> attributes = new TreeMap<>();

    private AlertPattern(String type) {
      this.type = type;
    }

    AlertPattern group(String g) {
      group = g;
      return this;
    }

    AlertPattern entity(String e) {
      entity = e;
      return this;
    }

    AlertPattern version(long v) {
      version = v;
      return this;
    }

    /**
     * About version {@code v} of {@code e}: in the alert's entity and version, or — for an episode,
     * which has neither — in its attributes ({@code entityKey} and {@code version}, or its first
     * occurrence {@code first=e@v}).
     */
    AlertPattern about(String e, long v) {
      aboutEntity = e;
      aboutVersion = v;
      return this;
    }

    /** Exactly these nodes are named. */
    AlertPattern nodes(String... n) {
      nodes = new TreeSet<>(List.of(n));
      return this;
    }

    /** At least one node is named, and only nodes of {@code n}. */
    AlertPattern nodesWithin(String... n) {
      nodesWithin = new TreeSet<>(List.of(n));
      return this;
    }

    AlertPattern attribute(String key, String value) {
      attributes.put(key, value);
      return this;
    }

    @Override
    public boolean test(AuditAlert a) {
      return (type == null || a.getType().name().equals(type))
          && (group == null || group.equals(a.getGroup()))
          && (entity == null || entity.equals(a.getEntityKey()))
          && (version == null || version.equals(a.getVersion()))
          && (aboutEntity == null || isAbout(a))
          && (nodes == null || nodes.equals(new TreeSet<>(a.getNodes())))
          && (nodesWithin == null
              || (!a.getNodes().isEmpty() && nodesWithin.containsAll(a.getNodes())))
          && attributes.entrySet().stream()
              .allMatch(e -> Objects.equals(a.getAttributes().get(e.getKey()), e.getValue()));
    }

    private boolean isAbout(AuditAlert a) {
      boolean fields = aboutEntity.equals(a.getEntityKey()) && aboutVersion.equals(a.getVersion());
      boolean attributes =
          aboutEntity.equals(a.getAttributes().get("entityKey"))
              && aboutVersion.toString().equals(a.getAttributes().get("version"));
      boolean firstOccurrence =
          (aboutEntity + "@" + aboutVersion).equals(a.getAttributes().get("first"));
      return fields || attributes || firstOccurrence;
    }

    @Override
    public String toString() {
      return (type == null ? "any" : type)
          + "("
          + (group == null ? "" : "group=" + group + " ")
          + (entity == null ? "" : "entity=" + entity + " ")
          + (version == null ? "" : "v" + version + " ")
          + (aboutEntity == null ? "" : "about " + aboutEntity + " v" + aboutVersion + " ")
          + (nodes == null ? "" : "nodes=" + nodes + " ")
          + (nodesWithin == null ? "" : "nodes within " + nodesWithin + " ")
          + (attributes.isEmpty() ? "" : attributes.toString())
          + ")";
    }
  }

  /** Which dead letters an expectation or allowance covers; null fields match anything. */
  static final class LetterPattern implements Predicate<DeadLetter> {
    private final Set<String> reasons;
    private String topic;
    private Integer partition;
    private Long offset;
    private Predicate<DeadLetter> also;
    private String alsoDescription = "";

    private LetterPattern(Set<String> reasons) {
      this.reasons = reasons;
    }

    /** The dead letter of exactly this record. */
    LetterPattern at(AttackFleet.Sent sent) {
      topic = sent.topic();
      partition = sent.partition();
      offset = sent.offset();
      return this;
    }

    LetterPattern topic(String t) {
      topic = t;
      return this;
    }

    LetterPattern where(String description, Predicate<DeadLetter> p) {
      also = also == null ? p : also.and(p);
      alsoDescription += " " + description;
      return this;
    }

    @Override
    public boolean test(DeadLetter d) {
      return (reasons.isEmpty() || reasons.contains(d.getReason()))
          && (topic == null || topic.equals(d.getTopic()))
          && (partition == null || partition == d.getPartition())
          && (offset == null || offset == d.getOffset())
          && (also == null || also.test(d));
    }

    @Override
    public String toString() {
      return (reasons.isEmpty() ? "any reason" : String.join("|", new TreeSet<>(reasons)))
          + (topic == null ? "" : " on " + topic)
          + (partition == null ? "" : "/" + partition)
          + (offset == null ? "" : "@" + offset)
          + alsoDescription;
    }
  }
}
