package dev.herald.auditor.detect;

import dev.herald.auditor.detect.EntityState.ClosedVersion;
import dev.herald.auditor.detect.EntityState.VersionSlot;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

/**
 * The vote of one closing version as it passes the {@link VersionDetector}s: the version's slot
 * (every report, the equivocators), the voters not yet explained, the findings so far, and the
 * outcome (agreed operation and state, the members lagging behind it). The entity gives the closed
 * window the fork and duplicate-apply checks compare with.
 *
 * <p>Mutable and short-lived: one per close, never stored. Its summary becomes the version's entry
 * in the entity's closed window.
 */
final class Vote {
  private final EntityState entity;
  private final VersionSlot slot;
  private final long version;
  private final Set<String> members;
  private final int quorum;
  private final long now;

  /** node → report of the voters not yet explained, sorted by node for deterministic output. */
  private final TreeMap<String, ReplicaReport> voters;

  private final List<Finding> findings = new ArrayList<>();

  /** What remains of the version; the detectors fill its missing members. */
  private final ClosedVersion summary = new ClosedVersion();

  private String agreedOp;
  private String agreedHash;

  /**
   * The vote on {@code slot} (open version {@code version}), just taken out of {@code entity}'s
   * open versions: every report of a node that did not equivocate.
   */
  Vote(
      EntityState entity,
      VersionSlot slot,
      long version,
      Set<String> members,
      int quorum,
      long now) {
    this.entity = entity;
    this.slot = slot;
    this.version = version;
    this.members = members;
    this.quorum = quorum;
    this.now = now;
    this.voters = new TreeMap<>(slot.reports());
    voters.keySet().removeAll(slot.equivocators());
  }

  EntityState entity() {
    return entity;
  }

  VersionSlot slot() {
    return slot;
  }

  long version() {
    return version;
  }

  Set<String> members() {
    return members;
  }

  int quorum() {
    return quorum;
  }

  long now() {
    return now;
  }

  /**
   * The voters not yet explained, by node: the live map. A detector removes the voters its findings
   * explain (directly, or through {@link #explain}).
   */
  TreeMap<String, ReplicaReport> voters() {
    return voters;
  }

  /** Takes {@code node} out of the vote: a finding already explains its report. */
  void explain(String node) {
    voters.remove(node);
  }

  /** Takes every remaining voter out of the vote. */
  void explainAll() {
    voters.clear();
  }

  void report(Finding finding) {
    findings.add(finding);
  }

  /** What the detectors found so far, in emission order: the live list. */
  List<Finding> findings() {
    return findings;
  }

  /** The operation id the vote agreed on, or null. */
  String agreedOp() {
    return agreedOp;
  }

  void agreeOnOperation(String opId) {
    this.agreedOp = opId;
  }

  /** The state hash a quorum agreed on, or null. */
  String agreedHash() {
    return agreedHash;
  }

  void agreeOnState(String stateHash) {
    this.agreedHash = stateHash;
  }

  /** Records that {@code member} said nothing about the agreed version. */
  void lagging(String member) {
    summary.missing().add(member);
  }

  /** The members recorded as lagging, in the summary (not a copy). */
  Set<String> lagging() {
    return summary.missing();
  }

  ClosedVersion summary() {
    return summary;
  }
}
