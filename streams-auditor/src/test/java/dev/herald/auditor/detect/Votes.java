package dev.herald.auditor.detect;

import static dev.herald.auditor.detect.Replicas.ENTITY;
import static dev.herald.auditor.detect.Replicas.GROUP;
import static dev.herald.auditor.detect.Replicas.honest;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.auditor.detect.EntityState.VersionSlot;
import dev.herald.auditor.policy.GroupPolicy;
import dev.herald.schema.AlertType;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** Test vocabulary for the version detectors: entities with a history, and closing votes. */
final class Votes {
  static final GroupPolicy POLICY = GroupPolicy.DEFAULTS;
  static final Set<String> THREE = Set.of("n1", "n2", "n3");
  static final long NOW = 99_000;

  private Votes() {}

  /** An entity whose versions 1..{@code v} every member reported honestly (closed, agreed). */
  static EntityState agreedUpTo(long v, Set<String> members) {
    EntityState state = new EntityState(GROUP, ENTITY);
    for (long i = 1; i <= v; i++) {
      for (String n : new TreeSet<>(members)) {
        Reconciler.onReport(state, honest(n, i), members, POLICY, 1_000 * i);
      }
    }
    return state;
  }

  /**
   * The vote closing {@code reports}' version of {@code state}, as {@link Reconciler#close} builds
   * it: the slot holds every report, the equivocators leave the vote.
   */
  static Vote closing(
      EntityState state, Set<String> members, Set<String> equivocators, ReplicaReport... reports) {
    long v = reports[0].version();
    long first = Long.MAX_VALUE;
    for (ReplicaReport r : reports) {
      first = Math.min(first, r.eventTime());
    }
    VersionSlot slot = new VersionSlot(v, first, first);
    for (ReplicaReport r : reports) {
      slot.reports().put(r.nodeId(), r);
    }
    slot.equivocators().addAll(equivocators);
    return new Vote(state, slot, v, members, POLICY.quorumOf(members.size()), NOW);
  }

  static Vote closing(EntityState state, Set<String> members, ReplicaReport... reports) {
    return closing(state, members, Set.of(), reports);
  }

  /**
   * Asserts that {@code findings} holds exactly one finding, of {@code type}, naming exactly {@code
   * nodes} in that order (none: it names nobody); returns it for the test's further checks.
   */
  static Finding onlyFinding(List<Finding> findings, AlertType type, String... nodes) {
    assertThat(findings)
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.type()).isEqualTo(type);
              assertThat(f.nodes()).containsExactly(nodes);
            });
    return findings.get(0);
  }
}
