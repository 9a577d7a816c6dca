package dev.herald.schema.signing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.schema.canonical.Hashing;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.crypto.util.PrivateKeyInfoFactory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Key files any tool reads: Herald writes PKCS#8 v1 PEM, byte for byte what {@code openssl genpkey
 * -algorithm ed25519} writes, reads OpenSSL's keys and still reads the PKCS#8 v2 files it wrote
 * before. The OpenSSL checks run the real {@code openssl} (Debian package {@code openssl}); CI
 * installs it, so there a missing {@code openssl} is a failure, elsewhere a skip.
 */
class Ed25519KeyFileTest {
  @TempDir Path dir;

  private static final byte[] SEED =
      HexFormat.of().parseHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");

  @Test
  void theKeyFileIsPkcs8VersionOneWithTheSeedOnly() {
    String pem = Ed25519.toPem(Ed25519.fromSeed(SEED).privateKey());
    byte[] der =
        Base64.getMimeDecoder()
            .decode(
                pem.replace("-----BEGIN PRIVATE KEY-----", "")
                    .replace("-----END PRIVATE KEY-----", ""));
    // SEQUENCE { INTEGER 0, SEQUENCE { OID 1.3.101.112 }, OCTET STRING { OCTET STRING seed } }
    assertThat(HexFormat.of().formatHex(der))
        .isEqualTo("302e020100300506032b657004220420" + HexFormat.of().formatHex(SEED));
    assertThat(pem)
        .startsWith("-----BEGIN PRIVATE KEY-----\n")
        .endsWith("-----END PRIVATE KEY-----\n");
  }

  @Test
  void aVersionTwoFileWrittenByEarlierHeraldIsStillRead() throws IOException {
    Ed25519.KeyPair keys = Ed25519.fromSeed(SEED);
    byte[] v2 = PrivateKeyInfoFactory.createPrivateKeyInfo(keys.privateKey()).getEncoded();
    assertThat(v2[4]).as("version 1 (v2) INTEGER").isEqualTo((byte) 1);
    String pem =
        "-----BEGIN PRIVATE KEY-----\n"
            + Base64.getMimeEncoder().encodeToString(v2)
            + "\n-----END PRIVATE KEY-----\n";
    assertThat(Ed25519.fromPem(pem).publicKey()).isEqualTo(keys.publicKey());
  }

  @Test
  void somethingElseIsRefusedWithWhatIsWrong() {
    assertThatThrownBy(
            () -> Ed25519.fromPem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("BEGIN PRIVATE KEY");
  }

  @Test
  void opensslReadsHeraldsKeyFileAndDerivesTheSamePublicKey() throws Exception {
    requireOpenssl();
    Ed25519.KeyPair keys = Ed25519.generate();
    Path file = dir.resolve("node.pem");
    Ed25519.writePem(file, keys.privateKey());

    assertThat(run("openssl", "pkey", "-in", file.toString(), "-noout").exit()).isZero();
    Run pub = run("openssl", "pkey", "-in", file.toString(), "-pubout", "-outform", "DER");
    assertThat(pub.exit()).isZero();
    byte[] spki = pub.stdout();
    // SubjectPublicKeyInfo of Ed25519: a 12-byte header, then the raw 32-byte key
    assertThat(Hashing.hex(java.util.Arrays.copyOfRange(spki, 12, spki.length)))
        .isEqualTo(Hashing.hex(keys.publicKey()));
  }

  @Test
  void heraldReadsOpensslsKeyFileAndWritesTheSameBytes() throws Exception {
    requireOpenssl();
    Path file = dir.resolve("openssl.pem");
    assertThat(run("openssl", "genpkey", "-algorithm", "ed25519", "-out", file.toString()).exit())
        .isZero();
    String openssl = Files.readString(file, StandardCharsets.US_ASCII);

    Ed25519.KeyPair keys = Ed25519.readPem(file);

    assertThat(Ed25519.toPem(keys.privateKey())).isEqualTo(openssl);
  }

  private static void requireOpenssl() throws InterruptedException {
    boolean present;
    try {
      present = run("openssl", "version").exit() == 0;
    } catch (IOException e) {
      present = false;
    }
    if (System.getenv("CI") != null) {
      assertThat(present).as("openssl must be installed in CI (.ci/run installs it)").isTrue();
    }
    Assumptions.assumeTrue(present, "openssl is not installed (apt-get install openssl)");
  }

  private record Run(int exit, byte[] stdout) {}

  private static Run run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(false).start();
    byte[] out = p.getInputStream().readAllBytes();
    p.getErrorStream().readAllBytes();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(String.join(" ", command) + " did not finish in 30 s");
    }
    return new Run(p.exitValue(), out);
  }
}
