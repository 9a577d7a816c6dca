package dev.herald.bench.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.regex.Pattern;
import jdk.jfr.Recording;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The JFR summary on a real recording of a thread whose work is known. */
class JfrSummaryTest {
  static final String THREAD = "jfr-summary-test-busy";
  static final String OUTER = JfrSummaryTest.class.getName() + ".outer";
  static final String INNER = JfrSummaryTest.class.getName() + ".inner";

  @TempDir static Path dir;
  static Path recording;
  static volatile double sink;

  static volatile boolean stop;

  /** Spends its time in {@link #inner}, called from here: the whole thread's work. */
  static void outer() {
    while (!stop) {
      sink += inner(sink);
    }
  }

  static double inner(double seed) {
    double x = seed;
    for (int i = 0; i < 20_000; i++) {
      x = Math.sqrt(x + i) * 1.0000001;
    }
    return x % 7;
  }

  /** Records the busy thread until the recording holds at least 30 of its samples. */
  @BeforeAll
  static void record() throws Exception {
    recording = dir.resolve("busy.jfr");
    Path partial = dir.resolve("partial.jfr");
    try (Recording r = new Recording()) {
      r.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(10));
      r.start();
      Thread busy = new Thread(JfrSummaryTest::outer, THREAD);
      busy.start();
      try {
        await()
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(500))
            .until(
                () -> {
                  r.dump(partial);
                  return JfrSummary.summarize(partial, Pattern.compile(THREAD), null).samples()
                      >= 30;
                });
      } finally {
        stop = true;
        busy.join();
      }
      r.stop();
      r.dump(recording);
    }
  }

  @Test
  void theBusyThreadsTimeIsInsideItsOuterMethodAndMostlyInTheInnerOne() throws Exception {
    JfrSummary.Summary s = JfrSummary.summarize(recording, Pattern.compile(THREAD), OUTER);
    assertThat(s.samples()).isGreaterThanOrEqualTo(30);
    // every sample of the thread is inside outer, whatever is on top
    assertThat(s.inclusive().get(OUTER)).isGreaterThanOrEqualTo(s.samples() * 9 / 10);
    assertThat(s.underSamples()).isEqualTo(s.inclusive().get(OUTER));
    // split by callee: outer itself or inner, which only outer calls (how the JIT attributes a
    // sample between the two varies; the split adds up either way)
    assertThat(s.callees().keySet()).isSubsetOf(Set.of("(self)", INNER, "(unknown)"));
    assertThat(s.callees().values().stream().mapToLong(Long::longValue).sum())
        .isEqualTo(s.underSamples());
    assertThat(s.callees().getOrDefault(INNER, 0L))
        .isEqualTo(s.inclusive().getOrDefault(INNER, 0L));
    // no sample of other threads
    assertThat(JfrSummary.summarize(recording, Pattern.compile("no-such-thread"), null).samples())
        .isZero();
  }

  @Test
  void theCommandPrintsBothTablesAndTheSplit() {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int code =
        new CommandLine(new JfrSummary(new PrintStream(buf, true, StandardCharsets.UTF_8)))
            .execute(recording.toString(), "--thread", THREAD, "--under", OUTER, "--top", "5");
    String out = buf.toString(StandardCharsets.UTF_8);
    assertThat(code).isZero();
    assertThat(out)
        .contains("execution samples of threads matching " + THREAD)
        .contains("inclusive (samples whose stack holds the method)")
        .contains("self (samples at the top of the stack)")
        .contains("under " + OUTER)
        .contains(INNER);
  }

  @Test
  void aMissingFileOrThreadIsAClearErrorNotAStackTrace() throws Exception {
    Path junk = dir.resolve("junk.jfr");
    Files.writeString(junk, "not a recording");
    for (String[] args :
        new String[][] {
          {dir.resolve("absent.jfr").toString()},
          {junk.toString()},
          {recording.toString(), "--thread", "no-such-thread"},
          {recording.toString(), "--top", "0"},
          {recording.toString(), "--thread", "(unclosed"}
        }) {
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      PrintStream was = System.err;
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int code;
      try {
        code = new CommandLine(new JfrSummary()).execute(args);
      } finally {
        System.setErr(was);
      }
      String text = err.toString(StandardCharsets.UTF_8);
      assertThat(code).as(String.join(" ", args)).isEqualTo(JfrSummary.BAD_INPUT);
      assertThat(text).startsWith("jfr: ").doesNotContain("Exception\n\tat ");
    }
  }
}
