package dev.herald.it.producer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.infra.cli.HeraldCli;
import dev.herald.it.support.HeraldRun;
import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.schema.signing.Ed25519;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code herald nodes keygen|register|list|revoke|rotate} against a real broker's append-only
 * {@code herald.nodes.v1} with the embedded schema registry over HTTP: private keys are written
 * with mode 0600, registrations are listed with their latest status and key, and mistakes fail with
 * one line and a hint.
 */
@Tag("slow")
class NodesCommandIT {
  @RegisterExtension
  static final KafkaBrokerExtension KAFKA =
      new KafkaBrokerExtension().withSchemaRegistry(r -> r.port(0));

  private String[] withKafka(String... args) {
    String[] all = new String[args.length + 4];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "--bootstrap-server";
    all[args.length + 1] = KAFKA.bootstrapServers();
    all[args.length + 2] = "--schema-registry-url";
    all[args.length + 3] = KAFKA.registryUrl();
    return all;
  }

  @Test
  void keygenRegisterListRotateRevoke(@TempDir Path dir) throws Exception {
    Path key = dir.resolve("n1.pem");
    Path newKey = dir.resolve("n1-2.pem");

    HeraldRun keygen = HeraldRun.of("nodes", "keygen", "--node-id", "n1", "--out", key.toString());
    assertThat(keygen.code()).isZero();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key)))
        .isEqualTo("rw-------");
    String keyId = Ed25519.readPem(key).keyId();
    assertThat(keygen.out()).contains(keyId);
    assertThat(HeraldRun.of("nodes", "keygen", "--node-id", "n1", "--out", key.toString()).err())
        .contains("refusing to overwrite")
        .contains("hint: pass --force");

    HeraldRun register =
        HeraldRun.of(
            withKafka(
                "nodes",
                "register",
                "--node-id",
                "n1",
                "--key",
                key.toString(),
                "--group",
                "payments",
                "--region",
                "eu-west"));
    assertThat(register.code()).as(register.err()).isZero();
    HeraldRun listed = HeraldRun.of(withKafka("nodes", "list"));
    assertThat(listed.out()).contains("n1").contains("ACTIVE").contains(keyId).contains("payments");

    HeraldRun.of("nodes", "keygen", "--node-id", "n1", "--out", newKey.toString());
    HeraldRun conflict =
        HeraldRun.of(
            withKafka(
                "nodes",
                "register",
                "--node-id",
                "n1",
                "--key",
                newKey.toString(),
                "--group",
                "payments"));
    assertThat(conflict.code()).isEqualTo(HeraldCli.EXIT_FAILURE);
    assertThat(conflict.err())
        .contains("identity conflict")
        .contains("hint: to change its key use: herald nodes rotate");

    HeraldRun rotate =
        HeraldRun.of(
            withKafka(
                "nodes",
                "rotate",
                "--node-id",
                "n1",
                "--key",
                key.toString(),
                "--new-key",
                newKey.toString()));
    assertThat(rotate.code()).as(rotate.err()).isZero();
    String newKeyId = Ed25519.readPem(newKey).keyId();
    HeraldRun json = HeraldRun.of(withKafka("nodes", "list", "-o", "json"));
    assertThat(json.out())
        .contains("\"keyId\" : \"" + newKeyId + "\"")
        .contains("\"rotatesFrom\" : \"" + keyId + "\"");

    assertThat(HeraldRun.of(withKafka("nodes", "revoke", "--node-id", "n1")).code()).isZero();
    assertThat(HeraldRun.of(withKafka("nodes", "list")).out()).contains("REVOKED");
    HeraldRun unknown = HeraldRun.of(withKafka("nodes", "revoke", "--node-id", "nobody"));
    assertThat(unknown.err())
        .contains("node 'nobody' is not registered")
        .contains("hint: list the registered nodes");
    assertThat(unknown.err()).doesNotContain("Exception");
  }
}
