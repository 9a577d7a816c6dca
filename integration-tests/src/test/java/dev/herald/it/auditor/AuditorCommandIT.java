package dev.herald.it.auditor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.infra.cli.HeraldCli;
import dev.herald.it.reliability.AuditorProcess;
import dev.herald.it.reliability.SignedFleet;
import dev.herald.it.support.AuditedBroker;
import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.schema.AlertType;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.signing.Ed25519;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code herald auditor}: options, the one-line refusal of an invalid policy and of an auditor key
 * that is not registered, and — the real command in its own JVM, against a real broker — alerts
 * signed with {@code --auditor-key} that {@code herald verify --require-auditor-signature} accepts.
 */
class AuditorCommandIT {
  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

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

  @Test
  void theAuditorSignsWithItsRegisteredKeyAndItsAlertsVerify() throws Exception {
    String bootstrap = KAFKA.bootstrapServers();
    Path pem = dir.resolve("auditor-x.pem");
    Path unregistered = dir.resolve("other.pem");
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(policy, "defaults:\n  heartbeat:\n    silenceThreshold: 90s\n");
    Path log = Path.of("target", "auditor-command-it.log").toAbsolutePath();
    Files.deleteIfExists(log);
    try (AuditedBroker stack = AuditedBroker.start(KAFKA.clientProperties())) {
      List<String> client =
          List.of("--bootstrap-server", bootstrap, "--schema-registry-url", stack.registryUrl());
      // Given: an auditor key made and registered with the CLI, and one made but not registered
      Run keygen = run("nodes", "keygen", "--node-id", "auditor-x", "--out", pem.toString());
      assertThat(keygen.code()).as(keygen.toString()).isZero();
      Ed25519.writePem(unregistered, Ed25519.generate().privateKey());
      Run register =
          run(
              with(
                  client,
                  "nodes",
                  "register",
                  "--node-id",
                  "auditor-x",
                  "--role",
                  "auditor",
                  "--key",
                  pem));
      assertThat(register.code()).as(register.toString()).isZero();
      String keyId = Ed25519.readPem(pem).keyId();

      // When: the auditor is started with the unregistered key
      Run refused =
          run(
              with(
                  client,
                  "auditor",
                  "--http-port",
                  "-1",
                  "--auditor-id",
                  "auditor-x",
                  "--auditor-key",
                  unregistered));
      // Then: it refuses in one line, with the command that registers it
      assertThat(refused.code()).as(refused.toString()).isEqualTo(HeraldCli.EXIT_USAGE);
      assertThat(refused.err())
          .contains("is not registered with role auditor")
          .contains("hint: register it first with: herald nodes register --node-id auditor-x")
          .doesNotContain("\tat ");

      // When: `herald auditor` (its own JVM) runs with the registered key, and n3 diverges
      SignedFleet fleet =
          new SignedFleet(stack.producer(), stack.producer(), stack.schemas(), 2, 2);
      fleet.registerAll();
      List<String> args = new ArrayList<>(client);
      args.addAll(
          List.of(
              "--application-id",
              "herald-it-signed",
              "--state-dir",
              dir.resolve("state").toString(),
              "--policy",
              policy.toString(),
              "--http-port",
              "-1",
              "--auditor-id",
              "auditor-x",
              "--auditor-key",
              pem.toString(),
              "--tree-head-interval",
              "1s"));
      try (AuditorProcess auditor = AuditorProcess.start(log, args)) {
        // past its key checks: on a loaded machine RUNNING may take longer than the command's
        // 60 s "Auditor running" line; the alert below waits for the processing itself
        await()
            .atMost(Duration.ofSeconds(120))
            .pollInterval(Duration.ofMillis(200))
            .until(() -> auditor.output().contains("Starting auditor"));
        fleet.keepAlive(stack.clock());
        fleet.playRound(1);
        fleet.playRound(2);
        AuditAlert divergence =
            await()
                .atMost(Duration.ofSeconds(240))
                .until(
                    () ->
                        stack.alerts().alerts().stream()
                            .filter(a -> a.getType() == AlertType.DIVERGENCE)
                            .findFirst()
                            .orElse(null),
                    a -> a != null);

        // Then: the alert carries the key's id, and verifies once a signed tree head covers it
        assertThat(divergence.getAuditorId()).isEqualTo("auditor-x");
        assertThat(divergence.getAuditorKeyId()).isEqualTo(keyId);
        Run verified =
            await()
                .atMost(Duration.ofSeconds(30))
                .until(
                    () ->
                        run(
                            with(
                                client,
                                "verify",
                                divergence.getAlertId(),
                                "--require-auditor-signature")),
                    r -> r.code() == 0);
        assertThat(verified.out())
            .contains("signed by auditor auditor-x key " + keyId)
            .containsPattern("auditor inclusion +OK");
      }
    }
  }

  private static String[] with(List<String> client, Object... args) {
    List<String> all = new ArrayList<>();
    for (Object a : args) {
      all.add(a.toString());
    }
    all.addAll(client);
    return all.toArray(String[]::new);
  }
}
