package dev.herald.producer.simulator;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.herald.schema.config.ConfigProblem;
import dev.herald.schema.config.ConfigReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the {@link Simulator} runs: the topology, the load, the faults and the auditor policy its
 * ground truth assumes. Read from YAML ({@link #fromYaml}) and/or set with the builder; the CLI
 * flags of {@code herald simulate} override the file.
 *
 * <p>Scenario file format (every key optional; durations as {@code 500ms}, {@code 2s}, {@code 1m}):
 *
 * <pre>{@code
 * seed: 42            # same seed, same operations, same faults, same ground truth
 * groups: 3           # replication groups
 * replicas: 5         # replicas per group
 * entities: 100       # accounts per group
 * rate: 200           # operations (events) per second
 * duration: 60s       # or events: 12000
 * spacing: 3s         # least time between two faults (default grace + 1s)
 * policy:             # what the ground truth assumes of the auditor
 *   grace: 2s
 *   silenceThreshold: 5s
 *   rateBudget: 5000  # reports per second per node (and partition task), token bucket refill
 *   burst: 10000      # token bucket size
 * windows:
 *   lag: 5s           # how long a lagging replica's reports are held back (default 2 x grace + 1s)
 *   silent: 10s       # how long a silent node sends nothing (default 2 x silenceThreshold)
 *   flood: 2s
 *   floodFactor: 3    # the flood sends floodFactor x (burst + rateBudget x flood) copies
 * faults:             # each with count (spread over the run), every (a period) or rate (per event)
 *   - type: divergence
 *     count: 2
 *   - type: lag
 *     every: 30s
 *   - type: malformed
 *     rate: 0.0005
 * }</pre>
 *
 * <p>Fault types: {@link FaultType#names()}. A fault without count, every or rate is injected once.
 */
public final class Scenario {
  /** How often one fault type is injected: exactly one of count, every or rate is set. */
  public record FaultSpec(FaultType type, Integer count, Duration every, Double rate) {
    public FaultSpec {
      int set = (count != null ? 1 : 0) + (every != null ? 1 : 0) + (rate != null ? 1 : 0);
      if (set > 1) {
        throw new IllegalArgumentException(
            "fault " + type.scenarioName() + ": give only one of count, every, rate");
      }
      if (set == 0) {
        count = 1;
      }
      if (count != null && count < 0) {
        throw new IllegalArgumentException("fault " + type.scenarioName() + ": count must be >= 0");
      }
      if (rate != null && (rate < 0 || rate > 1)) {
        throw new IllegalArgumentException(
            "fault " + type.scenarioName() + ": rate is a probability per event, 0..1");
      }
      if (every != null && (every.isZero() || every.isNegative())) {
        throw new IllegalArgumentException("fault " + type.scenarioName() + ": every must be > 0");
      }
    }

    /** Injected {@code count} times. */
    public static FaultSpec count(FaultType type, int count) {
      return new FaultSpec(type, count, null, null);
    }
  }

  private static final ObjectMapper YAML = ConfigReader.strict(YAMLMapper.builder()).build();
  private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)?");

  private final long seed;
  private final int groups;
  private final int replicas;
  private final int entities;
  private final double rate;
  private final Duration duration;
  private final Long events;
  private final Duration spacing;
  private final Duration grace;
  private final Duration silenceThreshold;
  private final double rateBudget;
  private final double burst;
  private final Duration lagWindow;
  private final Duration silentWindow;
  private final Duration floodWindow;
  private final double floodFactor;
  private final List<FaultSpec> faults;

  private Scenario(Builder b) {
    this.seed = b.seed;
    this.groups = b.groups;
    this.replicas = b.replicas;
    this.entities = b.entities;
    this.rate = b.rate;
    this.duration = b.duration;
    this.events = b.events;
    this.grace = b.grace;
    this.silenceThreshold = b.silenceThreshold;
    this.spacing = b.spacing != null ? b.spacing : grace.plusSeconds(1);
    this.rateBudget = b.rateBudget;
    this.burst = b.burst;
    this.lagWindow = b.lagWindow != null ? b.lagWindow : grace.multipliedBy(2).plusSeconds(1);
    this.silentWindow = b.silentWindow != null ? b.silentWindow : silenceThreshold.multipliedBy(2);
    this.floodWindow = b.floodWindow;
    this.floodFactor = b.floodFactor;
    this.faults = List.copyOf(b.faults);
    check(groups >= 1, "groups", "1 or more");
    check(replicas >= 3, "replicas", "3 or more (a fault needs a fault-free majority)");
    check(entities >= 1, "entities", "1 or more");
    check(rate > 0, "rate", "events per second > 0");
    check(rateBudget > 0, "policy.rateBudget", "> 0");
    check(burst >= 1, "policy.burst", ">= 1");
    check(floodFactor > 1, "windows.floodFactor", "> 1");
    check(lagWindow.compareTo(grace) > 0, "windows.lag", "longer than policy.grace");
    check(
        silentWindow.compareTo(silenceThreshold) > 0,
        "windows.silent",
        "longer than policy.silenceThreshold");
    // a fault that can never be injected would hold its round open forever
    check(
        groups >= 2 || faults.stream().noneMatch(f -> f.type() == FaultType.NON_MEMBER),
        "faults",
        "no non-member fault with groups: 1 (it needs a second group to take the outsider from)");
  }

  /**
   * The same scenario in {@code factor} times less wall time: every duration (run, spacing, grace,
   * silence threshold, windows, {@code every}) divided by {@code factor}, the rate and the rate
   * budget multiplied by it. A round has the same events, the same planned faults and the same
   * ground-truth identities; tests use it to play many rounds of a real scenario quickly.
   */
  public Scenario accelerated(double factor) {
    check(factor >= 1, "accelerated factor", "1 or more");
    Builder b = toBuilder();
    b.rate = rate * factor;
    b.rateBudget = rateBudget * factor;
    b.duration = duration == null ? null : faster(duration, factor);
    b.spacing = faster(spacing, factor);
    b.grace = faster(grace, factor);
    b.silenceThreshold = faster(silenceThreshold, factor);
    b.lagWindow = faster(lagWindow, factor);
    b.silentWindow = faster(silentWindow, factor);
    b.floodWindow = faster(floodWindow, factor);
    b.faults =
        new ArrayList<>(
            faults.stream()
                .map(
                    f ->
                        f.every() == null
                            ? f
                            : new FaultSpec(f.type(), null, faster(f.every(), factor), null))
                .toList());
    return b.build();
  }

  private static Duration faster(Duration d, double factor) {
    return Duration.ofNanos(Math.max(1_000_000, Math.round(d.toNanos() / factor)));
  }

  private static void check(boolean ok, String key, String allowed) {
    if (!ok) {
      throw new IllegalArgumentException("invalid scenario key '" + key + "': expected " + allowed);
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this scenario's settings, to override some. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.seed = seed;
    b.groups = groups;
    b.replicas = replicas;
    b.entities = entities;
    b.rate = rate;
    b.duration = duration;
    b.events = events;
    b.spacing = spacing;
    b.grace = grace;
    b.silenceThreshold = silenceThreshold;
    b.rateBudget = rateBudget;
    b.burst = burst;
    b.lagWindow = lagWindow;
    b.silentWindow = silentWindow;
    b.floodWindow = floodWindow;
    b.floodFactor = floodFactor;
    b.faults = new ArrayList<>(faults);
    return b;
  }

  /**
   * The bundled demo scenario ({@code demo-scenario.yaml} beside this class): 3 groups of 5
   * replicas, every kind of fault in every 100-second round; what {@code herald demo} runs.
   */
  public static Scenario demo() {
    try (java.io.InputStream in = Scenario.class.getResourceAsStream("demo-scenario.yaml")) {
      if (in == null) {
        throw new IllegalStateException(
            "demo-scenario.yaml is missing from the classpath (package of " + Scenario.class + ")");
      }
      return fromYaml(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the bundled demo-scenario.yaml", e);
    }
  }

  /** Reads a scenario file. */
  public static Scenario fromFile(Path file) throws IOException {
    try {
      return fromYaml(Files.readString(file));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
  }

  /** The scenario file as written; absent keys are null. */
  record ScenarioFile(
      Long seed,
      Integer groups,
      Integer replicas,
      Integer entities,
      Double rate,
      @JsonDeserialize(using = DurationValue.class) Duration duration,
      Long events,
      @JsonDeserialize(using = DurationValue.class) Duration spacing,
      PolicyPart policy,
      WindowsPart windows,
      @JsonDeserialize(contentUsing = FaultValue.class) List<FaultSpec> faults) {}

  record PolicyPart(
      @JsonDeserialize(using = DurationValue.class) Duration grace,
      @JsonDeserialize(using = DurationValue.class) Duration silenceThreshold,
      Double rateBudget,
      Double burst) {}

  record WindowsPart(
      @JsonDeserialize(using = DurationValue.class) Duration lag,
      @JsonDeserialize(using = DurationValue.class) Duration silent,
      @JsonDeserialize(using = DurationValue.class) Duration flood,
      Double floodFactor) {}

  /** A fault as an object; a bare fault name is read as {@code {type: name}}. */
  record FaultPart(
      @JsonDeserialize(using = FaultTypeValue.class) FaultType type,
      Integer count,
      @JsonDeserialize(using = DurationValue.class) Duration every,
      Double rate) {}

  /** Parses scenario YAML; the message of an error names the line, the key and what is allowed. */
  public static Scenario fromYaml(String yaml) {
    ScenarioFile f;
    try {
      f = ConfigReader.read(YAML, yaml, ScenarioFile.class);
    } catch (ConfigProblem p) {
      throw new IllegalArgumentException("invalid scenario: " + p.getMessage());
    }
    Builder b = builder();
    if (f == null) {
      return b.build();
    }
    set(f.seed(), b::seed);
    set(f.groups(), b::groups);
    set(f.replicas(), b::replicas);
    set(f.entities(), b::entities);
    set(f.rate(), b::rate);
    set(f.duration(), b::duration);
    set(f.events(), b::events);
    set(f.spacing(), b::spacing);
    if (f.policy() != null) {
      set(f.policy().grace(), b::grace);
      set(f.policy().silenceThreshold(), b::silenceThreshold);
      set(f.policy().rateBudget(), b::rateBudget);
      set(f.policy().burst(), b::burst);
    }
    if (f.windows() != null) {
      set(f.windows().lag(), b::lagWindow);
      set(f.windows().silent(), b::silentWindow);
      set(f.windows().flood(), b::floodWindow);
      set(f.windows().floodFactor(), b::floodFactor);
    }
    if (f.faults() != null) {
      f.faults().forEach(b::fault);
    }
    return b.build();
  }

  private static <T> void set(T value, Consumer<T> setter) {
    if (value != null) {
      setter.accept(value);
    }
  }

  /** A duration as {@link #parseDuration} reads it. */
  static final class DurationValue extends JsonDeserializer<Duration> {
    @Override
    public Duration deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      if (!p.currentToken().isScalarValue()) {
        throw ConfigReader.bad(p, null, "is not a duration; use e.g. 500ms, 2s, 1m, 1h");
      }
      try {
        return parseDuration(p.getText());
      } catch (IllegalArgumentException e) {
        throw ConfigReader.bad(p, p.getText(), "is not a duration; use e.g. 500ms, 2s, 1m, 1h");
      }
    }
  }

  static final class FaultTypeValue extends JsonDeserializer<FaultType> {
    @Override
    public FaultType deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      try {
        return FaultType.parse(p.getValueAsString(""));
      } catch (IllegalArgumentException e) {
        throw ConfigReader.bad(
            p,
            p.getText(),
            "is not a fault type; allowed: " + String.join(", ", FaultType.names()));
      }
    }
  }

  /** {@code divergence} or {@code {type: divergence, count|every|rate: ...}}. */
  static final class FaultValue extends JsonDeserializer<FaultSpec> {
    @Override
    public FaultSpec deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      if (p.currentToken() == JsonToken.VALUE_STRING) {
        return FaultSpec.count(new FaultTypeValue().deserialize(p, ctxt), 1);
      }
      FaultPart f = ctxt.readValue(p, FaultPart.class);
      if (f.type() == null) {
        throw ConfigReader.bad(
            p, null, "has no type; allowed: " + String.join(", ", FaultType.names()));
      }
      try {
        return new FaultSpec(f.type(), f.count(), f.every(), f.rate());
      } catch (IllegalArgumentException e) {
        throw ConfigReader.bad(p, null, e.getMessage());
      }
    }
  }

  /** Parses {@code 250ms}, {@code 2s}, {@code 1.5m}, {@code 1h}; a bare number is seconds. */
  public static Duration parseDuration(String text) {
    Matcher m = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a duration; use e.g. 500ms, 2s, 1m, 1h");
    }
    double n = Double.parseDouble(m.group(1));
    String unit = m.group(2) == null ? "s" : m.group(2);
    double millis =
        switch (unit) {
          case "ms" -> n;
          case "s" -> n * 1000;
          case "m" -> n * 60_000;
          default -> n * 3_600_000;
        };
    return Duration.ofMillis(Math.round(millis));
  }

  public long seed() {
    return seed;
  }

  public int groups() {
    return groups;
  }

  public int replicas() {
    return replicas;
  }

  public int entities() {
    return entities;
  }

  /** Operations per second. */
  public double rate() {
    return rate;
  }

  /** Run length, or null when {@link #events()} is given. */
  public Duration duration() {
    return duration;
  }

  /** Operations to run, or null when {@link #duration()} is given. */
  public Long events() {
    return events;
  }

  public Duration spacing() {
    return spacing;
  }

  /** Report grace the ground truth assumes (auditor policy). */
  public Duration grace() {
    return grace;
  }

  /** Heartbeat silence threshold the ground truth assumes (auditor policy). */
  public Duration silenceThreshold() {
    return silenceThreshold;
  }

  /** Per-node rate budget in reports per second the ground truth assumes (auditor policy). */
  public double rateBudget() {
    return rateBudget;
  }

  /** Per-node token bucket size the ground truth assumes (auditor policy). */
  public double burst() {
    return burst;
  }

  /** Copies a flood sends in all: {@code floodFactor × (burst + rateBudget × flood window)}. */
  public long floodCopies() {
    return (long) Math.ceil(floodFactor * (burst + rateBudget * floodWindow.toMillis() / 1000.0));
  }

  public Duration lagWindow() {
    return lagWindow;
  }

  public Duration silentWindow() {
    return silentWindow;
  }

  public Duration floodWindow() {
    return floodWindow;
  }

  public double floodFactor() {
    return floodFactor;
  }

  public List<FaultSpec> faults() {
    return faults;
  }

  /** Replicas that make a quorum: a strict majority. */
  public int quorum() {
    return replicas / 2 + 1;
  }

  /** Builds a {@link Scenario}; defaults as in the class comment. */
  public static final class Builder {
    private long seed = 1;
    private int groups = 3;
    private int replicas = 5;
    private int entities = 100;
    private double rate = 200;
    private Duration duration;
    private Long events;
    private Duration spacing;
    private Duration grace = Duration.ofSeconds(2);
    private Duration silenceThreshold = Duration.ofSeconds(5);
    private double rateBudget = 5000;
    private double burst = 10_000;
    private Duration lagWindow;
    private Duration silentWindow;
    private Duration floodWindow = Duration.ofSeconds(2);
    private double floodFactor = 3;
    private List<FaultSpec> faults = new ArrayList<>();

    private Builder() {}

    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    public Builder groups(int groups) {
      this.groups = groups;
      return this;
    }

    public Builder replicas(int replicas) {
      this.replicas = replicas;
      return this;
    }

    public Builder entities(int entities) {
      this.entities = entities;
      return this;
    }

    public Builder rate(double rate) {
      this.rate = rate;
      return this;
    }

    public Builder duration(Duration duration) {
      this.duration = duration;
      this.events = null;
      return this;
    }

    public Builder events(long events) {
      this.events = events;
      this.duration = null;
      return this;
    }

    public Builder spacing(Duration spacing) {
      this.spacing = spacing;
      return this;
    }

    public Builder grace(Duration grace) {
      this.grace = grace;
      return this;
    }

    public Builder silenceThreshold(Duration silenceThreshold) {
      this.silenceThreshold = silenceThreshold;
      return this;
    }

    public Builder burst(double burst) {
      this.burst = burst;
      return this;
    }

    public Builder rateBudget(double rateBudget) {
      this.rateBudget = rateBudget;
      return this;
    }

    public Builder lagWindow(Duration lagWindow) {
      this.lagWindow = lagWindow;
      return this;
    }

    public Builder silentWindow(Duration silentWindow) {
      this.silentWindow = silentWindow;
      return this;
    }

    public Builder floodWindow(Duration floodWindow) {
      this.floodWindow = floodWindow;
      return this;
    }

    public Builder floodFactor(double floodFactor) {
      this.floodFactor = floodFactor;
      return this;
    }

    /** Adds a fault. */
    public Builder fault(FaultSpec spec) {
      faults.add(spec);
      return this;
    }

    /** Replaces the faults. */
    public Builder faults(List<FaultSpec> specs) {
      this.faults = new ArrayList<>(specs);
      return this;
    }

    /** Every fault type once. */
    public Builder allFaults() {
      List<FaultSpec> all = new ArrayList<>();
      for (FaultType t : FaultType.values()) {
        all.add(FaultSpec.count(t, 1));
      }
      return faults(all);
    }

    public Scenario build() {
      return new Scenario(this);
    }
  }
}
