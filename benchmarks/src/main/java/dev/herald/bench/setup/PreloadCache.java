package dev.herald.bench.setup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.herald.producer.simulator.Simulator;
import dev.herald.schema.truth.ExpectedAlert;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a preloaded broker on disk so that later harness runs, of another build or with other JVM
 * options, measure the very same input: the same signed batches at the same offsets, the same
 * ground truth. Without it every run preloads afresh, and the simulator's batching depends on the
 * machine's timing (the same 1.28 M reports have come in 88 k to 128 k batches), which moves the
 * cost per report by more than most changes being measured.
 *
 * <p>One directory per plan under the cache root, named after the plan ({@link #keyOf}):
 *
 * <ul>
 *   <li>{@code broker/}: the broker's data directory, copied after a clean shutdown;
 *   <li>{@code truth.jsonl}: the injected faults, one {@link ExpectedAlert} per line;
 *   <li>{@code preload.json}: the plan, the simulator's summary, the truth line count and when the
 *       preload was made — written last, so a directory without it is never used.
 * </ul>
 *
 * <p>Every run restores a fresh copy of {@code broker/}; the saved one is never written to. An
 * entry older than {@link #MAX_AGE} is made again: the input topic keeps records for 7 days, and an
 * older copy would lose its oldest segments at start-up.
 *
 * <pre>{@code
 * PreloadCache cache = new PreloadCache(Path.of("/var/tmp/herald-preloads"));
 * try (PreloadCache.Opened o = cache.open(workDir, Preload.Plan.of(200_000, false))) {
 *   BenchEnvironment env = o.env();
 *   List<ExpectedAlert> truth = o.preload().truth();
 * }
 * }</pre>
 */
public final class PreloadCache {
  private static final Logger LOG = LoggerFactory.getLogger(PreloadCache.class);
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final int FORMAT = 1;

  /** Older entries are preloaded again (the input topic's retention is 7 days). */
  public static final Duration MAX_AGE = Duration.ofDays(6);

  static final String MANIFEST = "preload.json";
  static final String BROKER = "broker";
  static final String TRUTH = "truth.jsonl";

  private final Path root;
  private final Clock clock;

  public PreloadCache(Path root) {
    this(root, Clock.systemUTC());
  }

  PreloadCache(Path root, Clock clock) {
    this.root = root.toAbsolutePath();
    this.clock = clock;
  }

  /**
   * A running environment holding the plan's traffic, and what the preload wrote.
   *
   * @param env the broker and registry (close it when done)
   * @param preload the simulator's summary, the ground truth and the scenario
   * @param fromCache whether the traffic came from the cache (false: preloaded by this call)
   * @param entry the cache directory of the plan
   * @param created when the preload was made
   */
  public record Opened(
      BenchEnvironment env, Preload.Result preload, boolean fromCache, Path entry, Instant created)
      implements AutoCloseable {
    @Override
    public void close() {
      env.close();
    }
  }

  /** The directory name of a plan: every field of it, so no two plans share an entry. */
  public static String keyOf(Preload.Plan plan) {
    return String.format(
        Locale.ROOT,
        "events-%d_%s_accounts-%d_faults-%s_rate-%s_seed-%d",
        plan.events(),
        plan.batchOfOne() ? "batch-1" : "default",
        plan.accounts(),
        plan.faultRate(),
        plan.rate(),
        plan.seed());
  }

  /**
   * The plan's environment: a copy of the cached broker when the cache holds a usable entry for the
   * plan; otherwise preloads on a fresh broker under {@code workParent}, saves it, and starts from
   * the saved copy (so a first run measures a restored broker, like every later one).
   */
  public Opened open(Path workParent, Preload.Plan plan) throws IOException {
    try {
      Files.createDirectories(root);
    } catch (IOException e) {
      throw new IOException(
          "cannot use "
              + root
              + " as the preload cache ("
              + e.getClass().getSimpleName()
              + (e.getMessage() == null || e.getMessage().equals(root.toString())
                  ? ""
                  : ": " + e.getMessage())
              + "); give --preload-cache a directory this user can create and write",
          e);
    }
    if (!Files.isWritable(root)) {
      throw new IOException(
          "cannot use "
              + root
              + " as the preload cache: not writable; give --preload-cache a directory this user"
              + " can write");
    }
    Path entry = root.resolve(keyOf(plan));
    Cached cached = read(entry, plan);
    if (cached == null) {
      if (Files.exists(entry)) {
        deleteTree(entry);
      }
      cached = make(workParent, plan, entry);
    } else {
      LOG.info(
          "preload from cache entry={} created={} reports={}",
          entry,
          cached.created,
          cached.summary.reportsSent());
    }
    BenchEnvironment env = BenchEnvironment.startFrom(workParent, entry.resolve(BROKER));
    return new Opened(
        env,
        new Preload.Result(cached.summary, cached.truth, plan.scenario()),
        cached.fromCache,
        entry,
        cached.created);
  }

  private record Cached(
      Simulator.Summary summary, List<ExpectedAlert> truth, Instant created, boolean fromCache) {}

  /** The entry's contents, or null (with the reason logged) when it is missing or unusable. */
  private Cached read(Path entry, Preload.Plan plan) throws IOException {
    Path manifest = entry.resolve(MANIFEST);
    if (!Files.isRegularFile(manifest)) {
      LOG.info("preload cache has no entry for this plan yet entry={}", entry);
      return null;
    }
    JsonNode m;
    try {
      m = JSON.readTree(manifest.toFile());
    } catch (IOException e) {
      LOG.warn(
          "preload cache entry unreadable, preloading again entry={} error={}",
          entry,
          e.toString());
      return null;
    }
    // compared as text: a number read back may be of another node type than the one written
    if (m.path("format").asInt() != FORMAT
        || !JSON.writeValueAsString(m.path("plan"))
            .equals(JSON.writeValueAsString(planJson(plan)))) {
      LOG.warn(
          "preload cache entry is of another format or plan, preloading again entry={}", entry);
      return null;
    }
    try {
      return readContents(entry, m);
    } catch (IOException | RuntimeException e) {
      // the manifest parsed but what it says or the truth beside it does not: as damaged
      LOG.warn(
          "preload cache entry is damaged, preloading again entry={} error={}",
          entry,
          e.toString());
      return null;
    }
  }

  /** The rest of {@link #read}: throws when a field or truth line cannot be parsed. */
  private Cached readContents(Path entry, JsonNode m) throws IOException {
    Instant created = Instant.parse(m.path("created").asText());
    Duration age = Duration.between(created, clock.instant());
    if (age.compareTo(MAX_AGE) > 0) {
      LOG.warn(
          "preload cache entry is {} h old; entries are remade after {} h, as the input topic"
              + " keeps records for 7 days; preloading again entry={}",
          age.toHours(),
          MAX_AGE.toHours(),
          entry);
      return null;
    }
    List<ExpectedAlert> truth = new ArrayList<>();
    for (String line : Files.readAllLines(entry.resolve(TRUTH), StandardCharsets.UTF_8)) {
      if (!line.isBlank()) {
        truth.add(ExpectedAlert.fromJson(line));
      }
    }
    if (truth.size() != m.path("truthLines").asInt(-1)
        || !Files.isDirectory(entry.resolve(BROKER))) {
      LOG.warn("preload cache entry is incomplete, preloading again entry={}", entry);
      return null;
    }
    JsonNode s = m.path("summary");
    Simulator.Summary summary =
        new Simulator.Summary(
            s.path("events").asLong(),
            s.path("faults").asLong(),
            s.path("planned").asInt(),
            s.path("deferrals").asLong(),
            s.path("reportsSent").asLong(),
            s.path("reportsFailed").asLong(),
            Duration.ofMillis(s.path("elapsedMillis").asLong()));
    return new Cached(summary, List.copyOf(truth), created, true);
  }

  /** Preloads on a fresh broker and saves it as {@code entry}, manifest last. */
  private Cached make(Path workParent, Preload.Plan plan, Path entry) throws IOException {
    Path staging = Files.createTempDirectory(root, keyOf(plan) + ".making-");
    try {
      Preload.Result result;
      try (BenchEnvironment env = BenchEnvironment.start(workParent)) {
        result = Preload.run(env, plan, staging.resolve(TRUTH));
        env.saveBrokerTo(staging.resolve(BROKER));
      }
      List<ExpectedAlert> truth = result.truth();
      // the simulator appends as it goes; the file must hold exactly the truth returned
      List<String> lines = new ArrayList<>();
      for (ExpectedAlert e : truth) {
        lines.add(e.toJson());
      }
      Files.write(staging.resolve(TRUTH), lines, StandardCharsets.UTF_8);
      Instant created = clock.instant();
      ObjectNode m = JSON.createObjectNode();
      m.put("format", FORMAT);
      m.set("plan", planJson(plan));
      m.put("created", created.toString());
      Simulator.Summary r = result.summary();
      // as read back from the manifest: the elapsed time in whole milliseconds
      Simulator.Summary s =
          new Simulator.Summary(
              r.events(),
              r.faults(),
              r.planned(),
              r.deferrals(),
              r.reportsSent(),
              r.reportsFailed(),
              Duration.ofMillis(r.elapsed().toMillis()));
      ObjectNode sj = m.putObject("summary");
      sj.put("events", s.events());
      sj.put("faults", s.faults());
      sj.put("planned", s.planned());
      sj.put("deferrals", s.deferrals());
      sj.put("reportsSent", s.reportsSent());
      sj.put("reportsFailed", s.reportsFailed());
      sj.put("elapsedMillis", s.elapsed().toMillis());
      m.put("truthLines", truth.size());
      JSON.writeValue(staging.resolve(MANIFEST).toFile(), m);
      Files.move(staging, entry, StandardCopyOption.ATOMIC_MOVE);
      LOG.info("preload saved to cache entry={} reports={}", entry, s.reportsSent());
      return new Cached(s, truth, created, false);
    } catch (IOException | RuntimeException e) {
      deleteTree(staging);
      throw e;
    }
  }

  private static JsonNode planJson(Preload.Plan plan) {
    ObjectNode p = JSON.createObjectNode();
    p.put("events", plan.events());
    p.put("batchOfOne", plan.batchOfOne());
    p.put("faultRate", plan.faultRate());
    p.put("rate", plan.rate());
    p.put("seed", plan.seed());
    p.put("accounts", plan.accounts());
    return p;
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
  }
}
