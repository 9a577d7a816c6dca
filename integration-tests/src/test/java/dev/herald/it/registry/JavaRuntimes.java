package dev.herald.it.registry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** Finds a {@code java} launcher of at least a given feature version for a child process. */
final class JavaRuntimes {
  private static final Path JVM_DIR = Path.of("/usr/lib/jvm");
  private static final Pattern RELEASE_VERSION =
      Pattern.compile("^JAVA_VERSION=\"(\\d+)", Pattern.MULTILINE);

  private JavaRuntimes() {}

  /**
   * The {@code java} binary named by system property {@code property}, else this JVM's when its
   * feature version is at least {@code feature}, else the newest such JDK under {@code
   * /usr/lib/jvm}. Throws an {@link AssertionError} saying what to install or set when none fits.
   */
  static String atLeast(int feature, String property, String whatNeedsIt) {
    String given = System.getProperty(property, "");
    if (!given.isBlank()) {
      if (!Files.isExecutable(Path.of(given))) {
        throw new AssertionError(
            "-D"
                + property
                + "="
                + given
                + " is not an executable java launcher; give the path"
                + " of bin/java of a JDK "
                + feature
                + " or newer");
      }
      return given;
    }
    if (Runtime.version().feature() >= feature) {
      return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
    return newestUnder(JVM_DIR, feature)
        .orElseThrow(
            () ->
                new AssertionError(
                    whatNeedsIt
                        + " needs Java "
                        + feature
                        + " or newer; this JVM is "
                        + Runtime.version().feature()
                        + " and "
                        + JVM_DIR
                        + " holds none. Install a JDK "
                        + feature
                        + "+ there, or pass -D"
                        + property
                        + "=/path/to/bin/java"))
        .toString();
  }

  private static Optional<Path> newestUnder(Path dir, int feature) {
    if (!Files.isDirectory(dir)) {
      return Optional.empty();
    }
    try (Stream<Path> homes = Files.list(dir)) {
      return homes
          .filter(home -> Files.isExecutable(home.resolve("bin/java")))
          .filter(home -> featureOf(home) >= feature)
          .max(Comparator.comparingInt(JavaRuntimes::featureOf))
          .map(home -> home.resolve("bin/java"));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** The feature version a JDK's {@code release} file declares, or 0 when it has none. */
  private static int featureOf(Path home) {
    try {
      Matcher m = RELEASE_VERSION.matcher(Files.readString(home.resolve("release")));
      return m.find() ? Integer.parseInt(m.group(1)) : 0;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }
}
