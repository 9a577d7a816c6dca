package dev.herald.auditor.detect;

import dev.herald.schema.AlertType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * DIVERGENCE / NO_QUORUM over the voters left: the same operation, different results. With a quorum
 * on one state, that state is agreed and the nodes with another are named; without one, a NO_QUORUM
 * — unless a single state remains and an earlier alert or an equivocation already explains why the
 * votes fell short.
 */
final class DivergenceDetector implements VersionDetector {
  @Override
  public void detect(Vote vote) {
    Map<String, ReplicaReport> voters = vote.voters();
    if (voters.isEmpty()) {
      return;
    }
    EntityState state = vote.entity();
    long version = vote.version();
    int quorum = vote.quorum();
    Map<String, List<ReplicaReport>> byHash = Reconciler.groupBy(voters, ReplicaReport::stateHash);
    String agreedHash = Reconciler.winner(byHash, quorum);
    if (agreedHash != null && byHash.size() > 1) {
      List<ReplicaReport> minority = new ArrayList<>();
      for (Map.Entry<String, List<ReplicaReport>> e : byHash.entrySet()) {
        if (!e.getKey().equals(agreedHash)) {
          minority.addAll(e.getValue());
        }
      }
      List<String> nodes = new ArrayList<>(minority.size());
      for (ReplicaReport r : minority) {
        nodes.add(r.nodeId());
      }
      vote.report(
          Finding.versionAlert(
              AlertType.DIVERGENCE,
              state.group(),
              state.entityKey(),
              version,
              nodes,
              agreedHash,
              minority.size()
                  + " node(s) disagree with the quorum state "
                  + Reconciler.shortHash(agreedHash)
                  + " at version "
                  + version,
              vote.slot().firstEventTime(),
              vote.now(),
              Reconciler.evidenceOf(minority)));
    } else if (agreedHash == null
        && (byHash.size() > 1
            || (vote.findings().isEmpty() && vote.slot().equivocators().isEmpty()))) {
      vote.report(
          Finding.versionAlert(
              AlertType.NO_QUORUM,
              state.group(),
              state.entityKey(),
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
                  + vote.members().size()
                  + " members voted for "
                  + byHash.size()
                  + " state(s)",
              vote.slot().firstEventTime(),
              vote.now(),
              Reconciler.evidenceOf(voters.values())));
    }
    if (agreedHash != null) {
      vote.agreeOnState(agreedHash);
      if (vote.agreedOp() == null) {
        vote.agreeOnOperation(byHash.get(agreedHash).get(0).opId());
      }
    }
  }
}
