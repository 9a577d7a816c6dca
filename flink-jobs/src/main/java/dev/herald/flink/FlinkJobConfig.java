package dev.herald.flink;

import dev.herald.flink.io.RegistrySpec;
import java.io.Serializable;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Settings of the availability and risk jobs, validated when built.
 *
 * <table>
 *   <caption>Keys (command-line {@code --key value} of {@link HeraldFlinkMain})</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>bootstrap-server</td><td>(required)</td><td>Kafka bootstrap servers</td></tr>
 *   <tr><td>schema-registry-url (or registry)</td><td>(required)</td><td>{@code http(s)://...} or
 *       {@code preloaded:}</td></tr>
 *   <tr><td>window</td><td>1m</td><td>tumbling availability window</td></tr>
 *   <tr><td>silence</td><td>15s</td><td>heartbeat silence after which a node is down (3 × the
 *       default 5 s interval)</td></tr>
 *   <tr><td>out-of-orderness</td><td>5s</td><td>bounded out-of-orderness of the watermark</td></tr>
 *   <tr><td>idleness</td><td>30s</td><td>a partition without records for this long stops holding
 *       the watermark back</td></tr>
 *   <tr><td>forget-after</td><td>24h</td><td>silence after which a node's state is dropped</td></tr>
 *   <tr><td>slo</td><td>0.999</td><td>availability target of the SLO</td></tr>
 *   <tr><td>risk-slide</td><td>15m</td><td>how often the 24 h and 7 d risk windows advance</td></tr>
 *   <tr><td>checkpoint-interval</td><td>10s</td><td>checkpoints (and so transaction commits)</td></tr>
 *   <tr><td>bounded</td><td>false</td><td>read up to the offsets at start, then finish</td></tr>
 *   <tr><td>id</td><td>herald</td><td>prefix of consumer group and transactional ids</td></tr>
 *   <tr><td>clock-skew</td><td>5s</td><td>a heartbeat's signed event time is clamped to its
 *       Kafka record time ± this; at most out-of-orderness, so no writer moves the watermark past
 *       the time its record was written</td></tr>
 *   <tr><td>registry-refresh</td><td>30s</td><td>how often each task reads new registrations
 *       from herald.nodes.v1 (and at once, at most once a second, for an unknown node)</td></tr>
 *   <tr><td>max-nodes</td><td>100000</td><td>most registered nodes a task holds</td></tr>
 *   <tr><td>max-heartbeats-per-window</td><td>1000</td><td>most heartbeats of one node kept per
 *       window; more are dead letters (RATE_LIMITED)</td></tr>
 *   <tr><td>consistency-within</td><td>5s</td><td>M of the consistency SLO: a version counts as
 *       consistent if every member agreed within this time of its first report</td></tr>
 *   <tr><td>consistency-target</td><td>0.999</td><td>target share of consistent versions</td></tr>
 *   <tr><td>consistency-window</td><td>1m</td><td>tumbling window of the consistency figure</td></tr>
 *   <tr><td>burn-fast</td><td>5m</td><td>short window of the burn-rate alert (a multiple of
 *       consistency-window)</td></tr>
 *   <tr><td>burn-slow</td><td>1h</td><td>long window of the burn-rate alert (a multiple of
 *       consistency-window, at least burn-fast)</td></tr>
 *   <tr><td>burn-threshold</td><td>14.4</td><td>the alert fires when both burn rates reach this
 *       (14.4 over 1 h spends 2 % of a 30-day budget)</td></tr>
 * </table>
 *
 * <pre>{@code
 * FlinkJobConfig config = FlinkJobConfig.builder("localhost:9092", "http://localhost:8081")
 *     .window(Duration.ofMinutes(1)).silence(Duration.ofSeconds(15)).build();
 * }</pre>
 */
public record FlinkJobConfig(
    String bootstrapServers,
    RegistrySpec registry,
    Duration window,
    Duration silence,
    Duration outOfOrderness,
    Duration idleness,
    Duration forgetAfter,
    double sloTarget,
    Duration riskSlide,
    Duration checkpointInterval,
    boolean bounded,
    String id,
    int parallelism,
    HashMap<String, String> kafkaProperties,
    Duration clockSkew,
    Duration registryRefresh,
    int maxNodes,
    int maxHeartbeatsPerWindow,
    Duration consistencyWithin,
    double consistencyTarget,
    Duration consistencyWindow,
    Duration burnFast,
    Duration burnSlow,
    double burnThreshold)
    implements Serializable {

  /** A builder with the defaults of the table above. */
  public static Builder builder(String bootstrapServers, String registry) {
    return new Builder(bootstrapServers, registry);
  }

  /** Builds a config from {@code --key value} arguments; see the class Javadoc for the keys. */
  public static FlinkJobConfig fromArgs(Map<String, String> args) {
    String registry = args.getOrDefault("schema-registry-url", args.get("registry"));
    Builder b = builder(args.get("bootstrap-server"), registry);
    for (Map.Entry<String, String> e : args.entrySet()) {
      String v = e.getValue();
      switch (e.getKey()) {
        case "bootstrap-server", "registry", "schema-registry-url" -> {}
        case "window" -> b.window(parseDuration(e.getKey(), v));
        case "silence" -> b.silence(parseDuration(e.getKey(), v));
        case "out-of-orderness" -> b.outOfOrderness(parseDuration(e.getKey(), v));
        case "idleness" -> b.idleness(parseDuration(e.getKey(), v));
        case "forget-after" -> b.forgetAfter(parseDuration(e.getKey(), v));
        case "risk-slide" -> b.riskSlide(parseDuration(e.getKey(), v));
        case "checkpoint-interval" -> b.checkpointInterval(parseDuration(e.getKey(), v));
        case "slo" -> b.sloTarget(parseDouble(e.getKey(), v));
        case "bounded" -> b.bounded(Boolean.parseBoolean(v));
        case "id" -> b.id(v);
        case "parallelism" -> b.parallelism(parseInt(e.getKey(), v));
        case "clock-skew" -> b.clockSkew(parseDuration(e.getKey(), v));
        case "registry-refresh" -> b.registryRefresh(parseDuration(e.getKey(), v));
        case "max-nodes" -> b.maxNodes(parseInt(e.getKey(), v));
        case "max-heartbeats-per-window" -> b.maxHeartbeatsPerWindow(parseInt(e.getKey(), v));
        case "consistency-within" -> b.consistencyWithin(parseDuration(e.getKey(), v));
        case "consistency-target" -> b.consistencyTarget(parseDouble(e.getKey(), v));
        case "consistency-window" -> b.consistencyWindow(parseDuration(e.getKey(), v));
        case "burn-fast" -> b.burnFast(parseDuration(e.getKey(), v));
        case "burn-slow" -> b.burnSlow(parseDuration(e.getKey(), v));
        case "burn-threshold" -> b.burnThreshold(parseDouble(e.getKey(), v));
        default -> {
          if (e.getKey().startsWith("kafka.")) {
            b.kafkaProperty(e.getKey().substring("kafka.".length()), v);
          } else {
            throw new IllegalArgumentException(
                "unknown option --"
                    + e.getKey()
                    + "; known: bootstrap-server, schema-registry-url (or registry), window, silence, out-of-orderness,"
                    + " idleness, forget-after, risk-slide, checkpoint-interval, slo, bounded, id,"
                    + " parallelism, clock-skew, registry-refresh, max-nodes,"
                    + " max-heartbeats-per-window, consistency-within, consistency-target,"
                    + " consistency-window, burn-fast, burn-slow, burn-threshold,"
                    + " kafka.<client property>");
          }
        }
      }
    }
    return b.build();
  }

  private static int parseInt(String key, String text) {
    try {
      return Integer.parseInt(text.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " '" + text + "' is not a whole number, e.g. 4");
    }
  }

  private static double parseDouble(String key, String text) {
    try {
      return Double.parseDouble(text.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " '" + text + "' is not a number, e.g. 0.999");
    }
  }

  /** A duration as this class parses it: {@code 500ms}, {@code 15s}, {@code 1m}, {@code 24h}. */
  static String text(Duration d) {
    long ms = d.toMillis();
    if (ms % 86_400_000 == 0 && ms != 0) {
      return ms / 86_400_000 + "d";
    } else if (ms % 3_600_000 == 0 && ms != 0) {
      return ms / 3_600_000 + "h";
    } else if (ms % 60_000 == 0 && ms != 0) {
      return ms / 60_000 + "m";
    } else if (ms % 1_000 == 0) {
      return ms / 1_000 + "s";
    }
    return ms + "ms";
  }

  /** Parses {@code 500ms}, {@code 15s}, {@code 1m}, {@code 24h}, {@code 7d}. */
  public static Duration parseDuration(String key, String text) {
    if (text != null) {
      var m = Pattern.compile("(\\d+)(ms|s|m|h|d)").matcher(text.trim());
      if (m.matches()) {
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
          case "ms" -> Duration.ofMillis(n);
          case "s" -> Duration.ofSeconds(n);
          case "m" -> Duration.ofMinutes(n);
          case "h" -> Duration.ofHours(n);
          default -> Duration.ofDays(n);
        };
      }
    }
    throw new IllegalArgumentException(
        key + " '" + text + "' is not a duration; use e.g. 500ms, 15s, 1m, 24h or 7d");
  }

  /** Builder of {@link FlinkJobConfig}. */
  public static final class Builder {
    private final String bootstrapServers;
    private final String registry;
    private Duration window = Duration.ofMinutes(1);
    private Duration silence = Duration.ofSeconds(15);
    private Duration outOfOrderness = Duration.ofSeconds(5);
    private Duration idleness = Duration.ofSeconds(30);
    private Duration forgetAfter = Duration.ofHours(24);
    private double sloTarget = 0.999;
    private Duration riskSlide = Duration.ofMinutes(15);
    private Duration checkpointInterval = Duration.ofSeconds(10);
    private boolean bounded;
    private String id = "herald";
    private int parallelism = 1;
    private final HashMap<String, String> kafkaProperties = new HashMap<>();
    private Duration clockSkew = Duration.ofSeconds(5);
    private Duration registryRefresh = Duration.ofSeconds(30);
    private int maxNodes = 100_000;
    private int maxHeartbeatsPerWindow = 1_000;
    private Duration consistencyWithin = Duration.ofSeconds(5);
    private double consistencyTarget = 0.999;
    private Duration consistencyWindow = Duration.ofMinutes(1);
    private Duration burnFast = Duration.ofMinutes(5);
    private Duration burnSlow = Duration.ofHours(1);
    private double burnThreshold = 14.4;

    private Builder(String bootstrapServers, String registry) {
      this.bootstrapServers = bootstrapServers;
      this.registry = registry;
    }

    public Builder window(Duration d) {
      window = d;
      return this;
    }

    public Builder silence(Duration d) {
      silence = d;
      return this;
    }

    public Builder outOfOrderness(Duration d) {
      outOfOrderness = d;
      return this;
    }

    public Builder idleness(Duration d) {
      idleness = d;
      return this;
    }

    public Builder forgetAfter(Duration d) {
      forgetAfter = d;
      return this;
    }

    public Builder sloTarget(double target) {
      sloTarget = target;
      return this;
    }

    public Builder riskSlide(Duration d) {
      riskSlide = d;
      return this;
    }

    public Builder checkpointInterval(Duration d) {
      checkpointInterval = d;
      return this;
    }

    public Builder bounded(boolean b) {
      bounded = b;
      return this;
    }

    public Builder id(String prefix) {
      id = prefix;
      return this;
    }

    public Builder parallelism(int p) {
      parallelism = p;
      return this;
    }

    /** Heartbeat event time is clamped to the Kafka record time ± this. */
    public Builder clockSkew(Duration d) {
      clockSkew = d;
      return this;
    }

    /** How often each task reads new registrations. */
    public Builder registryRefresh(Duration d) {
      registryRefresh = d;
      return this;
    }

    /** Most registered nodes a task holds. */
    public Builder maxNodes(int n) {
      maxNodes = n;
      return this;
    }

    /** Most heartbeats of one node kept per window. */
    public Builder maxHeartbeatsPerWindow(int n) {
      maxHeartbeatsPerWindow = n;
      return this;
    }

    /** M of the consistency SLO: every member agreed within this time of the first report. */
    public Builder consistencyWithin(Duration d) {
      consistencyWithin = d;
      return this;
    }

    /** Target share of versions agreed by every member within M, e.g. 0.999. */
    public Builder consistencyTarget(double target) {
      consistencyTarget = target;
      return this;
    }

    /** Tumbling window of the consistency figure. */
    public Builder consistencyWindow(Duration d) {
      consistencyWindow = d;
      return this;
    }

    /** Short window of the burn-rate alert. */
    public Builder burnFast(Duration d) {
      burnFast = d;
      return this;
    }

    /** Long window of the burn-rate alert. */
    public Builder burnSlow(Duration d) {
      burnSlow = d;
      return this;
    }

    /** Burn rate both windows must reach for the alert. */
    public Builder burnThreshold(double threshold) {
      burnThreshold = threshold;
      return this;
    }

    /** A Kafka client property (security settings, e.g. {@code security.protocol}). */
    public Builder kafkaProperty(String key, String value) {
      kafkaProperties.put(key, value);
      return this;
    }

    /** Validates and builds; the message names the key and what is allowed. */
    public FlinkJobConfig build() {
      if (bootstrapServers == null || bootstrapServers.isBlank()) {
        throw new IllegalArgumentException("bootstrap-server is required, e.g. localhost:9092");
      }
      if (registry == null) {
        throw new IllegalArgumentException(
            "registry is required: http(s)://host:port or " + RegistrySpec.PRELOADED);
      }
      positive("window", window);
      positive("silence", silence);
      positive("idleness", idleness);
      positive("risk-slide", riskSlide);
      positive("checkpoint-interval", checkpointInterval);
      if (outOfOrderness.isNegative()) {
        throw new IllegalArgumentException("out-of-orderness must be >= 0");
      }
      if (forgetAfter.compareTo(silence) < 0) {
        throw new IllegalArgumentException("forget-after must be >= silence");
      }
      if (!(sloTarget > 0 && sloTarget < 1)) {
        throw new IllegalArgumentException("slo must be in (0, 1), e.g. 0.999; got " + sloTarget);
      }
      positive("registry-refresh", registryRefresh);
      if (clockSkew == null || clockSkew.isNegative() || clockSkew.compareTo(outOfOrderness) > 0) {
        throw new IllegalArgumentException(
            "clock-skew must be >= 0 and at most out-of-orderness ("
                + text(outOfOrderness)
                + "), else a writer could move event time past its record's time; got "
                + (clockSkew == null ? null : text(clockSkew)));
      }
      if (maxNodes < 1) {
        throw new IllegalArgumentException("max-nodes must be >= 1, got " + maxNodes);
      }
      if (maxHeartbeatsPerWindow < 1) {
        throw new IllegalArgumentException(
            "max-heartbeats-per-window must be >= 1, got " + maxHeartbeatsPerWindow);
      }
      if (parallelism < 1) {
        throw new IllegalArgumentException("parallelism must be >= 1");
      }
      if (Duration.ofHours(24).toMillis() % riskSlide.toMillis() != 0
          || riskSlide.toMillis() % window.toMillis() != 0) {
        throw new IllegalArgumentException(
            "risk-slide must divide 24h and be a multiple of window; got " + riskSlide);
      }
      positive("consistency-within", consistencyWithin);
      positive("consistency-window", consistencyWindow);
      positive("burn-fast", burnFast);
      positive("burn-slow", burnSlow);
      if (!(consistencyTarget > 0 && consistencyTarget < 1)) {
        throw new IllegalArgumentException(
            "consistency-target must be in (0, 1), e.g. 0.999; got " + consistencyTarget);
      }
      if (!(burnThreshold > 0) || Double.isInfinite(burnThreshold)) {
        throw new IllegalArgumentException(
            "burn-threshold must be a positive number, e.g. 14.4; got " + burnThreshold);
      }
      if (burnFast.toMillis() % consistencyWindow.toMillis() != 0
          || burnSlow.toMillis() % consistencyWindow.toMillis() != 0
          || burnFast.compareTo(burnSlow) > 0) {
        throw new IllegalArgumentException(
            "burn-fast and burn-slow must be multiples of consistency-window ("
                + text(consistencyWindow)
                + ") and burn-fast at most burn-slow; got burn-fast "
                + text(burnFast)
                + ", burn-slow "
                + text(burnSlow));
      }
      return new FlinkJobConfig(
          bootstrapServers,
          RegistrySpec.parse(registry),
          window,
          silence,
          outOfOrderness,
          idleness,
          forgetAfter,
          sloTarget,
          riskSlide,
          checkpointInterval,
          bounded,
          id,
          parallelism,
          new HashMap<>(kafkaProperties),
          clockSkew,
          registryRefresh,
          maxNodes,
          maxHeartbeatsPerWindow,
          consistencyWithin,
          consistencyTarget,
          consistencyWindow,
          burnFast,
          burnSlow,
          burnThreshold);
    }

    private static void positive(String key, Duration d) {
      if (d == null || d.isZero() || d.isNegative()) {
        throw new IllegalArgumentException(key + " must be a positive duration, got " + d);
      }
    }
  }
}
