package dev.herald.infra.cli;

import dev.herald.producer.simulator.Scenario;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.StringJoiner;
import picocli.CommandLine.Option;

/**
 * The scenario flag shared by {@code herald demo} and {@code herald simulate} ({@code @Mixin}):
 * {@code --scenario FILE}, its loading, and one error for a file that is missing, unreadable or not
 * a valid scenario (exit code 2, a usage error, in both commands).
 *
 * <p>The other scenario-shaping flags differ between the commands ({@code simulate --duration} is
 * the scenario's run length, {@code demo --duration} stops the whole demo; {@code --no-faults} is
 * the demo's, {@code --faults}/{@code --seed} the simulator's), so they stay with their command.
 */
public final class ScenarioOptions {
  /** What to do about any problem with the file. */
  static final String HINT =
      "pass the path of a readable scenario YAML file (format: docs/simulator.md,"
          + " example: examples/scenario-all-faults.yaml)";

  @Option(
      names = "--scenario",
      paramLabel = "FILE",
      description =
          "Scenario YAML (format: docs/simulator.md). Without it, demo runs its bundled"
              + " mixed-fault scenario and simulate the built-in defaults; the other flags"
              + " override the file.")
  Path file;

  /** The file given with {@code --scenario}, or null. */
  public Path file() {
    return file;
  }

  /**
   * The scenario of {@code --scenario}, or empty when the flag is not given.
   *
   * @throws CliException (exit code 2) naming the file, what is wrong with it and what to do
   */
  public Optional<Scenario> load() {
    return file == null ? Optional.empty() : Optional.of(read(file));
  }

  /** Reads a scenario file; any problem is a {@link CliException} with exit code 2. */
  static Scenario read(Path file) {
    if (Files.isDirectory(file)) {
      throw error(file, "is a directory, not a file", null);
    }
    try {
      return Scenario.fromFile(file);
    } catch (NoSuchFileException e) {
      throw error(file, "no such file", e);
    } catch (AccessDeniedException e) {
      throw error(file, "not readable (permission denied)", e);
    } catch (CharacterCodingException e) {
      throw error(file, "not a UTF-8 text file", e);
    } catch (IOException e) {
      throw error(
          file,
          "cannot read it: "
              + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()),
          e);
    } catch (IllegalArgumentException e) {
      throw error(
          file, "not a valid scenario: " + oneLine(withoutFileName(file, e.getMessage())), e);
    }
  }

  private static CliException error(Path file, String problem, Throwable cause) {
    return new CliException(
        "--scenario " + file + ": " + problem, HINT, HeraldCli.EXIT_USAGE, cause);
  }

  /**
   * The YAML parser's message on one line: its text lines joined, without the quoted excerpt of the
   * file and the position lines under it (indented), which the line number already gives.
   */
  static String oneLine(String message) {
    StringJoiner line = new StringJoiner("; ");
    for (String l : message.split("\\R")) {
      if (!l.isBlank() && !Character.isWhitespace(l.charAt(0))) {
        line.add(l.strip());
      }
    }
    return line.toString();
  }

  /** The parser's own prefix, which "not a valid scenario" already says. */
  private static final String INVALID = "invalid scenario: ";

  /**
   * The parser prefixes its messages with the file name and "invalid scenario", which the CLI
   * message already has.
   */
  private static String withoutFileName(Path file, String message) {
    if (message == null) {
      return "(no detail)";
    }
    String prefix = file + ": ";
    String rest = message.startsWith(prefix) ? message.substring(prefix.length()) : message;
    return rest.startsWith(INVALID) ? rest.substring(INVALID.length()) : rest;
  }
}
