package dev.herald.auditor.detect;

import static dev.herald.auditor.detect.Replicas.ENTITY;
import static dev.herald.auditor.detect.Replicas.GROUP;
import static dev.herald.auditor.detect.Replicas.hash;
import static dev.herald.auditor.detect.Replicas.honest;
import static dev.herald.auditor.detect.Replicas.report;
import static dev.herald.auditor.detect.Replicas.state;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.auditor.policy.GroupPolicy;
import dev.herald.schema.AlertType;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.IntStream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** Properties of the reconciler over arrival orders, duplicates and single faults. */
class ReconcilerPropertiesTest {

  private static Set<String> members(int n) {
    Set<String> m = new TreeSet<>();
    IntStream.rangeClosed(1, n).forEach(i -> m.add("n" + i));
    return m;
  }

  /** Feeds reports in the given order (stream time = max event time) then closes what is left. */
  private static List<Finding> run(List<ReplicaReport> reports, Set<String> members) {
    EntityState state = new EntityState(GROUP, ENTITY);
    List<Finding> out = new ArrayList<>();
    long now = 0;
    for (ReplicaReport r : reports) {
      now = Math.max(now, r.eventTime());
      out.addAll(Reconciler.onReport(state, r, members, GroupPolicy.DEFAULTS, now).findings());
    }
    for (Long v : List.copyOf(state.openVersions().keySet())) {
      out.addAll(Reconciler.close(state, v, members, GroupPolicy.DEFAULTS, now + 2_000));
    }
    assertThat(state.openVersions()).isEmpty();
    return out;
  }

  private static List<ReplicaReport> honestHistory(Set<String> members, int versions) {
    List<ReplicaReport> reports = new ArrayList<>();
    for (long v = 1; v <= versions; v++) {
      for (String n : members) {
        reports.add(honest(n, v));
      }
    }
    return reports;
  }

  @Property(tries = 200)
  void honestReplicasInAnyOrderWithDuplicatesRaiseNoAlert(
      @ForAll @IntRange(min = 1, max = 7) int replicas,
      @ForAll @IntRange(min = 1, max = 6) int versions,
      @ForAll @IntRange(min = 0, max = 10) int duplicates,
      @ForAll long seed) {
    Set<String> members = members(replicas);
    List<ReplicaReport> reports = honestHistory(members, versions);
    Random random = new Random(seed);
    for (int i = 0; i < duplicates; i++) {
      reports.add(reports.get(random.nextInt(reports.size())));
    }
    Collections.shuffle(reports, random);
    assertThat(run(reports, members)).isEmpty();
  }

  @Provide
  Arbitrary<AlertType> versionFaults() {
    return Arbitraries.of(
        AlertType.DIVERGENCE,
        AlertType.EQUIVOCATION,
        AlertType.FORK,
        AlertType.CONFLICTING_WRITE,
        AlertType.DUPLICATE_APPLY,
        AlertType.REPLICA_LAG);
  }

  @Property(tries = 300)
  void anySingleFaultyNodeRaisesExactlyTheExpectedAlert(
      @ForAll("versionFaults") AlertType fault,
      @ForAll @IntRange(min = 3, max = 7) int replicas,
      @ForAll @IntRange(min = 2, max = 5) int faultyVersion,
      @ForAll @IntRange(min = 1, max = 7) int faultyIndex,
      @ForAll long seed) {
    Set<String> members = members(replicas);
    String bad = "n" + (1 + (faultyIndex - 1) % replicas);
    long v = faultyVersion;
    List<ReplicaReport> reports = honestHistory(members, faultyVersion + 1);
    ReplicaReport original = honest(bad, v);
    reports.remove(original);
    switch (fault) {
      case DIVERGENCE -> reports.add(report(bad, v, state(v - 1), hash("wrong"), "op" + v));
      case EQUIVOCATION -> {
        reports.add(original);
        reports.add(report(bad, v, state(v - 1), hash("second"), "op" + v));
      }
      case FORK -> reports.add(report(bad, v, hash("rewritten"), state(v), "op" + v));
      case CONFLICTING_WRITE -> reports.add(report(bad, v, state(v - 1), hash("x"), "opX"));
      case DUPLICATE_APPLY -> reports.add(report(bad, v, state(v - 1), hash("y"), "op" + (v - 1)));
      case REPLICA_LAG -> {}
      default -> throw new IllegalStateException();
    }
    // the faulty node continues from the agreed state, so nothing else is its fault
    Random random = new Random(seed);
    // arrival order is shuffled within each version (batches of one node arrive in order)
    List<ReplicaReport> ordered = new ArrayList<>();
    for (long w = 1; w <= faultyVersion + 1; w++) {
      final long version = w;
      List<ReplicaReport> slice =
          new ArrayList<>(reports.stream().filter(r -> r.version() == version).toList());
      Collections.shuffle(slice, random);
      if (fault == AlertType.EQUIVOCATION && version == v) {
        // both claims of the equivocator must be seen before the version completes
        slice.removeIf(r -> r.nodeId().equals(bad));
        slice.add(0, original);
        slice.add(
            1 + random.nextInt(slice.size()),
            report(bad, v, state(v - 1), hash("second"), "op" + v));
      }
      ordered.addAll(slice);
    }
    List<Finding> found = run(ordered, members);
    assertThat(found).hasSize(1);
    Finding f = found.get(0);
    assertThat(f.type()).isEqualTo(fault);
    assertThat(f.group()).isEqualTo(GROUP);
    assertThat(f.nodes()).containsExactly(bad);
    if (fault == AlertType.REPLICA_LAG) {
      assertThat(f.entityKey()).isNull();
    } else {
      assertThat(f.entityKey()).isEqualTo(ENTITY);
      assertThat(f.version()).isEqualTo(v);
    }
  }
}
