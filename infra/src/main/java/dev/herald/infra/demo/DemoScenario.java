package dev.herald.infra.demo;

import dev.herald.auditor.policy.AuditPolicy;
import dev.herald.auditor.policy.GroupPolicy;
import dev.herald.producer.simulator.Scenario;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** The demo's bundled scenario, and the auditor policy that matches a scenario's assumptions. */
public final class DemoScenario {
  private DemoScenario() {}

  /** Every kind of fault once per round (resource {@code demo-scenario.yaml}). */
  public static Scenario mixedFaults() {
    try (InputStream in = DemoScenario.class.getResourceAsStream("demo-scenario.yaml")) {
      if (in == null) {
        throw new IllegalStateException("demo-scenario.yaml is missing from the herald jar");
      }
      return Scenario.fromYaml(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
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
