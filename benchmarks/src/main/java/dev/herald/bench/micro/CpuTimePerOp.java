package dev.herald.bench.micro;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Map;
import java.util.TreeMap;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * The benchmark thread's CPU time per operation over the measurement iterations of one fork,
 * printed at the end of the fork as {@code cpu-ns/op <benchmark> <params> <value>}. On a shared
 * machine JMH's wall-clock score also counts the time other processes held the core; the thread's
 * CPU time does not (caches and a busy sibling hyper-thread still slow it down). Each benchmark
 * method counts its operations in {@link #ops}.
 */
@State(Scope.Thread)
public class CpuTimePerOp {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  /** Operations in the current iteration (the benchmark method increments it). */
  public long ops;

  private long startNs;
  private long measuredNs;
  private long measuredOps;

  @Setup(Level.Iteration)
  public void start() {
    ops = 0;
    startNs = THREADS.getCurrentThreadCpuTime();
  }

  @TearDown(Level.Iteration)
  public void stop(IterationParams iteration) {
    long used = THREADS.getCurrentThreadCpuTime() - startNs;
    if (iteration.getType() == IterationType.MEASUREMENT) {
      measuredNs += used;
      measuredOps += ops;
    }
  }

  @TearDown(Level.Trial)
  public void report(BenchmarkParams benchmark) {
    String name = benchmark.getBenchmark();
    Map<String, String> params = new TreeMap<>();
    for (String key : benchmark.getParamsKeys()) {
      params.put(key, benchmark.getParam(key));
    }
    System.out.printf(
        "cpu-ns/op %s %s %.1f%n",
        name.substring(name.lastIndexOf('.') + 1),
        params.isEmpty() ? "-" : params.toString().replace(" ", ""),
        measuredOps == 0 ? Double.NaN : measuredNs / (double) measuredOps);
  }
}
