package dev.herald.auditor.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The {@code state} keys of the policy: defaults, values, and errors that name the key. */
class StatePolicyLoaderTest {
  @Test
  void anEmptyPolicyHasTheDefaultBounds() {
    assertThat(PolicyLoader.parse("").state()).isEqualTo(StatePolicy.DEFAULT);
    assertThat(StatePolicy.DEFAULT.entityTtl()).isEqualTo(Duration.ofHours(24));
  }

  @Test
  void stateKeysAreRead() {
    StatePolicy s =
        PolicyLoader.parse(
                "state:\n  entityTtl: 10s\n  residueTtl: 1h\n  maxOpenEntitiesPerNode: 7\n")
            .state();
    assertThat(s).isEqualTo(new StatePolicy(Duration.ofSeconds(10), Duration.ofHours(1), 7));
  }

  @Test
  void aTtlLongerThanTheDefaultResidueTtlCarriesTheResidueTtlWithIt() {
    StatePolicy s = PolicyLoader.parse("state:\n  entityTtl: 1000h\n").state();
    assertThat(s.residueTtl()).isEqualTo(Duration.ofHours(1000));
  }

  @Test
  void wrongValuesNameTheKey() {
    assertThatThrownBy(() -> PolicyLoader.parse("state:\n  entityTtl: 0s\n"))
        .isInstanceOf(PolicyException.class)
        .hasMessageContaining("state.entityTtl");
    assertThatThrownBy(() -> PolicyLoader.parse("state:\n  entityTtl: 2h\n  residueTtl: 1h\n"))
        .isInstanceOf(PolicyException.class)
        .hasMessageContaining("state.residueTtl");
    assertThatThrownBy(() -> PolicyLoader.parse("state:\n  maxOpenEntitiesPerNode: 0\n"))
        .isInstanceOf(PolicyException.class)
        .hasMessageContaining("state.maxOpenEntitiesPerNode");
    assertThatThrownBy(() -> PolicyLoader.parse("state:\n  entityTTL: 1h\n"))
        .isInstanceOf(PolicyException.class)
        .hasMessageContaining("state.entityTTL");
  }
}
