package dev.herald.auditor.detect;

import dev.herald.auditor.detect.EntityState.ClosedVersion;
import dev.herald.auditor.detect.EntityState.VersionSlot;
import dev.herald.auditor.policy.GroupPolicy;
import dev.herald.schema.AlertType;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The per-entity detectors of DESIGN.md "Detection semantics", as pure functions of (entity state,
 * report or close, members, policy, stream time) → (new state, findings). No Kafka here: the
 * topology calls {@link #onReport} for every verified member report and {@link #close} when a
 * version's grace has passed; {@link #onReport} closes a version itself as soon as every member has
 * reported.
 *
 * <p>Order at close, each report explained by an earlier alert leaving the vote: EQUIVOCATION (at
 * report time) → FORK → DUPLICATE_APPLY → CONFLICTING_WRITE → DIVERGENCE / NO_QUORUM → REPLICA_LAG.
 *
 * <pre>{@code
 * EntityState state = new EntityState("g", "k");
 * Reconciler.Outcome out = Reconciler.onReport(state, report, Set.of("n1", "n2", "n3"), policy, now);
 * List<Finding> due = Reconciler.close(state, 7, members, policy, now + 2000);
 * }</pre>
 */
public final class Reconciler {
  private Reconciler() {}

  /** What {@link #onReport} did. */
  public enum Effect {
    /** Added to an open version (or opened it). */
    ACCEPTED,
    /** The same claim was already recorded: idempotent. */
    DUPLICATE,
    /** A second, different claim of the same node for the same version. */
    EQUIVOCATION,
    /** For a version that is already closed. */
    LATE,
    /** For a version older than the remembered window: too late to judge. */
    TOO_LATE,
    /**
     * For a version beyond the highest closed one plus {@code maxInFlightVersions}: a version jump,
     * not voted (the caller names the jumper).
     */
    JUMP
  }

  /**
   * Result of one report.
   *
   * @param effect what happened to the report
   * @param findings alerts it caused
   * @param openedVersion the version it opened (the caller schedules its grace), or null
   * @param closedVersion the version it completed and closed, or null
   */
  public record Outcome(
      Effect effect, List<Finding> findings, Long openedVersion, Long closedVersion) {}

  /**
   * Applies one verified report of a member.
   *
   * @param state the entity, changed in place
   * @param report the report
   * @param members the group's registered members
   * @param policy the group's policy
   * @param now stream time
   */
  public static Outcome onReport(
      EntityState state, ReplicaReport report, Set<String> members, GroupPolicy policy, long now) {
    long v = report.version();
    ClosedVersion done = state.closed.get(v);
    if (done != null) {
      return late(state, done, report, members, policy, now);
    }
    if (v < state.forgottenBelow) {
      return new Outcome(Effect.TOO_LATE, List.of(), null, null);
    }
    if (jumps(state, v, policy)) {
      return new Outcome(Effect.JUMP, List.of(), null, null);
    }
    Long opened = null;
    VersionSlot slot = state.open.get(v);
    if (slot == null) {
      slot = new VersionSlot(v, now, report.eventTime());
      state.open.put(v, slot);
      opened = v;
    }
    ReplicaReport previous = slot.reports.get(report.nodeId());
    if (previous != null) {
      if (previous.sameClaim(report)) {
        return new Outcome(Effect.DUPLICATE, List.of(), null, null);
      }
      if (!slot.equivocators.add(report.nodeId())) {
        return new Outcome(Effect.EQUIVOCATION, List.of(), null, null);
      }
      Finding f =
          Finding.versionAlert(
              AlertType.EQUIVOCATION,
              state.group,
              state.entityKey,
              v,
              List.of(report.nodeId()),
              null,
              "node "
                  + report.nodeId()
                  + " signed two different reports for version "
                  + v
                  + " (state "
                  + shortHash(previous.stateHash())
                  + " vs "
                  + shortHash(report.stateHash())
                  + ", op "
                  + previous.opId()
                  + " vs "
                  + report.opId()
                  + ")",
              Math.min(previous.eventTime(), report.eventTime()),
              now,
              List.of(previous.evidence(), report.evidence()));
      return new Outcome(Effect.EQUIVOCATION, List.of(f), null, null);
    }
    slot.reports.put(report.nodeId(), report);
    if (!members.isEmpty() && slot.reports.keySet().containsAll(members)) {
      List<Finding> findings = close(state, v, members, policy, now);
      return new Outcome(Effect.ACCEPTED, findings, opened, v);
    }
    return new Outcome(Effect.ACCEPTED, List.of(), opened, null);
  }

  /**
   * What {@link #onReport} would do with {@code report}, without changing anything: {@link
   * Effect#DUPLICATE} for a claim already recorded (the caller charges no budget for it), {@link
   * Effect#TOO_LATE}, {@link Effect#JUMP}, {@link Effect#LATE} for a closed version, else {@link
   * Effect#ACCEPTED}.
   */
  public static Effect classify(EntityState state, ReplicaReport report, GroupPolicy policy) {
    long v = report.version();
    ClosedVersion done = state.closed.get(v);
    if (done != null) {
      String had = done.hashes.get(report.nodeId());
      return report.stateHash().equals(had) ? Effect.DUPLICATE : Effect.LATE;
    }
    if (v < state.forgottenBelow) {
      return Effect.TOO_LATE;
    }
    VersionSlot slot = state.open.get(v);
    if (slot == null) {
      return jumps(state, v, policy) ? Effect.JUMP : Effect.ACCEPTED;
    }
    ReplicaReport previous = slot.reports.get(report.nodeId());
    return previous != null && previous.sameClaim(report) ? Effect.DUPLICATE : Effect.ACCEPTED;
  }

  /** Whether version {@code v} lies beyond the versions this entity may have in flight. */
  private static boolean jumps(EntityState state, long v, GroupPolicy policy) {
    return state.highestClosed > 0
        && !state.open.containsKey(v)
        && v - state.highestClosed > policy.maxInFlightVersions();
  }

  private static Outcome late(
      EntityState state,
      ClosedVersion done,
      ReplicaReport report,
      Set<String> members,
      GroupPolicy policy,
      long now) {
    String node = report.nodeId();
    String had = done.hashes.get(node);
    if (had != null) {
      // Already judged this node's claim for this version: a duplicate, or an equivocation the
      // version's vote no longer needs; report the latter.
      if (had.equals(report.stateHash())) {
        return new Outcome(Effect.DUPLICATE, List.of(), null, null);
      }
      // the first claim's batch, where it was read (kept since the close; none in state written
      // before the closed versions kept it)
      EvidenceRef first = done.claims.get(node);
      Finding f =
          Finding.versionAlert(
              AlertType.EQUIVOCATION,
              state.group,
              state.entityKey,
              report.version(),
              List.of(node),
              done.agreedHash,
              "node "
                  + node
                  + " signed a second, different report for closed version "
                  + report.version(),
              report.eventTime(),
              now,
              first == null ? List.of(report.evidence()) : List.of(first, report.evidence()));
      return new Outcome(Effect.EQUIVOCATION, List.of(f), null, null);
    }
    done.hashes.put(node, report.stateHash());
    done.claims.put(node, whereRead(report.evidence()));
    if (done.revotable) {
      return new Outcome(
          Effect.LATE, revote(state, done, report, members, policy, now), null, null);
    }
    List<Finding> findings = new ArrayList<>();
    boolean wasMissing = done.missing.remove(node);
    if (done.agreedHash != null && done.agreedHash.equals(report.stateHash())) {
      if (wasMissing) {
        findings.add(
            new Finding(
                Finding.Kind.CAUGHT_UP,
                AlertType.REPLICA_LAG,
                state.group,
                null,
                null,
                List.of(node),
                done.agreedHash,
                "node " + node + " caught up on " + state.entityKey + " v" + report.version(),
                report.eventTime(),
                now,
                Map.of("entityKey", state.entityKey, "version", Long.toString(report.version())),
                List.of()));
      }
    } else if (done.agreedHash != null) {
      findings.add(
          Finding.versionAlert(
              AlertType.DIVERGENCE,
              state.group,
              state.entityKey,
              report.version(),
              List.of(node),
              done.agreedHash,
              "late report of node "
                  + node
                  + " has state "
                  + shortHash(report.stateHash())
                  + ", the quorum agreed on "
                  + shortHash(done.agreedHash),
              report.eventTime(),
              now,
              List.of(report.evidence())));
    }
    return new Outcome(Effect.LATE, findings, null, null);
  }

  /**
   * A late report for a version closed as NO_QUORUM: once one state has a quorum of the claims now
   * known, the version is decided after all — its NO_QUORUM resolves and the nodes that signed
   * another state are named (a lone liar that a missing honest vote had hidden).
   */
  private static List<Finding> revote(
      EntityState state,
      ClosedVersion done,
      ReplicaReport report,
      Set<String> members,
      GroupPolicy policy,
      long now) {
    int quorum = policy.quorumOf(members.size());
    Map<String, List<String>> byHash = new TreeMap<>();
    done.hashes.forEach((n, h) -> byHash.computeIfAbsent(h, k -> new ArrayList<>()).add(n));
    String agreed = null;
    for (Map.Entry<String, List<String>> e : byHash.entrySet()) {
      if (e.getValue().size() >= quorum) {
        agreed = agreed == null ? e.getKey() : null;
        if (agreed == null) {
          return List.of(); // two states with a quorum each: still undecided
        }
      }
    }
    if (agreed == null) {
      return List.of();
    }
    String decided = agreed;
    done.revotable = false;
    done.agreedHash = decided;
    List<Finding> findings = new ArrayList<>();
    findings.add(
        new Finding(
            Finding.Kind.RESOLVE,
            AlertType.NO_QUORUM,
            state.group,
            state.entityKey,
            done.version,
            List.of(),
            agreed,
            "late reports completed a quorum on state " + shortHash(agreed),
            report.eventTime(),
            now,
            Map.of(),
            List.of()));
    List<String> minority = new ArrayList<>();
    byHash.forEach(
        (h, nodes) -> {
          if (!h.equals(decided)) {
            minority.addAll(nodes);
          }
        });
    if (!minority.isEmpty()) {
      findings.add(
          Finding.versionAlert(
              AlertType.DIVERGENCE,
              state.group,
              state.entityKey,
              done.version,
              minority,
              agreed,
              minority.size()
                  + " node(s) disagree with the state "
                  + shortHash(agreed)
                  + " a quorum agreed on at version "
                  + done.version
                  + " once late reports arrived",
              report.eventTime(),
              now,
              List.of()));
    }
    return findings;
  }

  /**
   * Closes version {@code version} of the entity (grace passed or every member reported) and
   * returns what it proves. The version leaves the open set; a summary joins the closed window.
   */
  public static List<Finding> close(
      EntityState state, long version, Set<String> members, GroupPolicy policy, long now) {
    VersionSlot slot = state.open.remove(version);
    if (slot == null) {
      return List.of();
    }
    List<Finding> findings = new ArrayList<>();
    int quorum = policy.quorumOf(members.size());
    // voters: node -> report, sorted by node for deterministic output
    TreeMap<String, ReplicaReport> voters = new TreeMap<>(slot.reports);
    voters.keySet().removeAll(slot.equivocators);

    // FORK: a report built on a base that is neither the quorum's nor its own previous state.
    for (ReplicaReport r : List.copyOf(voters.values())) {
      if (isFork(state, r)) {
        voters.remove(r.nodeId());
        findings.add(
            Finding.versionAlert(
                AlertType.FORK,
                state.group,
                state.entityKey,
                version,
                List.of(r.nodeId()),
                null,
                "node "
                    + r.nodeId()
                    + " built version "
                    + version
                    + " on base "
                    + shortHash(r.prevHash())
                    + ", which is not the state agreed at version "
                    + (version - 1),
                r.eventTime(),
                now,
                List.of(r.evidence())));
      }
    }

    // DUPLICATE_APPLY: an operation already applied at an earlier version, applied again here.
    Map<String, Long> earlierOps = earlierOps(state, version);
    Map<String, List<ReplicaReport>> replayed = new TreeMap<>();
    for (ReplicaReport r : voters.values()) {
      Long at = earlierOps.get(r.opId());
      if (at != null) {
        replayed.computeIfAbsent(r.opId(), k -> new ArrayList<>()).add(r);
      }
    }
    for (Map.Entry<String, List<ReplicaReport>> e : replayed.entrySet()) {
      List<String> nodes = e.getValue().stream().map(ReplicaReport::nodeId).toList();
      nodes.forEach(voters::remove);
      findings.add(
          Finding.versionAlert(
              AlertType.DUPLICATE_APPLY,
              state.group,
              state.entityKey,
              version,
              nodes,
              null,
              "operation "
                  + e.getKey()
                  + " was applied at version "
                  + earlierOps.get(e.getKey())
                  + " and again at version "
                  + version
                  + " by "
                  + nodes,
              firstEventTime(e.getValue()),
              now,
              evidenceOf(e.getValue())));
    }

    // CONFLICTING_WRITE: different operations applied as the same version — another opId, or the
    // same opId carrying another operation (a double spend under one request id).
    Map<String, List<ReplicaReport>> byOp = groupBy(voters, Reconciler::operation);
    String agreedOp = null;
    if (byOp.size() > 1) {
      String majorityOp = winner(byOp, quorum);
      List<ReplicaReport> blamed = new ArrayList<>();
      for (Map.Entry<String, List<ReplicaReport>> e : byOp.entrySet()) {
        if (!e.getKey().equals(majorityOp)) {
          blamed.addAll(e.getValue());
        }
      }
      List<String> nodes = blamed.stream().map(ReplicaReport::nodeId).sorted().toList();
      findings.add(
          Finding.versionAlert(
              AlertType.CONFLICTING_WRITE,
              state.group,
              state.entityKey,
              version,
              majorityOp == null ? List.copyOf(voters.keySet()) : nodes,
              null,
              "operations "
                  + byOp.keySet().stream().map(Reconciler::describeOperation).toList()
                  + " were all applied as version "
                  + version
                  + (majorityOp == null
                      ? "; none has a quorum"
                      : "; the quorum applied " + describeOperation(majorityOp)),
              slot.firstEventTime,
              now,
              evidenceOf(majorityOp == null ? List.copyOf(voters.values()) : blamed)));
      if (majorityOp == null) {
        voters.clear();
      } else {
        nodes.forEach(voters::remove);
        agreedOp = byOp.get(majorityOp).get(0).opId();
      }
    }

    // DIVERGENCE / NO_QUORUM: same operation, different results.
    String agreedHash = null;
    if (!voters.isEmpty()) {
      Map<String, List<ReplicaReport>> byHash = groupBy(voters, ReplicaReport::stateHash);
      agreedHash = winner(byHash, quorum);
      if (agreedHash != null && byHash.size() > 1) {
        List<ReplicaReport> minority = new ArrayList<>();
        for (Map.Entry<String, List<ReplicaReport>> e : byHash.entrySet()) {
          if (!e.getKey().equals(agreedHash)) {
            minority.addAll(e.getValue());
          }
        }
        findings.add(
            Finding.versionAlert(
                AlertType.DIVERGENCE,
                state.group,
                state.entityKey,
                version,
                minority.stream().map(ReplicaReport::nodeId).toList(),
                agreedHash,
                minority.size()
                    + " node(s) disagree with the quorum state "
                    + shortHash(agreedHash)
                    + " at version "
                    + version,
                slot.firstEventTime,
                now,
                evidenceOf(minority)));
      } else if (agreedHash == null
          && (byHash.size() > 1 || (findings.isEmpty() && slot.equivocators.isEmpty()))) {
        findings.add(
            Finding.versionAlert(
                AlertType.NO_QUORUM,
                state.group,
                state.entityKey,
                version,
                List.of(),
                null,
                "no state has the "
                    + quorum
                    + " votes of a quorum at version "
                    + version
                    + ": "
                    + voters.size()
                    + " of "
                    + members.size()
                    + " members voted for "
                    + byHash.size()
                    + " state(s)",
                slot.firstEventTime,
                now,
                evidenceOf(List.copyOf(voters.values()))));
      }
      if (agreedHash != null && agreedOp == null) {
        agreedOp = byHash.get(agreedHash).get(0).opId();
      }
    }

    // REPLICA_LAG: members that said nothing about a version the quorum agreed on.
    ClosedVersion summary = new ClosedVersion();
    summary.version = version;
    summary.agreedHash = agreedHash;
    summary.revotable =
        findings.stream().anyMatch(f -> f.type() == AlertType.NO_QUORUM && f.version() != null);
    summary.agreedOp = agreedHash == null ? null : agreedOp;
    slot.reports.forEach(
        (node, r) -> {
          summary.hashes.put(node, r.stateHash());
          summary.claims.put(node, whereRead(r.evidence()));
        });
    if (agreedHash != null) {
      for (String member : new TreeSet<>(members)) {
        if (!slot.reports.containsKey(member)) {
          summary.missing.add(member);
          Map<String, String> attrs = new LinkedHashMap<>();
          attrs.put("entityKey", state.entityKey);
          attrs.put("version", Long.toString(version));
          findings.add(
              Finding.episode(
                  AlertType.REPLICA_LAG,
                  state.group,
                  member,
                  "node "
                      + member
                      + " has not reported the agreed version "
                      + version
                      + " of "
                      + state.entityKey,
                  slot.firstEventTime,
                  now,
                  attrs,
                  List.of()));
        }
      }
    }
    state.closed.put(version, summary);
    state.highestClosed = Math.max(state.highestClosed, version);
    while (state.closed.size() > EntityState.CLOSED_WINDOW) {
      ClosedVersion oldest = state.closed.pollFirstEntry().getValue();
      // Only an agreed version moves the horizon: versions nobody agreed on (one liar's, far
      // ahead) must never make later honest reports too late to judge.
      if (oldest != null && oldest.agreedHash != null) {
        state.forgottenBelow = Math.max(state.forgottenBelow, oldest.version + 1);
      }
    }
    return findings;
  }

  private static boolean isFork(EntityState state, ReplicaReport r) {
    long v = r.version();
    if (v == 1) {
      return !r.prevHash().isEmpty();
    }
    String agreed = null;
    String own = null;
    ClosedVersion before = state.closed.get(v - 1);
    if (before != null) {
      agreed = before.agreedHash;
      own = before.hashes.get(r.nodeId());
    } else {
      VersionSlot openBefore = state.open.get(v - 1);
      if (openBefore != null && openBefore.reports.containsKey(r.nodeId())) {
        own = openBefore.reports.get(r.nodeId()).stateHash();
      }
    }
    if (agreed == null && own == null) {
      return false; // nothing known to compare with
    }
    return !r.prevHash().equals(agreed) && !r.prevHash().equals(own);
  }

  /**
   * opId → the earlier version a quorum agreed it was applied at. Only agreed operations count: a
   * claim one node alone put into an earlier open version (a liar copying the next version's op)
   * must never make the honest replicas look like they applied it twice.
   */
  private static Map<String, Long> earlierOps(EntityState state, long version) {
    Map<String, Long> ops = new HashMap<>();
    for (ClosedVersion c : state.closed.headMap(version, false).values()) {
      if (c.agreedOp != null) {
        ops.putIfAbsent(c.agreedOp, c.version);
      }
    }
    return ops;
  }

  /** The key an operation is compared on: its id and its digest. */
  private static String operation(ReplicaReport r) {
    return r.opId() + '\u0000' + r.opDigest();
  }

  private static String describeOperation(String operationKey) {
    int sep = operationKey.indexOf('\u0000');
    return sep < 0
        ? operationKey
        : operationKey.substring(0, sep)
            + " (digest "
            + shortHash(operationKey.substring(sep + 1))
            + ")";
  }

  /** The key with at least {@code quorum} reports, if exactly one has (ties have no winner). */
  private static String winner(Map<String, List<ReplicaReport>> groups, int quorum) {
    return groups.entrySet().stream()
        .filter(e -> e.getValue().size() >= quorum)
        .max(
            Comparator.comparingInt(
                (Map.Entry<String, List<ReplicaReport>> e) -> e.getValue().size()))
        .filter(
            best ->
                groups.values().stream().filter(l -> l.size() == best.getValue().size()).count()
                    == 1)
        .map(Map.Entry::getKey)
        .orElse(null);
  }

  private static Map<String, List<ReplicaReport>> groupBy(
      Map<String, ReplicaReport> voters, java.util.function.Function<ReplicaReport, String> key) {
    Map<String, List<ReplicaReport>> out = new TreeMap<>();
    for (ReplicaReport r : voters.values()) {
      out.computeIfAbsent(key.apply(r), k -> new ArrayList<>()).add(r);
    }
    return out;
  }

  private static long firstEventTime(List<ReplicaReport> reports) {
    return reports.stream().mapToLong(ReplicaReport::eventTime).min().orElse(0);
  }

  private static List<EvidenceRef> evidenceOf(List<ReplicaReport> reports) {
    return reports.stream().map(ReplicaReport::evidence).distinct().toList();
  }

  static String shortHash(String hex) {
    if (hex == null || hex.isEmpty()) {
      return "(empty)";
    }
    return hex.length() > 12 ? hex.substring(0, 12) : hex;
  }

  /** Where a claim was read: enough for {@code herald verify} to fetch and re-check it. */
  static EvidenceRef whereRead(EvidenceRef e) {
    return e == null
        ? null
        : new EvidenceRef(
            e.topic(), e.partition(), e.offset(), e.nodeId(), "", e.batchSeq(), null, true, "");
  }
}
