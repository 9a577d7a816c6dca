package dev.herald.infra.demo;

import dev.herald.auditor.policy.AuditPolicy;
import dev.herald.auditor.policy.GroupPolicy;
import dev.herald.producer.simulator.Scenario;
import java.util.Map;

/** The demo's bundled scenario, and the auditor policy that matches a scenario's assumptions. */
public final class DemoScenario {
  private DemoScenario() {}

  /** Every kind of fault in every 100-second round ({@link Scenario#demo()}). */
  public static Scenario mixedFaults() {
    return Scenario.demo();
  }

  /**
   * The auditor policy a scenario's ground truth assumes (grace, silence threshold, rate budget),
   * so that the demo's alerts match what the simulator injected.
   */
  public static AuditPolicy policyFor(Scenario scenario) {
    GroupPolicy d = GroupPolicy.DEFAULTS;
    GroupPolicy group =
        new GroupPolicy(
            0, // a majority of the registered members, as the ground truth assumes
            scenario.grace(),
            scenario.silenceThreshold(),
            scenario.rateBudget(),
            scenario.burst(),
            d.maxInFlightVersions(),
            d.requireSignatures(),
            Map.of());
    return new AuditPolicy(group, Map.of(), AuditPolicy.DEFAULT.maxRecordBytes());
  }
}
