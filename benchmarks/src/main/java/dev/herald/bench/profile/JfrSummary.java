package dev.herald.bench.profile;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Where a thread's time goes in a JFR recording, read from whole stacks: for the execution samples
 * of the threads whose name matches {@code --thread}, each method's inclusive share (samples whose
 * stack holds it anywhere, counted once per sample) and self share (samples at its top), and with
 * {@code --under M} how the samples inside {@code M} split among the methods it calls.
 *
 * <p>Why a tool: {@code jfr print} shows five frames per stack unless given {@code --stack-depth},
 * and a share read from such text stops five frames above the sampled method (round 11 of issue #15
 * read its profile so). Record with {@code -XX:FlightRecorderOptions:stackdepth=256}, or stacks
 * deeper than the JVM's default of 64 frames are cut and counted as {@code truncated}.
 *
 * <pre>{@code
 * HERALD_BENCH_JAVA_OPTS="-Xmx6g -XX:+UseParallelGC -XX:FlightRecorderOptions:stackdepth=256 \
 *   -XX:StartFlightRecording=settings=profile,filename=soak.jfr" ./herald bench soak --runs 2
 * ./herald bench jfr soak.jfr --top 40 --prefix dev.herald
 * ./herald bench jfr soak.jfr --under dev.herald.auditor.detect.Reconciler.close
 * }</pre>
 *
 * Exit code 0; 2: bad options, an unreadable file or no matching sample.
 */
@Command(
    name = "jfr",
    mixinStandardHelpOptions = true,
    description =
        "Inclusive and self shares of a thread's execution samples in a JFR recording, from whole"
            + " stacks (docs/benchmarks.md).")
public final class JfrSummary implements Callable<Integer> {
  static final int BAD_INPUT = 2;

  @Parameters(index = "0", paramLabel = "RECORDING", description = "A .jfr file.")
  Path recording;

  @Option(
      names = "--thread",
      defaultValue = "StreamThread-[0-9]+$",
      description =
          "Samples of threads whose name matches this regular expression (found anywhere in the"
              + " name; default ${DEFAULT-VALUE}: Kafka Streams' stream threads, not their"
              + " producers' network threads).")
  String thread;

  @Option(
      names = "--top",
      defaultValue = "40",
      description = "Rows per table (default ${DEFAULT-VALUE}).")
  int top;

  @Option(
      names = "--prefix",
      defaultValue = "",
      description = "Inclusive table: only methods whose name starts with this (e.g. dev.herald).")
  String prefix;

  @Option(
      names = "--under",
      description = "Also split the samples inside this method (package.Class.method) by callee.")
  String under;

  private final PrintStream out;

  public JfrSummary() {
    this(System.out);
  }

