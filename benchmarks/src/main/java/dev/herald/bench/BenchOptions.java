package dev.herald.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * What one harness run measures.
 *
 * <pre>{@code
 * BenchOptions o = BenchOptions.defaults().withEvents(5_000).withBatchings(List.of(Batching.DEFAULT));
 * BenchReport report = new BenchRunner(o).run();
 * }</pre>
 *
 * @param events simulator operations to preload per batching (each yields 5 reports)
 * @param batchings which reporter batchings to preload and measure
 * @param flink whether to measure the Flink availability job
 * @param latency whether to measure live detection latency
 * @param scaleOut whether to measure one vs two auditor instances
 * @param micro whether to run the JMH micro-benchmarks
 * @param out where the JSON results go (null: not written)
 * @param workDir parent of the temporary broker and state directories
 * @param flinkHeartbeats synthetic heartbeats the Flink stage adds to the heartbeat topic
 * @param latencyPoints fractions of the sustainable live rate the latency curve is measured at
 * @param latencySeconds about how long each latency point runs (fewer for small {@code events})
 * @param accounts accounts per group in the preload's scenario; 0: as many as its faults need
 *     (about one per fault, so the working set grows with {@code events})
 * @param preloadCache where preloaded brokers are kept between runs ({@link
 *     dev.herald.bench.setup.PreloadCache}); null: every run preloads afresh
 */
public record BenchOptions(
    long events,
    List<Batching> batchings,
    boolean flink,
    boolean latency,
    boolean scaleOut,
    boolean micro,
    Path out,
    Path workDir,
    long flinkHeartbeats,
    List<Double> latencyPoints,
    double latencySeconds,
    int accounts,
    Path preloadCache) {

  /** The latency curve's default points: 10 to 100 % of the sustainable rate, and 1.5x overload. */
  public static final List<Double> LATENCY_POINTS = List.of(0.10, 0.25, 0.50, 0.75, 1.0, 1.5);

  /** How the simulator's reporters batch. */
  public enum Batching {
    /** Reporter defaults: linger 10 ms, up to 256 reports per signed batch. */
    DEFAULT("default"),
    /** Linger 0: every report is its own signed batch (the per-event signature worst case). */
    ONE("batch-1");

    private final String label;

    Batching(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  public BenchOptions {
    if (events < 100) {
      throw new IllegalArgumentException("--events must be 100 or more, not " + events);
    }
    batchings = List.copyOf(batchings);
    latencyPoints = List.copyOf(latencyPoints);
    for (double f : latencyPoints) {
      if (!(f > 0 && f <= 10)) {
        throw new IllegalArgumentException(
            "--latency-points: each must be a fraction above 0 and at most 10, not " + f);
      }
    }
    if (!(latencySeconds >= 1)) {
      throw new IllegalArgumentException(
          "--latency-seconds must be 1 or more, not " + latencySeconds);
    }
    if (accounts < 0) {
      throw new IllegalArgumentException(
          "--accounts must be 0 (as many as the faults need) or more, not " + accounts);
    }
    if (flinkHeartbeats < 1) {
      throw new IllegalArgumentException(
          "--flink-heartbeats must be 1 or more, not " + flinkHeartbeats);
    }
  }

  /** The full run: 2 million events, both batchings, every stage except the micro-benchmarks. */
  public static BenchOptions defaults() {
    return new BenchOptions(
        2_000_000,
        List.of(Batching.DEFAULT, Batching.ONE),
        true,
        true,
        true,
        false,
        Path.of("benchmarks/results/latest.json"),
        Path.of(System.getProperty("java.io.tmpdir")),
        500_000,
        LATENCY_POINTS,
        30,
        0,
        null);
  }

  /** The fields of a {@link BenchOptions}, to change a few and build a new one (checked again). */
  private static final class Copy {
    long events;
    List<Batching> batchings;
    boolean flink;
    boolean latency;
    boolean scaleOut;
    boolean micro;
    Path out;
    Path workDir;
    long flinkHeartbeats;
    List<Double> latencyPoints;
    double latencySeconds;
    int accounts;
    Path preloadCache;

    Copy(BenchOptions o) {
      events = o.events;
      batchings = o.batchings;
      flink = o.flink;
      latency = o.latency;
      scaleOut = o.scaleOut;
      micro = o.micro;
      out = o.out;
      workDir = o.workDir;
      flinkHeartbeats = o.flinkHeartbeats;
      latencyPoints = o.latencyPoints;
      latencySeconds = o.latencySeconds;
      accounts = o.accounts;
      preloadCache = o.preloadCache;
    }

    BenchOptions build() {
      return new BenchOptions(
          events,
          batchings,
          flink,
          latency,
          scaleOut,
          micro,
          out,
          workDir,
          flinkHeartbeats,
          latencyPoints,
          latencySeconds,
          accounts,
          preloadCache);
    }
  }

  private BenchOptions with(Consumer<Copy> change) {
    Copy c = new Copy(this);
    change.accept(c);
    return c.build();
  }

  public BenchOptions withEvents(long n) {
    return with(c -> c.events = n);
  }

  public BenchOptions withBatchings(List<Batching> b) {
    return with(c -> c.batchings = b);
  }

  public BenchOptions withOut(Path p) {
    return with(c -> c.out = p);
  }

  public BenchOptions withWorkDir(Path p) {
    return with(c -> c.workDir = p);
  }

  public BenchOptions withStages(boolean flink, boolean latency, boolean scaleOut, boolean micro) {
    return with(
        c -> {
          c.flink = flink;
          c.latency = latency;
          c.scaleOut = scaleOut;
          c.micro = micro;
        });
  }

  public BenchOptions withFlinkHeartbeats(long n) {
    return with(c -> c.flinkHeartbeats = n);
  }

  public BenchOptions withLatency(List<Double> points, double seconds) {
    return with(
        c -> {
          c.latencyPoints = points;
          c.latencySeconds = seconds;
        });
  }

  /** Accounts per group in the preload (0: about one per fault, growing with the events). */
  public BenchOptions withAccounts(int n) {
    return with(c -> c.accounts = n);
  }

  /** Keep preloads in {@code dir} and reuse them (null: preload afresh every run). */
  public BenchOptions withPreloadCache(Path dir) {
    return with(c -> c.preloadCache = dir);
  }
}
