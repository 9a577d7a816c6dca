package dev.herald.bench.setup;

import dev.herald.producer.simulator.FaultType;
import dev.herald.producer.simulator.Scenario;
import dev.herald.producer.simulator.Simulator;
import dev.herald.schema.truth.ExpectedAlert;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fills {@code herald.state-changes.v1} with simulator traffic: honest replicas and about {@code
 * faultRate} per-version faults (one entity version each, so ground truth is exact), at the
 * reporter's default batching or with batches of one report (linger 0, the per-event signature
 * worst case).
 *
 * <pre>{@code
 * Preload.Result r = Preload.run(env, Preload.Plan.of(200_000, false), truthFile);
 * }</pre>
 */
public final class Preload {
  private static final Logger LOG = LoggerFactory.getLogger(Preload.class);

  /** Per-version faults: decidable from the reports alone, whatever the processing speed. */
  static final List<FaultType> VERSION_FAULTS =
      List.of(
          FaultType.DIVERGENCE,
          FaultType.PARTITION,
          FaultType.EQUIVOCATION,
          FaultType.FORK,
          FaultType.DOUBLE_SPEND,
          FaultType.DUPLICATE_APPLY,
          FaultType.FORGERY,
          FaultType.UNREGISTERED,
          FaultType.NON_MEMBER,
          FaultType.BENIGN_DUPLICATE,
          FaultType.MALFORMED);

  private static final int GROUPS = 3;

  private Preload() {}

  /**
   * What to preload.
   *
   * @param events simulator operations (each yields one report per replica)
   * @param batchOfOne linger 0: every report is its own signed batch
   * @param faultRate faults per operation (0.01 = 1 %)
   * @param rate the simulator's pacing target, operations per second
   * @param seed scenario seed
   * @param accountsPerGroup live accounts per group; 0: about one per fault of the group, so the
   *     working set grows with {@code events} (a faulted account leaves the honest traffic and a
   *     new one takes its place, so any positive number keeps every fault on an account of its own)
   */
  public record Plan(
      long events,
      boolean batchOfOne,
      double faultRate,
      double rate,
      long seed,
      int accountsPerGroup) {
    public static Plan of(long events, boolean batchOfOne) {
      return of(events, batchOfOne, 0);
    }

    public static Plan of(long events, boolean batchOfOne, int accountsPerGroup) {
      return new Plan(events, batchOfOne, 0.01, 1_000_000, 42, accountsPerGroup);
    }

    /** The scenario: 3 groups of 5 replicas, {@link #accounts()} accounts each. */
    public Scenario scenario() {
      Scenario.Builder b =
          Scenario.builder()
              .seed(seed)
              .groups(GROUPS)
              .replicas(5)
              .entities(accounts())
              .rate(rate)
              // faults need no spacing: each has an entity version of its own
              .spacing(Duration.ZERO)
              // nothing in a preload is a flood: every node may send the whole run at once
              .rateBudget(1e9)
              .burst(1e9);
      List<Scenario.FaultSpec> specs = new ArrayList<>();
      for (FaultType t : VERSION_FAULTS) {
        specs.add(Scenario.FaultSpec.count(t, faultsPerType()));
      }
      return b.faults(specs).build();
    }

    /** Live accounts per group: as given, or about one per fault of the group. */
    public int accounts() {
      if (accountsPerGroup > 0) {
        return accountsPerGroup;
      }
      return (int) Math.max(100, 3L * faultsPerType() * VERSION_FAULTS.size() / GROUPS + 50);
    }

    /** Faults of each version-fault type: {@code faultRate} of the operations, spread evenly. */
    private int faultsPerType() {
      long faults = Math.max(VERSION_FAULTS.size(), Math.round(events * faultRate));
      return (int) Math.ceil((double) faults / VERSION_FAULTS.size());
    }
  }

  /**
   * What was written.
   *
   * @param summary the simulator's summary
   * @param truth the injected faults
   * @param scenario the scenario that ran
   */
  public record Result(Simulator.Summary summary, List<ExpectedAlert> truth, Scenario scenario) {}

  /** Runs the plan against {@code env}, writing the ground truth to {@code truthFile}. */
  public static Result run(BenchEnvironment env, Plan plan, Path truthFile) {
    Scenario scenario = plan.scenario();
    try (Simulator sim =
        Simulator.builder()
            .bootstrapServers(env.bootstrapServers())
            .schemaRegistry(env.registry())
            .scenario(scenario)
            .truthFile(truthFile)
            .linger(plan.batchOfOne() ? Duration.ZERO : Duration.ofMillis(10))
            .build()) {
      sim.registerNodes();
      Simulator.Summary summary = sim.runEvents(plan.events());
      LOG.info(
          "preload done events={} reports={} faults={} batchOfOne={} elapsedMs={}",
          summary.events(),
          summary.reportsSent(),
          summary.faults(),
          plan.batchOfOne(),
          summary.elapsed().toMillis());
      return new Result(summary, sim.groundTruth(), scenario);
    }
  }
}
