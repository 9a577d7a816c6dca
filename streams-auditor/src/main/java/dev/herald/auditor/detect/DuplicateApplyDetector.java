package dev.herald.auditor.detect;

import dev.herald.schema.AlertType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * DUPLICATE_APPLY: an operation a quorum agreed at an earlier version, applied again at this one.
 * One alert per replayed operation, naming every voter that replayed it; they leave the vote.
 */
final class DuplicateApplyDetector implements VersionDetector {
  @Override
  public void detect(Vote vote) {
    EntityState state = vote.entity();
    long version = vote.version();
    // the voters' operations (almost always one), each looked up among the earlier agreed ones
    Map<String, Long> earlierOps = new HashMap<>(4);
    Map<String, List<ReplicaReport>> replayed = new TreeMap<>();
    for (ReplicaReport r : vote.voters().values()) {
      String op = r.opId();
      Long at;
      if (earlierOps.containsKey(op)) {
        at = earlierOps.get(op);
      } else {
        // only agreed operations count: a claim one node alone put into an earlier version (a
        // liar copying the next version's op) never makes the honest replicas look like they
        // applied it twice
        at = state.agreedAt(version, op);
        earlierOps.put(op, at); // null kept too: looked up once per operation
      }
      if (at != null) {
        replayed.computeIfAbsent(r.opId(), k -> new ArrayList<>()).add(r);
      }
    }
    for (Map.Entry<String, List<ReplicaReport>> e : replayed.entrySet()) {
      List<ReplicaReport> reports = e.getValue();
      List<String> nodes = new ArrayList<>(reports.size());
      for (ReplicaReport r : reports) {
        nodes.add(r.nodeId());
        vote.explain(r.nodeId());
      }
      vote.report(
          Finding.versionAlert(
              AlertType.DUPLICATE_APPLY,
              state.group(),
              state.entityKey(),
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
              firstEventTime(reports),
              vote.now(),
              Reconciler.evidenceOf(reports)));
    }
  }

  private static long firstEventTime(List<ReplicaReport> reports) {
    if (reports.isEmpty()) {
      return 0;
    }
    long min = Long.MAX_VALUE;
    for (ReplicaReport r : reports) {
      min = Math.min(min, r.eventTime());
    }
    return min;
  }
}
