package dev.herald.it.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The {@code openssl} CLI (Debian package {@code openssl}), the reference reader of key files. CI
 * installs it ({@code .ci/run}), so there its absence fails the test; elsewhere it skips.
 */
final class Openssl {
  private Openssl() {}

  /** The exit code of {@code openssl pkey -in file -noout}: 0 when OpenSSL reads the key. */
  static int pkeyNoout(Path file) throws InterruptedException {
    requireInstalled();
    return run("openssl", "pkey", "-in", file.toString(), "-noout");
  }

  private static void requireInstalled() throws InterruptedException {
    int version = run("openssl", "version");
    if (System.getenv("CI") != null) {
      assertThat(version).as("openssl must be installed in CI (.ci/run installs it)").isZero();
    }
    Assumptions.assumeTrue(version == 0, "openssl is not installed (apt-get install openssl)");
  }

  private static int run(String... command) throws InterruptedException {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return -1;
      }
      return p.exitValue();
    } catch (IOException e) {
      return -1;
    }
  }
}
