package dev.herald.auditor.detect;

import dev.herald.schema.AlertType;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * CONFLICTING_WRITE: different operations applied as the same version — another opId, or the same
 * opId carrying another operation (a double spend under one request id). With a quorum on one
 * operation, the others' voters are blamed and leave the vote, and that operation is the agreed
 * one; without, every voter is named and none is left to vote on the state.
 */
final class ConflictingWriteDetector implements VersionDetector {
  @Override
  public void detect(Vote vote) {
    Map<String, List<ReplicaReport>> byOp =
        Reconciler.groupBy(vote.voters(), ConflictingWriteDetector::operation);
    if (byOp.size() <= 1) {
      return;
    }
    EntityState state = vote.entity();
    long version = vote.version();
    String majorityOp = Reconciler.winner(byOp, vote.quorum());
    List<ReplicaReport> blamed = new ArrayList<>();
    List<String> operations = new ArrayList<>(byOp.size());
    for (Map.Entry<String, List<ReplicaReport>> e : byOp.entrySet()) {
      operations.add(describeOperation(e.getKey()));
      if (!e.getKey().equals(majorityOp)) {
        blamed.addAll(e.getValue());
      }
    }
    List<String> nodes = new ArrayList<>(blamed.size());
    for (ReplicaReport r : blamed) {
      nodes.add(r.nodeId());
    }
    Collections.sort(nodes);
    vote.report(
        Finding.versionAlert(
            AlertType.CONFLICTING_WRITE,
            state.group(),
            state.entityKey(),
            version,
            majorityOp == null ? List.copyOf(vote.voters().keySet()) : nodes,
            null,
            "operations "
                + operations
                + " were all applied as version "
                + version
                + (majorityOp == null
                    ? "; none has a quorum"
                    : "; the quorum applied " + describeOperation(majorityOp)),
            vote.slot().firstEventTime(),
            vote.now(),
            Reconciler.evidenceOf(majorityOp == null ? vote.voters().values() : blamed)));
    if (majorityOp == null) {
      vote.explainAll();
    } else {
      for (String node : nodes) {
        vote.explain(node);
      }
      vote.agreeOnOperation(byOp.get(majorityOp).get(0).opId());
    }
  }

  /** The key an operation is compared on: its id and its digest. */
  static String operation(ReplicaReport r) {
    return r.opId() + '\u0000' + r.opDigest();
  }

  static String describeOperation(String operationKey) {
    int sep = operationKey.indexOf('\u0000');
    return sep < 0
        ? operationKey
        : operationKey.substring(0, sep)
            + " (digest "
            + Reconciler.shortHash(operationKey.substring(sep + 1))
            + ")";
  }
}
