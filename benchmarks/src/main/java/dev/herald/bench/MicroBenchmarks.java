package dev.herald.bench;

import dev.herald.bench.micro.Ed25519Benchmarks;
import dev.herald.bench.micro.SigningBenchmarks;
import dev.herald.schema.signing.Ed25519Provider;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the JMH micro-benchmarks ({@link SigningBenchmarks}: canonical encoding, SHA-256, Ed25519
 * sign and verify with BouncyCastle and the JDK; {@link Ed25519Benchmarks}: sign and verify with
 * every implementation available here) with short iterations, in a forked JVM.
 *
 * <pre>{@code
 * Map<String, Object> opsPerSecond = MicroBenchmarks.run();
 * }</pre>
 */
final class MicroBenchmarks {
  private MicroBenchmarks() {}

  /** Operations per second by {@code benchmark[batchSize]}. */
  static Map<String, Object> run() throws RunnerException {
    String[] providers =
        Arrays.stream(Ed25519Provider.values())
            .filter(Ed25519Provider::available)
            .map(Enum::name)
            .toArray(String[]::new);
    Options opts =
        new OptionsBuilder()
            .include(SigningBenchmarks.class.getName())
            .include(Ed25519Benchmarks.class.getName())
            .param("provider", providers)
            .warmupIterations(1)
            .warmupTime(TimeValue.seconds(1))
            .measurementIterations(2)
            .measurementTime(TimeValue.seconds(1))
            .timeUnit(TimeUnit.SECONDS)
            .forks(1)
            .jvmArgsAppend("-Xmx512m")
            .build();
    Collection<RunResult> results = new Runner(opts).run();
    Map<String, Object> out = new LinkedHashMap<>();
    for (RunResult r : results) {
      String name = r.getParams().getBenchmark();
      name = name.substring(name.lastIndexOf('.') + 1);
      String key = name;
      for (String p : List.of("batchSize", "provider", "messageBytes")) {
        String v = r.getParams().getParam(p);
        key = v == null ? key : key + "[" + p + "=" + v + "]";
      }
      out.put(key + " ops/s", Math.round(r.getPrimaryResult().getScore()));
    }
    return out;
  }
}
