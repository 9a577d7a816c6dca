package dev.herald.it.ops;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A binary of the Debian packages {@code prometheus} / {@code prometheus-alertmanager} that .ci/run
 * installs. Missing in CI ({@code CI} set, or {@code -Dherald.requireTools=true}) is a failure; on
 * a developer's machine without it the test is skipped with a message saying how to install it.
 */
final class ExternalTool {
  private ExternalTool() {}

  static Path require(String binary, String debianPackage) {
    Optional<Path> found = find(binary);
    String hint =
        binary + " is not installed: apt-get install " + debianPackage + " (.ci/run does)";
    boolean required = System.getenv("CI") != null || Boolean.getBoolean("herald.requireTools");
    if (found.isEmpty()) {
      if (required) {
        fail(hint);
      }
      assumeTrue(false, hint);
    }
    return found.get();
  }

  static Optional<Path> find(String binary) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path p = Path.of(dir, binary);
      if (Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
