package dev.herald.it.support;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.infra.cli.HeraldCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/**
 * One run of the {@code herald} CLI in this JVM, as the integration tests drive it: its exit code
 * and what it wrote to standard out and standard error.
 *
 * <pre>{@code
 * HeraldRun run = HeraldRun.of("nodes", "list", "--bootstrap-server", bootstrap);
 * assertThat(run.code()).as(run.err()).isZero();
 * HeraldRun.succeeds("alerts", "ack", id, "--reason", "drill", "--by", "alice", ...);
 * }</pre>
 */
public record HeraldRun(int code, String out, String err) {

  /** Runs {@code herald args...}. */
  public static HeraldRun of(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = HeraldCli.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute(args);
    return new HeraldRun(code, out.toString(), err.toString());
  }

  /**
   * Runs {@code herald args... --bootstrap-server bootstrap --schema-registry-url registryUrl}: a
   * command against one broker and its schema registry.
   */
  public static HeraldRun against(String bootstrap, String registryUrl, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--bootstrap-server", bootstrap, "--schema-registry-url", registryUrl));
    return of(all.toArray(String[]::new));
  }

  /**
   * Runs {@code herald args...} and asserts it exits 0 (the message: the command and its output).
   */
  public static HeraldRun succeeds(String... args) {
    HeraldRun run = of(args);
    assertThat(run.code()).as(String.join(" ", args) + "\n" + run.out() + run.err()).isZero();
    return run;
  }
}
