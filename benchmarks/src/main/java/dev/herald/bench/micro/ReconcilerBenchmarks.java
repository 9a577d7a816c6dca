package dev.herald.bench.micro;

import dev.herald.auditor.detect.EntityState;
import dev.herald.auditor.detect.EvidenceRef;
import dev.herald.auditor.detect.Reconciler;
import dev.herald.auditor.detect.ReplicaReport;
import dev.herald.auditor.policy.GroupPolicy;
import dev.herald.schema.Topics;
import dev.herald.schema.canonical.Hashing;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The auditor's per-entity logic alone: {@link Reconciler#onReport} for every member's honest
 * report of a new entity version (the version closes on the last one and passes every detector),
 * without Kafka, stores or admission — the part of the auditor's stream thread that no Kafka
 * Streams setting changes. Each invocation is one version of a random entity, its {@value
 * #REPLICAS} reports built as the auditor builds them from a batch (hashes hex-encoded from bytes,
 * fresh strings), in a shuffled node order; scores are per report.
 *
 * <p>The entities start with a full closed window ({@link EntityState#CLOSED_WINDOW} versions), as
 * in the steady state of the end-to-end benchmark; {@code entities} is their number (6,156: the
 * three groups of the 200,000-operation run's preload, 2,052 accounts each), so the working set is
 * far beyond the CPU caches, as the auditor's is. Deterministic for the seed.
 *
 * <p>Besides JMH's wall-clock score, each fork prints the benchmark thread's CPU time per report
 * ({@link CpuTimePerOp}, lines {@code cpu-ns/op ...}), the figure to compare on a shared machine.
 *
 * <pre>{@code
 * java -cp 'benchmarks/target/herald-benchmarks.jar:benchmarks/target/lib/*' \
 *     org.openjdk.jmh.Main ReconcilerBenchmarks
 * }</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 3,
    jvmArgsAppend = {"-Xmx2g", "-XX:+UseParallelGC"})
public class ReconcilerBenchmarks {
  static final int REPLICAS = 5;
  private static final String GROUP = "g1";
  private static final int HASHES = 4096;

  /** The entities, their agreed state, and what the next version's reports are made of. */
  @State(Scope.Thread)
  public static class Entities {
    @Param({"6156"})
    public int entities;

    EntityState[] states;
    String[] keys;
    byte[][] current;
    byte[][] hashes;
    byte[][] digests;
    String[] eventIds;
    List<String> nodes;
    Set<String> members;
    GroupPolicy policy;
    EvidenceRef evidence;
    Random random;
    long opSeq;
    long now;
    int pick;

    @Setup
    public void setUp() {
      random = new Random(18);
      List<String> ids = new ArrayList<>();
      for (int n = 1; n <= REPLICAS; n++) {
        ids.add(GROUP + "-node-" + n);
      }
      nodes = ids;
      members = new LinkedHashSet<>(ids);
      policy = GroupPolicy.DEFAULTS;
      evidence =
          new EvidenceRef(
              Topics.STATE_CHANGES,
              3,
              123_456,
              ids.get(0),
              "0123456789abcdef",
              1_796_000_000_000_001L,
              null,
              true,
              Hashing.hex(Hashing.sha256(new byte[] {1})));
      hashes = new byte[HASHES][];
      digests = new byte[HASHES][];
      eventIds = new String[HASHES];
      for (int i = 0; i < HASHES; i++) {
        hashes[i] = new byte[32];
        random.nextBytes(hashes[i]);
        digests[i] = new byte[32];
        random.nextBytes(digests[i]);
        eventIds[i] = new UUID(random.nextLong(), random.nextLong()).toString();
      }
      now = 1_796_000_000_000L;
      states = new EntityState[entities];
      keys = new String[entities];
      current = new byte[entities][];
      for (int e = 0; e < entities; e++) {
        keys[e] = String.format("acct-%04d", e + 1);
        states[e] = new EntityState(GROUP, keys[e]);
        current[e] = new byte[0];
        // a full closed window, and one more so the oldest has left it
        for (int v = 0; v <= EntityState.CLOSED_WINDOW; v++) {
          if (nextVersion(e) != 0) {
            throw new IllegalStateException("an honest version raised a finding: " + keys[e]);
          }
        }
      }
    }

    /** Votes the next version of entity {@code e} with every member's report; its findings. */
    int nextVersion(int e) {
      EntityState state = states[e];
      long version = state.highestClosed() + 1;
      byte[] prev = current[e];
      byte[] next = hashes[pick++ & (HASHES - 1)];
      byte[] digest = digests[pick & (HASHES - 1)];
      String opId = GROUP + "-op-" + (++opSeq);
      now += 1;
      List<String> order = new ArrayList<>(nodes);
      Collections.shuffle(order, random);
      int findings = 0;
      for (String node : order) {
        // as ReportBatchProcessor.toReport builds it from a decoded batch: fresh strings
        ReplicaReport r =
            new ReplicaReport(
                eventIds[(pick + node.length()) & (HASHES - 1)],
                GROUP,
                new String(keys[e]),
                version,
                node,
                prev.length == 0 ? "" : Hashing.hex(prev),
                Hashing.hex(next),
                new String(opId),
                Hashing.hex(digest),
                now,
                evidence);
        findings += Reconciler.onReport(state, r, members, policy, now).findings().size();
      }
      current[e] = next;
      return findings;
    }
  }

  @Benchmark
  @OperationsPerInvocation(REPLICAS)
  public int honestVersion(Entities s, CpuTimePerOp cpu) {
    cpu.ops += REPLICAS;
    return s.nextVersion(s.random.nextInt(s.entities));
  }
}
