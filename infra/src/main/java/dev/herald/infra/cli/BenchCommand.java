package dev.herald.infra.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * {@code herald bench}: runs the end-to-end benchmark harness of the {@code benchmarks} module
 * ({@code benchmarks/bench.sh}, which builds it when needed and runs {@code
 * dev.herald.bench.BenchHarness}). The CLI cannot depend on the benchmarks module — it depends on
 * the CLI — so the harness runs as a child process with the console passed through.
 *
 * <pre>{@code
 * herald bench --events 200000 --batch default
 * herald bench --batch none --micro
 * }</pre>
 */
@Command(
    name = "bench",
    description = {
      "Measures Herald end to end on an in-process broker (docs/benchmarks.md).",
      "Every option is passed to the harness; 'herald bench --help' lists them."
    })
final class BenchCommand implements Callable<Integer> {
  /** Everything after {@code bench}, options included, for the harness to parse. */
  @Unmatched List<String> args = new ArrayList<>();

  @Override
  public Integer call() throws IOException, InterruptedException {
    Path script = locate();
    List<String> command = new ArrayList<>();
    command.add(script.toString());
    command.addAll(args);
    Process p = new ProcessBuilder(command).inheritIO().start();
    return p.waitFor();
  }

  private static Path locate() {
    List<Path> candidates = new ArrayList<>();
    String home = System.getProperty("herald.home", System.getenv("HERALD_HOME"));
    if (home != null) {
      candidates.add(Path.of(home, "benchmarks", "bench.sh"));
    }
    candidates.add(Path.of("benchmarks", "bench.sh"));
    for (Path c : candidates) {
      if (Files.isExecutable(c)) {
        return c.toAbsolutePath();
      }
    }
    throw new CliException(
        "cannot find benchmarks/bench.sh",
        "run herald bench from the Herald source tree, or set HERALD_HOME to it");
  }
}
