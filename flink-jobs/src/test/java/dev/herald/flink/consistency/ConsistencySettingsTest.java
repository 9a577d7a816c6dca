package dev.herald.flink.consistency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.flink.FlinkJobConfig;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The consistency job's options: defaults, parsing, and refusals that name the key. */
class ConsistencySettingsTest {
  private static final Map<String, String> BASE =
      Map.of("bootstrap-server", "localhost:9092", "registry", "preloaded:");

  private static FlinkJobConfig config(Map<String, String> extra) {
    var args = new java.util.HashMap<>(BASE);
    args.putAll(extra);
    return FlinkJobConfig.fromArgs(args);
  }

  @Test
  void defaultsAreFiveSecondsThreeNinesAndTheWorkbooksPageAlert() {
    ConsistencyJob.Settings s = ConsistencyJob.settings(config(Map.of()));

    assertThat(s.within()).isEqualTo(Duration.ofSeconds(5));
    assertThat(s.target()).isEqualTo(0.999);
    assertThat(s.window()).isEqualTo(Duration.ofMinutes(1));
    assertThat(s.fast()).isEqualTo(Duration.ofMinutes(5));
    assertThat(s.slow()).isEqualTo(Duration.ofHours(1));
    assertThat(s.threshold()).isEqualTo(14.4);
  }

  @Test
  void optionsAreParsed() {
    ConsistencyJob.Settings s =
        ConsistencyJob.settings(
            config(
                Map.of(
                    "consistency-within", "500ms",
                    "consistency-target", "0.9999",
                    "consistency-window", "10s",
                    "burn-fast", "30s",
                    "burn-slow", "5m",
                    "burn-threshold", "6")));

    assertThat(s.within()).isEqualTo(Duration.ofMillis(500));
    assertThat(s.target()).isEqualTo(0.9999);
    assertThat(s.fast()).isEqualTo(Duration.ofSeconds(30));
    assertThat(s.slow()).isEqualTo(Duration.ofMinutes(5));
    assertThat(s.threshold()).isEqualTo(6.0);
  }

  @Test
  void badValuesAreRefusedNamingTheKey() {
    assertThatThrownBy(() -> config(Map.of("consistency-target", "1")))
        .hasMessageContaining("consistency-target must be in (0, 1)");
    assertThatThrownBy(() -> config(Map.of("burn-fast", "90s")))
        .hasMessageContaining("multiples of consistency-window (1m)");
    assertThatThrownBy(() -> config(Map.of("burn-fast", "2h")))
        .hasMessageContaining("burn-fast at most burn-slow");
    assertThatThrownBy(() -> config(Map.of("burn-threshold", "0")))
        .hasMessageContaining("burn-threshold must be a positive number");
    assertThatThrownBy(() -> config(Map.of("consistency-within", "soon")))
        .hasMessageContaining("consistency-within 'soon' is not a duration");
  }
}
