package dev.herald.schema.canonical;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Two honest replicas on different JDKs hash the same states alike: {@link VectorsMain} — every
 * protocol test vector and the canonical form of 60,000 doubles — runs in a forked JVM of every JDK
 * installed under {@code /usr/lib/jvm} (and the one running the test), and every JDK must print the
 * same bytes. The same sample formatted with {@code Double.toString} must differ between a JDK
 * before 19 and one after (JDK-4511638), which shows the sample would catch the defect that
 * canonical numbers fixed. CI has JDK 17 and Temurin 25, so there at least two feature versions on
 * both sides of JDK 19 are required; elsewhere the test skips with a message when it finds one JDK
 * only.
 */
class CanonicalAcrossJdksTest {
  private static final Path JVMS = Path.of("/usr/lib/jvm");

  @Test
  void everyInstalledJdkWritesTheSameCanonicalBytes() throws Exception {
    Map<Integer, Path> jdks = installedJdks();
    String where = "JDKs found: " + jdks;
    if (System.getenv("CI") != null) {
      assertThat(jdks.keySet()).as(where).anyMatch(v -> v < 19).anyMatch(v -> v >= 19);
    }
    Assumptions.assumeTrue(
        jdks.keySet().stream().anyMatch(v -> v < 19)
            && jdks.keySet().stream().anyMatch(v -> v >= 19),
        "needs a JDK before 19 and one from 19 on (e.g. /usr/lib/jvm/temurin-25-jdk-amd64); "
            + where);

    List<String> here = VectorsMain.lines();
    Map<Integer, List<String>> printed = new LinkedHashMap<>();
    for (Map.Entry<Integer, Path> jdk : jdks.entrySet()) {
      printed.put(jdk.getKey(), run(jdk.getValue()));
      System.out.printf(
          "JDK %d (%s): %s, %d lines%n",
          jdk.getKey(), jdk.getValue(), printed.get(jdk.getKey()).get(0), here.size());
    }

    for (Map.Entry<Integer, List<String>> out : printed.entrySet()) {
      assertThat(out.getValue().subList(2, out.getValue().size()))
          .as("canonical forms printed by JDK %d", out.getKey())
          .isEqualTo(here.subList(2, here.size()));
    }
    TreeSet<String> toStrings = new TreeSet<>();
    printed.values().forEach(lines -> toStrings.add(lines.get(1)));
    assertThat(toStrings)
        .as("Double.toString of the sample differs between JDK 17 and 19+, so the sample is sharp")
        .hasSizeGreaterThan(1);
  }

  /** One java executable per feature version: the running one, then those under /usr/lib/jvm. */
  static Map<Integer, Path> installedJdks() throws IOException {
    Map<Integer, Path> byVersion = new LinkedHashMap<>();
    byVersion.put(
        Runtime.version().feature(), Path.of(System.getProperty("java.home"), "bin", "java"));
    if (Files.isDirectory(JVMS)) {
      List<Path> candidates = new ArrayList<>();
      try (Stream<Path> dirs = Files.list(JVMS)) {
        dirs.sorted().forEach(d -> candidates.add(d.resolve("bin/java")));
      }
      for (Path java : candidates) {
        if (Files.isExecutable(java)) {
          Integer feature = feature(java);
          if (feature != null) {
            byVersion.putIfAbsent(feature, java);
          }
        }
      }
    }
    return byVersion;
  }

  private static Integer feature(Path executable) {
    try {
      Process p =
          new ProcessBuilder(executable.toString(), "-version").redirectErrorStream(true).start();
      String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor(30, TimeUnit.SECONDS);
      Matcher m = Pattern.compile("version \"(1\\.)?(\\d+)").matcher(text);
      return m.find() ? Integer.valueOf(m.group(2)) : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  private static List<String> run(Path java) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(
                java.toString(),
                "-cp",
                System.getProperty("java.class.path"),
                VectorsMain.class.getName())
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as(java + " finished").isTrue();
    assertThat(p.exitValue()).as(java + " exit code; output:\n" + out).isZero();
    return List.of(out.split("\n"));
  }
}
