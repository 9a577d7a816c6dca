package dev.herald.auditor.detect;

import dev.herald.schema.AlertType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * REPLICA_LAG: members that said nothing about a version a quorum agreed on. Not voters: an episode
 * per silent member, which the version's summary remembers as missing so a late report that catches
 * up resolves it.
 */
final class ReplicaLagDetector implements VersionDetector {
  @Override
  public void detect(Vote vote) {
    if (vote.agreedHash() == null) {
      return;
    }
    EntityState state = vote.entity();
    long version = vote.version();
    Map<String, ReplicaReport> reports = vote.slot().reports();
    for (String member : new TreeSet<>(vote.members())) {
      if (!reports.containsKey(member)) {
        vote.lagging(member);
        Map<String, String> attrs = new LinkedHashMap<>();
        attrs.put("entityKey", state.entityKey());
        attrs.put("version", Long.toString(version));
        vote.report(
            Finding.episode(
                AlertType.REPLICA_LAG,
                state.group(),
                member,
                "node "
                    + member
                    + " has not reported the agreed version "
                    + version
                    + " of "
                    + state.entityKey(),
                vote.slot().firstEventTime(),
                vote.now(),
                attrs,
                List.of()));
      }
    }
  }
}
