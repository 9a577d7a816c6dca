package dev.herald.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.producer.simulator.Scenario;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * {@code --scenario} of {@code herald demo} and {@code herald simulate} (the {@link
 * ScenarioOptions} mixin): one help text, one error for a file that is missing, unreadable or
 * invalid (exit code 2, a hint, no stack trace), checked before any broker is contacted.
 */
class ScenarioOptionsTest {

  private record Run(int exit, String out, String err) {}

  private static Run run(String... args) {
    CommandLine cli = HeraldCli.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int exit = cli.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  /** The command line of a command with a scenario file, before anything is started. */
  private static Run runWithScenario(String command, Path file) {
    return command.equals("demo")
        ? run("demo", "--scenario", file.toString(), "--duration", "5s")
        : run("simulate", "--bootstrap-server", "localhost:1", "--scenario", file.toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"simulate", "demo"})
  void aMissingFileIsAUsageErrorSayingSo(String command, @TempDir Path dir) {
    Path missing = dir.resolve("nonexistent.yaml");

    Run r = runWithScenario(command, missing);

    assertOneUsageError(r, command, "--scenario " + missing + ": no such file");
    assertThat(r.err()).endsWith(": no such file\nhint: " + ScenarioOptions.HINT + "\n");
  }

  @ParameterizedTest
  @ValueSource(strings = {"simulate", "demo"})
  void anInvalidFileIsAUsageErrorNamingWhatIsWrong(String command, @TempDir Path dir)
      throws Exception {
    Path malformed = Files.writeString(dir.resolve("bad.yaml"), "groups: 2\nfaults: [divergence\n");
    Path typo = Files.writeString(dir.resolve("typo.yaml"), "grops: 2\n");

    Run notYaml = runWithScenario(command, malformed);
    Run unknownKey = runWithScenario(command, typo);

    String invalid = ": not a valid scenario: ";
    assertOneUsageError(notYaml, command, "--scenario " + malformed + invalid + "line 2, column ");
    assertThat(notYaml.err()).contains("not valid YAML").doesNotContain("invalid scenario");
    assertThat(notYaml.err().split(malformed.toString(), -1)).as("named once").hasSize(2);
    assertOneUsageError(unknownKey, command, "--scenario " + typo + invalid);
    assertThat(unknownKey.err()).contains("grops: unknown key; allowed: ");
  }

  @Test
  void aDirectoryOrABinaryFileIsAUsageErrorSayingWhy(@TempDir Path dir) throws Exception {
    Path binary = Files.write(dir.resolve("scenario.bin"), new byte[] {(byte) 0xff, (byte) 0xfe});

    Run asDir = runWithScenario("simulate", dir);
    Run asBinary = runWithScenario("simulate", binary);

    assertOneUsageError(asDir, "simulate", "--scenario " + dir + ": is a directory, not a file");
    assertOneUsageError(asBinary, "simulate", "--scenario " + binary + ": not a UTF-8 text file");
  }

  /** Exit code 2 and two lines: the error, starting with {@code message}, and the hint. */
  private static void assertOneUsageError(Run r, String command, String message) {
    assertThat(r.exit()).as(r.err()).isEqualTo(HeraldCli.EXIT_USAGE);
    assertThat(r.err().lines()).as(r.err()).hasSize(2);
    assertThat(r.err().lines().toList().get(0)).startsWith("herald " + command + ": " + message);
    assertThat(r.err().lines().toList().get(1)).isEqualTo("hint: " + ScenarioOptions.HINT);
  }

  @Test
  void simulateFlagsOverrideTheFile(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("s.yaml"), "groups: 2\nseed: 9\nfaults: [fork]\n");
    SimulateCommand simulate = new SimulateCommand();
    new CommandLine(simulate).parseArgs("--scenario", file.toString(), "--seed", "7");

    Scenario s = simulate.scenario();

    assertThat(s.groups()).isEqualTo(2);
    assertThat(s.seed()).isEqualTo(7);
    assertThat(s.faults()).hasSize(1);
  }

  @Test
  void simulateWithoutAFileUsesTheBuiltInDefaults() {
    SimulateCommand simulate = new SimulateCommand();
    new CommandLine(simulate).parseArgs("--replicas", "3");

    Scenario s = simulate.scenario();

    assertThat(s.replicas()).isEqualTo(3);
    assertThat(s.groups()).isEqualTo(Scenario.builder().build().groups());
    assertThat(s.faults()).isEmpty();
  }

  @Test
  void aBadSimulateFlagValueIsAUsageErrorToo() {
    Run r = run("simulate", "--bootstrap-server", "localhost:1", "--replicas", "2");

    assertThat(r.exit()).isEqualTo(HeraldCli.EXIT_USAGE);
    assertThat(r.err()).contains("replicas").contains("hint:").doesNotContain("\tat ");
  }

  @Test
  void demoAndSimulateShowTheSameScenarioHelp() {
    String simulate = run("simulate", "--help").out();
    String demo = run("demo", "--help").out();

    String line = "--scenario=FILE";
    assertThat(helpOf(simulate, line))
        .contains("Without it, demo runs its bundled mixed-fault scenario and simulate the");
    assertThat(helpOf(demo, line)).isEqualTo(helpOf(simulate, line));
  }

  /**
   * The help of one option: its line and the indented continuation lines after it, with runs of
   * white space as one space (each command wraps at its own column).
   */
  private static String helpOf(String usage, String option) {
    StringBuilder b = new StringBuilder();
    boolean in = false;
    for (String l : usage.split("\n")) {
      if (l.trim().startsWith(option)) {
        in = true;
      } else if (in && l.trim().startsWith("-")) {
        break;
      }
      if (in) {
        b.append(l.trim()).append('\n');
      }
    }
    return b.toString().replaceAll("\\s+", " ").trim();
  }
}
