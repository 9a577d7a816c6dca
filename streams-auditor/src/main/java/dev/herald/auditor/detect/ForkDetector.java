package dev.herald.auditor.detect;

import dev.herald.auditor.detect.EntityState.ClosedVersion;
import dev.herald.auditor.detect.EntityState.VersionSlot;
import dev.herald.schema.AlertType;
import java.util.Iterator;
import java.util.List;

/**
 * FORK: a report built on a base that is neither the state agreed at the version before nor the
 * node's own previous state. Each forking node is named in its own alert and leaves the vote: its
 * result, built on another history, says nothing about this version's operation.
 */
final class ForkDetector implements VersionDetector {
  @Override
  public void detect(Vote vote) {
    EntityState state = vote.entity();
    long version = vote.version();
    for (Iterator<ReplicaReport> it = vote.voters().values().iterator(); it.hasNext(); ) {
      ReplicaReport r = it.next();
      if (isFork(state, r)) {
        it.remove(); // explained by this fork
        vote.report(finding(state, r, vote.now()));
      }
    }
  }

  /**
   * The FORK alert naming the node of {@code r}, a report on a wrong base, found at {@code now}.
   */
  static Finding finding(EntityState state, ReplicaReport r, long now) {
    return Finding.versionAlert(
        AlertType.FORK,
        state.group(),
        state.entityKey(),
        r.version(),
        List.of(r.nodeId()),
        null,
        "node "
            + r.nodeId()
            + " built version "
            + r.version()
            + " on base "
            + Reconciler.shortHash(r.prevHash())
            + ", which is not the state agreed at version "
            + (r.version() - 1),
        r.eventTime(),
        now,
        List.of(r.evidence()));
  }

  static boolean isFork(EntityState state, ReplicaReport r) {
    long v = r.version();
    if (v == 1) {
      return !r.prevHash().isEmpty();
    }
    String base = r.prevHash();
    String agreed = null;
    String own = null;
    ClosedVersion before = state.closedVersion(v - 1);
    if (before != null) {
      agreed = before.agreedHash();
      if (base.equals(agreed)) {
        // the common case: built on the agreed state, no need to look up the node's own (a tree
        // of strings per summary, ≈ 4 % of the auditor's stream thread in JFR, round 12)
        return false;
      }
      own = before.hashOf(r.nodeId());
    } else {
      VersionSlot openBefore = state.openVersion(v - 1);
      if (openBefore != null && openBefore.reports().containsKey(r.nodeId())) {
        own = openBefore.reports().get(r.nodeId()).stateHash();
      }
    }
    if (agreed == null && own == null) {
      return false; // nothing known to compare with
    }
    return !base.equals(agreed) && !base.equals(own);
  }
}
