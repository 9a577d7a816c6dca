package dev.herald.auditor.detect;

import dev.herald.auditor.detect.EntityState.ClosedVersion;
import dev.herald.auditor.detect.EntityState.VersionSlot;
import dev.herald.auditor.policy.GroupPolicy;
import dev.herald.schema.AlertType;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The per-entity detectors of DESIGN.md "Detection semantics", as pure functions of (entity state,
 * report or close, members, policy, stream time) → (new state, findings). No Kafka here: the
 * topology calls {@link #onReport} for every verified member report and {@link #close} when a
 * version's grace has passed; {@link #onReport} closes a version itself as soon as every member has
 * reported.
 *
 * <p>Order at close, each report explained by an earlier alert leaving the vote: EQUIVOCATION (at
 * report time) → FORK → DUPLICATE_APPLY → CONFLICTING_WRITE → DIVERGENCE / NO_QUORUM → REPLICA_LAG,
 * one {@link VersionDetector} each, listed in {@code DETECTORS}.
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
    ClosedVersion done = state.closedVersion(v);
    if (done != null) {
      return late(state, done, report, members, policy, now);
    }
    if (v < state.forgottenBelow()) {
      return new Outcome(Effect.TOO_LATE, List.of(), null, null);
    }
    if (jumps(state, v, policy)) {
      return new Outcome(Effect.JUMP, List.of(), null, null);
    }
    Long opened = null;
    VersionSlot slot = state.openVersion(v);
    if (slot == null) {
      slot = new VersionSlot(v, now, report.eventTime());
      state.startVersion(slot);
      opened = v;
    }
    ReplicaReport previous = slot.reports().get(report.nodeId());
    if (previous != null) {
      if (previous.sameClaim(report)) {
        return new Outcome(Effect.DUPLICATE, List.of(), null, null);
      }
      if (!slot.equivocators().add(report.nodeId())) {
        return new Outcome(Effect.EQUIVOCATION, List.of(), null, null);
      }
      Finding f =
          Finding.versionAlert(
              AlertType.EQUIVOCATION,
              state.group(),
              state.entityKey(),
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
    slot.reports().put(report.nodeId(), report);
    // fewer reports than members cannot hold them all: most reports skip the lookups
    if (!members.isEmpty()
        && slot.reports().size() >= members.size()
        && slot.reports().keySet().containsAll(members)) {
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
    ClosedVersion done = state.closedVersion(v);
    if (done != null) {
      String had = done.hashOf(report.nodeId());
      return report.stateHash().equals(had) ? Effect.DUPLICATE : Effect.LATE;
    }
    if (v < state.forgottenBelow()) {
      return Effect.TOO_LATE;
    }
    VersionSlot slot = state.openVersion(v);
    if (slot == null) {
      return jumps(state, v, policy) ? Effect.JUMP : Effect.ACCEPTED;
    }
    ReplicaReport previous = slot.reports().get(report.nodeId());
    return previous != null && previous.sameClaim(report) ? Effect.DUPLICATE : Effect.ACCEPTED;
  }

  /** Whether version {@code v} lies beyond the versions this entity may have in flight. */
  private static boolean jumps(EntityState state, long v, GroupPolicy policy) {
    // the arithmetic first: almost no report jumps, and the open-version lookup was ≈ 1.7 % of the
    // stream thread (JFR, round 7)
    return state.highestClosed() > 0
        && v - state.highestClosed() > policy.maxInFlightVersions()
        && !state.openVersions().containsKey(v);
  }

  private static Outcome late(
      EntityState state,
      ClosedVersion done,
      ReplicaReport report,
      Set<String> members,
      GroupPolicy policy,
      long now) {
    String node = report.nodeId();
    String had = done.hashOf(node);
    if (had != null) {
      // Already judged this node's claim for this version: a duplicate, or an equivocation the
      // version's vote no longer needs; report the latter.
      if (had.equals(report.stateHash())) {
        return new Outcome(Effect.DUPLICATE, List.of(), null, null);
      }
      // the first claim's batch, where it was read (kept since the close; none in state written
      // before the closed versions kept it)
      EvidenceRef first = done.claims().get(node);
      Finding f =
          Finding.versionAlert(
              AlertType.EQUIVOCATION,
              state.group(),
              state.entityKey(),
              report.version(),
              List.of(node),
              done.agreedHash(),
              "node "
                  + node
                  + " signed a second, different report for closed version "
                  + report.version(),
              report.eventTime(),
              now,
              first == null ? List.of(report.evidence()) : List.of(first, report.evidence()));
      return new Outcome(Effect.EQUIVOCATION, List.of(f), null, null);
    }
    done.hashes().put(node, report.stateHash());
    done.claims().put(node, whereRead(report.evidence()));
    if (ForkDetector.isFork(state, report)) {
      // Built on a wrong base: a FORK, as at the close (one root cause, one alert). Its state,
      // built on another history, says nothing about whether the node applied this version's
      // operation as the others did, so it is neither a divergence nor a catching up; it is kept
      // like every claim of the version, so a second, different one is an equivocation.
      done.missing().remove(node);
      return new Outcome(
          Effect.LATE, List.of(ForkDetector.finding(state, report, now)), null, null);
    }
    if (done.revotable()) {
      return new Outcome(
          Effect.LATE, revote(state, done, report, members, policy, now), null, null);
    }
    List<Finding> findings = new ArrayList<>();
    boolean wasMissing = done.missing().remove(node);
    if (done.agreedHash() != null && done.agreedHash().equals(report.stateHash())) {
      if (wasMissing) {
        findings.add(
            new Finding(
                Finding.Kind.CAUGHT_UP,
                AlertType.REPLICA_LAG,
                state.group(),
                null,
                null,
                List.of(node),
                done.agreedHash(),
                "node " + node + " caught up on " + state.entityKey() + " v" + report.version(),
                report.eventTime(),
                now,
                Map.of("entityKey", state.entityKey(), "version", Long.toString(report.version())),
                List.of()));
      }
    } else if (done.agreedHash() != null) {
      findings.add(
          Finding.versionAlert(
              AlertType.DIVERGENCE,
              state.group(),
              state.entityKey(),
              report.version(),
              List.of(node),
              done.agreedHash(),
              "late report of node "
                  + node
                  + " has state "
                  + shortHash(report.stateHash())
                  + ", the quorum agreed on "
                  + shortHash(done.agreedHash()),
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
    done.hashes().forEach((n, h) -> byHash.computeIfAbsent(h, k -> new ArrayList<>()).add(n));
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
    done.revotable(false);
    done.agreedHash(decided);
    List<Finding> findings = new ArrayList<>();
    findings.add(
        new Finding(
            Finding.Kind.RESOLVE,
            AlertType.NO_QUORUM,
            state.group(),
            state.entityKey(),
            done.version(),
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
              state.group(),
              state.entityKey(),
              done.version(),
              minority,
              agreed,
              minority.size()
                  + " node(s) disagree with the state "
                  + shortHash(agreed)
                  + " a quorum agreed on at version "
                  + done.version()
                  + " once late reports arrived",
              report.eventTime(),
              now,
              List.of()));
    }
    return findings;
  }

  /**
   * The detectors a closing version passes, in this order. Each sees only the voters the earlier
   * ones left unexplained and removes those its findings explain, so a report is blamed for one
   * root cause only, in one alert: a forked node is not also diverged, a replayed operation is not
   * also a conflicting write, and a conflict without a quorum leaves no state to call NO_QUORUM.
   * (EQUIVOCATION comes first, at report time: an equivocating node never votes.)
   */
  private static final List<VersionDetector> DETECTORS =
      List.of(
          new ForkDetector(),
          new DuplicateApplyDetector(),
          new ConflictingWriteDetector(),
          new DivergenceDetector(),
          new ReplicaLagDetector());

  /**
   * Closes version {@code version} of the entity (grace passed or every member reported) and
   * returns what it proves. The version leaves the open set; a summary joins the closed window.
   */
  public static List<Finding> close(
      EntityState state, long version, Set<String> members, GroupPolicy policy, long now) {
    VersionSlot slot = state.takeOpenVersion(version);
    if (slot == null) {
      return List.of();
    }
    Vote vote = new Vote(state, slot, version, members, policy.quorumOf(members.size()), now);
    for (int i = 0; i < DETECTORS.size(); i++) {
      DETECTORS.get(i).detect(vote);
    }
    List<Finding> findings = vote.findings();
    ClosedVersion summary = vote.summary();
    summary.version(version);
    summary.agreedHash(vote.agreedHash());
    summary.revotable(undecided(findings));
    summary.agreedOp(vote.agreedHash() == null ? null : vote.agreedOp());
    for (Map.Entry<String, ReplicaReport> e : slot.reports().entrySet()) {
      summary.hashes().put(e.getKey(), e.getValue().stateHash());
      summary.claims().put(e.getKey(), whereRead(e.getValue().evidence()));
    }
    state.rememberClosed(summary);
    return findings;
  }

  /** Whether the close raised a NO_QUORUM: late reports may still decide the version. */
  private static boolean undecided(List<Finding> findings) {
    for (int i = 0; i < findings.size(); i++) {
      Finding f = findings.get(i);
      if (f.type() == AlertType.NO_QUORUM && f.version() != null) {
        return true;
      }
    }
    return false;
  }

  /** The key with at least {@code quorum} reports, if exactly one has (ties have no winner). */
  static String winner(Map<String, List<ReplicaReport>> groups, int quorum) {
    String best = null;
    int bestSize = -1;
    for (Map.Entry<String, List<ReplicaReport>> e : groups.entrySet()) {
      int size = e.getValue().size();
      if (size >= quorum && size > bestSize) {
        best = e.getKey();
        bestSize = size;
      }
    }
    if (best == null) {
      return null;
    }
    int sameSize = 0;
    for (List<ReplicaReport> l : groups.values()) {
      if (l.size() == bestSize) {
        sameSize++;
      }
    }
    return sameSize == 1 ? best : null;
  }

  /** The voters grouped by {@code key}, keys sorted, each group in the voters' (node) order. */
  static Map<String, List<ReplicaReport>> groupBy(
      Map<String, ReplicaReport> voters, Function<ReplicaReport, String> key) {
    Map<String, List<ReplicaReport>> out = new TreeMap<>();
    for (ReplicaReport r : voters.values()) {
      out.computeIfAbsent(key.apply(r), k -> new ArrayList<>()).add(r);
    }
    return out;
  }

  /** The batches of {@code reports}, each once, in the reports' order. */
  static List<EvidenceRef> evidenceOf(Collection<ReplicaReport> reports) {
    List<EvidenceRef> out = new ArrayList<>(reports.size());
    for (ReplicaReport r : reports) {
      EvidenceRef e = r.evidence();
      if (!out.contains(e)) {
        out.add(e);
      }
    }
    return out;
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
