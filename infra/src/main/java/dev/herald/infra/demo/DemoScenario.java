package dev.herald.infra.demo;

import dev.herald.producer.simulator.Scenario;

/**
 * The demo's bundled scenario; the auditor policy that matches a scenario's assumptions is {@link
 * ScenarioPolicy#assumedBy}.
 */
public final class DemoScenario {
  private DemoScenario() {}

  /** Every kind of fault in every 100-second round ({@link Scenario#demo()}). */
  public static Scenario mixedFaults() {
    return Scenario.demo();
  }
}
