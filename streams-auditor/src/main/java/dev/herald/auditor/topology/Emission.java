package dev.herald.auditor.topology;

import dev.herald.auditor.detect.AlertIds;
import dev.herald.auditor.detect.Finding;
import dev.herald.schema.ConsistencyVerdict;
import dev.herald.schema.DeadLetter;

/**
 * What the detecting processors forward: a finding for the lifecycle, a dead letter, or the verdict
 * on a closed version.
 */
sealed interface Emission permits Emission.Found, Emission.Dead, Emission.Verdict {
  /** A finding, routed to the alert lifecycle by {@link #routingKey()}. */
  record Found(Finding finding) implements Emission {}

  /** A record that goes to {@code herald.dlq.v1}. */
  record Dead(DeadLetter letter) implements Emission {}

  /** A closed version's verdict, for {@code herald.verdicts.v1} (the consistency SLO). */
  record Verdict(ConsistencyVerdict verdict) implements Emission {}

  /**
   * Findings of one node go to one lifecycle partition (so NODE_SILENT can suppress REPLICA_LAG),
   * the others by identity.
   */
  static String routingKey(Finding f) {
    return AlertIds.routingKey(f.type(), f.group(), f.entityKey(), f.version(), f.nodes());
  }
}
