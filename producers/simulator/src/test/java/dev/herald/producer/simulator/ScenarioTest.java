package dev.herald.producer.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ScenarioTest {
  @Test
  void readsEveryKey() {
    Scenario s =
        Scenario.fromYaml(
            """
            seed: 9
            groups: 2
            replicas: 7
            entities: 10
            rate: 50
            events: 1000
            spacing: 4s
            policy: {grace: 500ms, silenceThreshold: 3s, rateBudget: 200, burst: 300}
            windows: {lag: 2s, silent: 7s, flood: 1s, floodFactor: 5}
            faults:
              - type: divergence
                count: 3
              - type: lag
                every: 20s
              - {type: malformed, rate: 0.01}
              - fork
            """);
    assertThat(s.seed()).isEqualTo(9);
    assertThat(s.replicas()).isEqualTo(7);
    assertThat(s.quorum()).isEqualTo(4);
    assertThat(s.events()).isEqualTo(1000);
    assertThat(s.grace()).isEqualTo(Duration.ofMillis(500));
    assertThat(s.silentWindow()).isEqualTo(Duration.ofSeconds(7));
    assertThat(s.faults())
        .containsExactly(
            new Scenario.FaultSpec(FaultType.DIVERGENCE, 3, null, null),
            new Scenario.FaultSpec(FaultType.LAG, null, Duration.ofSeconds(20), null),
            new Scenario.FaultSpec(FaultType.MALFORMED, null, null, 0.01),
            new Scenario.FaultSpec(FaultType.FORK, 1, null, null));
  }

  @Test
  void exampleWithEveryFaultParses() throws Exception {
    Scenario s = Scenario.fromFile(Path.of("../../examples/scenario-all-faults.yaml"));
    assertThat(s.faults().stream().map(Scenario.FaultSpec::type))
        .containsExactlyInAnyOrder(FaultType.values());
  }

  @Test
  void errorsNameTheKeyAndTheAllowedValues() {
    assertThatThrownBy(() -> Scenario.fromYaml("faults: [{type: meteor}]"))
        .hasMessageContaining("faults[0].type")
        .hasMessageContaining("divergence");
    assertThatThrownBy(() -> Scenario.fromYaml("replica: 5"))
        .hasMessageContaining("replica: unknown key");
    assertThatThrownBy(() -> Scenario.fromYaml("replicas: 2")).hasMessageContaining("'replicas'");
    assertThatThrownBy(() -> Scenario.fromYaml("policy: {grace: soon}"))
        .hasMessageContaining("policy.grace");
  }
}
