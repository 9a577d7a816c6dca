package dev.herald.it.auditor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.infra.cli.HeraldCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code herald auditor}: options and the one-line refusal of an invalid policy. */
class AuditorCommandIT {
  @TempDir Path dir;

  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    PrintStream stdout = System.out;
    PrintStream stderr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      int code = HeraldCli.run(args);
      return new Run(
          code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(stdout);
      System.setErr(stderr);
    }
  }

  @Test
  void helpListsTheOptions() {
    Run r = run("auditor", "--help");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out() + r.err())
        .contains("--bootstrap-server", "--policy", "--application-id", "--state-dir")
        .contains("--schema-registry-url", "--command-config");
  }

  @Test
  void invalidPolicyIsRefusedWithOneLineAndAHint() throws Exception {
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(policy, "groups:\n  payments:\n    quorum: most\n");
    Run r = run("auditor", "--bootstrap-server", "localhost:1", "--policy", policy.toString());
    assertThat(r.code()).isEqualTo(HeraldCli.EXIT_USAGE);
    assertThat(r.err().lines().toList())
        .hasSize(2)
        .first()
        .asString()
        .contains("groups.payments.quorum", "'most'", "majority");
    assertThat(r.err()).contains("hint:").doesNotContain("Exception");
  }
}