  JfrSummary(PrintStream out) {
    this.out = out;
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new JfrSummary()).execute(args));
  }

  /** What the samples of the chosen threads add up to. */
  record Summary(
      long samples,
      long truncated,
      Map<String, Long> inclusive,
      Map<String, Long> self,
      Map<String, Long> callees,
      long underSamples) {

    double share(long n) {
      return samples == 0 ? 0 : 100.0 * n / samples;
    }
  }

  @Override
  public Integer call() {
    if (top < 1) {
      System.err.println("jfr: --top must be 1 or more");
      return BAD_INPUT;
    }
    Pattern threads;
    try {
      threads = Pattern.compile(thread);
    } catch (PatternSyntaxException e) {
      System.err.println("jfr: --thread is not a regular expression: " + e.getDescription());
      return BAD_INPUT;
    }
    if (!Files.isReadable(recording)) {
      System.err.println("jfr: cannot read " + recording + "; give a .jfr file");
      return BAD_INPUT;
    }
    Summary s;
    try {
      s = summarize(recording, threads, under);
    } catch (IOException e) {
      System.err.println(
          "jfr: " + recording + " is not a readable JFR recording (" + e.getMessage() + ")");
      return BAD_INPUT;
    }
    if (s.samples() == 0) {
      System.err.println(
          "jfr: no execution samples of a thread whose name matches '"
              + thread
              + "' in "
              + recording
              + "; was the recording made with settings=profile (or default) while it ran?");
      return BAD_INPUT;
    }
    print(s);
    return 0;
  }

  /**
   * Reads the execution samples of the threads whose name {@code threads} finds in {@code file}.
   */
  static Summary summarize(Path file, Pattern threads, String under) throws IOException {
    long samples = 0;
    long truncated = 0;
    long underSamples = 0;
    Map<String, Long> inclusive = new HashMap<>();
    Map<String, Long> self = new HashMap<>();
    Map<String, Long> callees = new HashMap<>();
    try (RecordingFile in = new RecordingFile(file)) {
      while (in.hasMoreEvents()) {
        RecordedEvent e = in.readEvent();
        if (!e.getEventType().getName().equals("jdk.ExecutionSample")) {
          continue;
        }
        RecordedThread t = e.getThread("sampledThread");
        String name = t == null ? null : t.getJavaName();
        if (name == null || !threads.matcher(name).find()) {
          continue;
        }
        RecordedStackTrace st = e.getStackTrace();
        if (st == null) {
          continue;
        }
        samples++;
        if (st.isTruncated()) {
          truncated++;
        }
        List<String> frames = new ArrayList<>(st.getFrames().size());
        for (RecordedFrame f : st.getFrames()) {
          frames.add(method(f));
        }
        if (frames.isEmpty()) {
          continue;
        }
        self.merge(frames.get(0), 1L, Long::sum);
        Set<String> seen = new HashSet<>();
        for (String m : frames) {
          if (seen.add(m)) {
            inclusive.merge(m, 1L, Long::sum);
          }
        }
        if (under != null) {
          // the outermost call of `under` on this stack, and what it called (itself if on top)
          int at = frames.lastIndexOf(under);
          if (at >= 0) {
            underSamples++;
            callees.merge(at == 0 ? "(self)" : frames.get(at - 1), 1L, Long::sum);
          }
        }
      }
    }
    return new Summary(samples, truncated, inclusive, self, callees, underSamples);
  }

  private static String method(RecordedFrame f) {
    if (f.getMethod() == null) {
      return "(unknown)";
    }
    return f.getMethod().getType().getName() + "." + f.getMethod().getName();
  }

  private void print(Summary s) {
    out.printf(
        Locale.ROOT,
        "%s: %,d execution samples of threads matching %s%s%n",
        recording,
        s.samples(),
        thread,
        s.truncated() == 0
            ? ""
            : String.format(
                Locale.ROOT,
                " (%,d with truncated stacks: record with"
                    + " -XX:FlightRecorderOptions:stackdepth=256)",
                s.truncated()));
    out.println();
    table("inclusive (samples whose stack holds the method)", filtered(s.inclusive()), s);
    table("self (samples at the top of the stack)", s.self(), s);
    if (under != null) {
      out.printf(
          Locale.ROOT,
          "under %s: %.1f %% of the samples; by callee (share of all samples)%n",
          under,
          s.share(s.underSamples()));
      if (s.underSamples() == 0) {
        out.println("  (no sample holds this method: give it as package.Class.method)");
      } else {
        table(null, s.callees(), s);
      }
    }
  }

  private Map<String, Long> filtered(Map<String, Long> inclusive) {
    if (prefix.isEmpty()) {
      return inclusive;
    }
    Map<String, Long> m = new HashMap<>();
    inclusive.forEach(
        (k, v) -> {
          if (k.startsWith(prefix)) {
            m.put(k, v);
          }
        });
    return m;
  }

  private void table(String title, Map<String, Long> counts, Summary s) {
    if (title != null) {
      out.println(title);
    }
    counts.entrySet().stream()
        .sorted(
            Map.Entry.<String, Long>comparingByValue()
                .reversed()
                .thenComparing(Map.Entry.comparingByKey()))
        .limit(top)
        .forEach(
            e -> out.printf(Locale.ROOT, "  %5.1f %%  %s%n", s.share(e.getValue()), e.getKey()));
    out.println();
  }
}
