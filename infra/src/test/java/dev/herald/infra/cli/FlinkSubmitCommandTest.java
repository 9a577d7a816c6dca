package dev.herald.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * What {@code herald flink submit} says before and without a cluster: bad options and a missing jar
 * are usage errors, an unreachable JobManager a failure with a hint, and Flink's error replies are
 * reduced to the job's own message. The submission itself runs against a real session cluster in
 * FlinkSessionClusterIT.
 */
class FlinkSubmitCommandTest {

  private record Run(int exit, String err) {}

  private static Run run(String... args) {
    CommandLine cli = HeraldCli.commandLine();
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err));
    cli.setOut(new PrintWriter(new StringWriter()));
    int exit = cli.execute(args);
    return new Run(exit, err.toString());
  }

  @Test
  void aBadOptionIsAUsageErrorNamingIt(@TempDir Path dir) throws Exception {
    Path jar = Files.createFile(dir.resolve("herald-flink-jobs.jar"));
    Run r =
        run(
            "flink",
            "submit",
            "--jobmanager",
            "http://localhost:1",
            "--jar",
            jar.toString(),
            "--window",
            "1x");
    assertThat(r.exit()).isEqualTo(HeraldCli.EXIT_USAGE);
    assertThat(r.err()).contains("--window '1x' is not a duration").doesNotContain("\tat ");
  }

  @Test
  void aMissingJarIsAUsageErrorSayingHowToBuildIt(@TempDir Path dir) {
    Run r =
        run(
            "flink",
            "submit",
            "--jobmanager",
            "http://localhost:1",
            "--jar",
            dir.resolve("nope.jar").toString());
    assertThat(r.exit()).isEqualTo(HeraldCli.EXIT_USAGE);
    assertThat(r.err()).contains("does not exist", "-pl flink-jobs -am");
  }

  @Test
  void anUnreachableJobManagerIsAFailureWithAHint(@TempDir Path dir) throws Exception {
    Path jar = Files.createFile(dir.resolve("herald-flink-jobs.jar"));
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Run r =
        run("flink", "submit", "--jobmanager", "http://localhost:" + port, "--jar", jar.toString());
    assertThat(r.exit()).isEqualTo(HeraldCli.EXIT_FAILURE);
    assertThat(r.err())
        .contains("cannot reach the Flink JobManager", "hint: is the cluster running?");
  }

  @Test
  void flinksErrorReplyIsReducedToTheJobsOwnMessage() throws Exception {
    String reply =
        """
        {"errors": ["org.apache.flink.runtime.rest.handler.RestHandlerException: Could not \
        execute application.\\n\\tat org.apache.flink.X.y(X.java:1)\\nCaused by: \
        org.apache.flink.client.program.ProgramInvocationException: The main method caused \
        an error: unknown job 'availabilty'; usage: ...\\n\\tat a.b(C.java:2)"]}
        """;
    String message = FlinkRestClient.errors(new ObjectMapper().readTree(reply), 400);
    assertThat(message).startsWith("HTTP 400: ").doesNotContain("\tat ", "X.java");
    assertThat(FlinkSubmitCommand.mainError(message))
        .isEqualTo("unknown job 'availabilty'; usage: ...");
  }
}
