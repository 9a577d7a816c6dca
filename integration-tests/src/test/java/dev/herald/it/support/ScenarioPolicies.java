package dev.herald.it.support;

import dev.herald.auditor.policy.AuditPolicy;
import dev.herald.auditor.policy.GroupPolicy;
import dev.herald.producer.simulator.Scenario;
import java.util.Map;

/**
 * The auditor policy a simulator scenario's ground truth assumes (grace, silence threshold, rate
 * budget), with room for many versions in flight, for tests that score the auditor against it. The
 * demo's own choice is {@code DemoScenario.policyFor}.
 */
public final class ScenarioPolicies {
  private ScenarioPolicies() {}

  /** The policy {@code scenario}'s ground truth assumes; quorum is a majority of the members. */
  public static AuditPolicy assumedBy(Scenario scenario) {
    return new AuditPolicy(
        new GroupPolicy(
            0,
            scenario.grace(),
            scenario.silenceThreshold(),
            scenario.rateBudget(),
            scenario.burst(),
            10_000,
            true,
            Map.of()),
        Map.of(),
        1 << 20);
  }
}
