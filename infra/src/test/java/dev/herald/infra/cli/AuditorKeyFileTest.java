package dev.herald.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.schema.ledger.AuditLogVerifier.AuditorKey;
import dev.herald.schema.signing.Ed25519;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * What {@code herald auditor --auditor-key} says about a key it cannot use: a missing file, a file
 * that is no Ed25519 PKCS#8 key (both before any broker is contacted), and a key the registry does
 * not hold with role auditor for {@code --auditor-id}: one line and a hint, no stack trace.
 */
class AuditorKeyFileTest {
  @TempDir Path dir;

  private record Run(int exit, String err) {}

  private static Run auditor(String... args) {
    CommandLine cli = HeraldCli.commandLine();
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err));
    cli.setOut(new PrintWriter(new StringWriter()));
    String[] all = new String[args.length + 6];
    all[0] = "auditor";
    all[1] = "--bootstrap-server";
    all[2] = "localhost:1";
    all[3] = "--http-port";
    all[4] = "-1";
    all[5] = "--auditor-id=auditor-a";
    System.arraycopy(args, 0, all, 6, args.length);
    return new Run(cli.execute(all), err.toString());
  }

  @Test
  void aMissingKeyFileSaysHowToCreateAndRegisterOne() {
    Path missing = dir.resolve("missing.pem");
    Run r = auditor("--auditor-key", missing.toString());
    assertThat(r.exit()).isEqualTo(HeraldCli.EXIT_USAGE);
    assertThat(r.err().lines().toList()).hasSize(2);
    assertThat(r.err())
        .contains("--auditor-key " + missing + ": no such file")
        .contains("hint: create the auditor's key with: herald nodes keygen --node-id auditor-a")
        .contains("herald nodes register --node-id auditor-a --role auditor --key " + missing)
        .doesNotContain("Exception")
        .doesNotContain("\tat ");
  }

  @Test
  void aFileThatIsNoEd25519KeySaysWhatToPass() throws Exception {
    Path notAKey = dir.resolve("cert.pem");
    Files.writeString(notAKey, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    Run r = auditor("--auditor-key", notAKey.toString());
    assertThat(r.exit()).isEqualTo(HeraldCli.EXIT_USAGE);
    assertThat(r.err().lines().toList()).hasSize(2);
    assertThat(r.err())
        .contains("--auditor-key " + notAKey + " is not an Ed25519 private key (PKCS#8 PEM)")
        .contains("expected a '-----BEGIN PRIVATE KEY-----' block")
        .contains("hint: pass the PEM written by 'herald nodes keygen --node-id auditor-a")
        .doesNotContain("\tat ");
  }

  @Test
  void aBinaryOrNonAsciiFileIsReportedAsNoPemBlock() throws Exception {
    Path binary = dir.resolve("key.der");
    Files.write(binary, new byte[] {0x30, (byte) 0x82, (byte) 0xe9, 0x00, (byte) 0xff});
    Run r = auditor("--auditor-key", binary.toString());
    assertThat(r.exit()).isEqualTo(HeraldCli.EXIT_USAGE);
    assertThat(r.err().lines().toList()).hasSize(2);
    assertThat(r.err())
        .contains("--auditor-key " + binary + " is not an Ed25519 private key (PKCS#8 PEM)")
        .contains("expected a '-----BEGIN PRIVATE KEY-----' block");
  }

  @Test
  void anUnregisteredKeyIsRefusedWithTheRegisterCommand() {
    Ed25519.KeyPair key = Ed25519.generate();
    Path pem = dir.resolve("a.pem");
    Map<String, AuditorKey> none = Map.of();
    assertThatThrownBy(() -> AuditorKeyFile.requireRegistered(none, "auditor-a", key, pem))
        .isInstanceOfSatisfying(
            CliException.class,
            e -> {
              assertThat(e.getMessage())
                  .isEqualTo(
                      "--auditor-key "
                          + pem
                          + " (key id "
                          + key.keyId()
                          + ") is not registered with role auditor: herald verify would reject"
                          + " every alert this auditor signs");
              assertThat(e.hint())
                  .isEqualTo(
                      "register it first with: herald nodes register --node-id auditor-a --role"
                          + " auditor --key "
                          + pem);
              assertThat(e.exitCode()).isEqualTo(HeraldCli.EXIT_USAGE);
            });
  }

  @Test
  void aKeyOfAnotherAuditorOrARevokedAuditorIsRefused() {
    Ed25519.KeyPair key = Ed25519.generate();
    Path pem = dir.resolve("a.pem");
    Map<String, AuditorKey> other =
        Map.of(key.keyId(), new AuditorKey("auditor-b", key.publicKey(), "ACTIVE"));
    assertThatThrownBy(() -> AuditorKeyFile.requireRegistered(other, "auditor-a", key, pem))
        .isInstanceOf(CliException.class)
        .hasMessageContaining(
            "is registered for auditor 'auditor-b', not for --auditor-id 'auditor-a'");
    Map<String, AuditorKey> revoked =
        Map.of(key.keyId(), new AuditorKey("auditor-a", key.publicKey(), "REVOKED"));
    assertThatThrownBy(() -> AuditorKeyFile.requireRegistered(revoked, "auditor-a", key, pem))
        .isInstanceOf(CliException.class)
        .hasMessage("auditor 'auditor-a' is REVOKED in the registry");
  }

  @Test
  void aKeyWrittenByKeygenIsRead() throws Exception {
    Ed25519.KeyPair key = Ed25519.generate();
    Path pem = dir.resolve("auditor-a.pem");
    Ed25519.writePem(pem, key.privateKey());
    assertThat(AuditorKeyFile.read(pem, "auditor-a").keyId()).isEqualTo(key.keyId());
  }

  @Test
  void theRegisteredActiveKeyPasses() {
    Ed25519.KeyPair key = Ed25519.generate();
    Map<String, AuditorKey> registered =
        Map.of(key.keyId(), new AuditorKey("auditor-a", key.publicKey(), "ACTIVE"));
    AuditorKeyFile.requireRegistered(registered, "auditor-a", key, dir.resolve("a.pem"));
  }
}
