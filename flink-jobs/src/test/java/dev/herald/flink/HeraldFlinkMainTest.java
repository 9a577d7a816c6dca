package dev.herald.flink;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * Usage errors of the job jar's entry point are exceptions, never an exit: on a session cluster
 * {@code main} runs inside the JobManager (see also the Flink cluster integration test).
 */
class HeraldFlinkMainTest {

  @Test
  void aMissingJobNameIsAnExceptionNamingTheUsage() {
    assertThatThrownBy(() -> HeraldFlinkMain.main(new String[] {"--bootstrap-server", "k:9092"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("the first argument must name the job")
        .hasMessageContaining("availability|risk|consistency|all");
  }

  @Test
  void anUnknownJobIsAnExceptionNamingIt() {
    assertThatThrownBy(() -> HeraldFlinkMain.main(new String[] {"availabilty"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown job 'availabilty'");
  }

  @Test
  void anOptionWithoutValueOrAnUnknownOptionIsAnException() {
    assertThatThrownBy(() -> HeraldFlinkMain.main(new String[] {"all", "--window"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("without a value");
    assertThatThrownBy(
            () ->
                HeraldFlinkMain.main(
                    new String[] {
                      "all",
                      "--bootstrap-server",
                      "k:9092",
                      "--registry",
                      "preloaded:",
                      "--colour",
                      "red"
                    }))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown option --colour");
  }
}
