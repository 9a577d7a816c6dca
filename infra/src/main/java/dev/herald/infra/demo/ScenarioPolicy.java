package dev.herald.infra.demo;

import dev.herald.auditor.policy.AuditPolicy;
import dev.herald.auditor.policy.GroupPolicy;
import dev.herald.producer.simulator.Scenario;
import java.util.Map;

/**
 * The auditor policy a simulator scenario's ground truth assumes: its report grace, silence
 * threshold and rate budget, a quorum of a majority of the registered members and signatures
 * required. The demo, the integration tests and the benchmarks all score the auditor against a
 * scenario through this one function; what differs between them is only how many versions of an
 * entity may be open at once, which they choose by how fast they drive the auditor:
 *
 * <ul>
 *   <li>{@link #DEMO_IN_FLIGHT} (the policy default, 1,000): the demo's paced run;
 *   <li>{@link #TESTS_IN_FLIGHT} (10,000): integration tests on a loaded machine;
 *   <li>{@link #BENCH_IN_FLIGHT} (1,000,000): the benchmarks, which replay a whole preloaded topic
 *       at once and must never hit the bound.
 * </ul>
 *
 * <pre>{@code
 * AuditPolicy policy = ScenarioPolicy.assumedBy(scenario, ScenarioPolicy.TESTS_IN_FLIGHT);
 * }</pre>
 */
public final class ScenarioPolicy {
  /** The policy default: enough for the demo's paced run. */
  public static final int DEMO_IN_FLIGHT = GroupPolicy.DEFAULTS.maxInFlightVersions();

  /** Room for a loaded test machine whose auditor falls behind the simulator. */
  public static final int TESTS_IN_FLIGHT = 10_000;

  /** Room for a benchmark that reprocesses a whole preloaded topic. */
  public static final int BENCH_IN_FLIGHT = 1_000_000;

  private ScenarioPolicy() {}

  /**
   * The policy {@code scenario}'s ground truth assumes, with at most {@code maxInFlightVersions}
   * open versions per entity and the default record size limit.
   */
  public static AuditPolicy assumedBy(Scenario scenario, int maxInFlightVersions) {
    return assumedBy(scenario, maxInFlightVersions, AuditPolicy.DEFAULT.maxRecordBytes());
  }

  /** Likewise, with records up to {@code maxRecordBytes} accepted. */
  public static AuditPolicy assumedBy(
      Scenario scenario, int maxInFlightVersions, int maxRecordBytes) {
    GroupPolicy group =
        new GroupPolicy(
            0, // a majority of the registered members, as the ground truth assumes
            scenario.grace(),
            scenario.silenceThreshold(),
            scenario.rateBudget(),
            scenario.burst(),
            maxInFlightVersions,
            GroupPolicy.DEFAULTS.requireSignatures(),
            Map.of());
    return new AuditPolicy(group, Map.of(), maxRecordBytes);
  }
}
