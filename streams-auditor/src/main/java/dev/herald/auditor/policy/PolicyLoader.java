package dev.herald.auditor.policy;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.herald.schema.AlertType;
import dev.herald.schema.Severity;
import dev.herald.schema.config.ConfigProblem;
import dev.herald.schema.config.ConfigReader;
import dev.herald.schema.config.ConfigReader.Durations;
import dev.herald.schema.config.ConfigReader.PositiveDuration;
import dev.herald.schema.config.ConfigReader.PositiveInt;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads and validates the auditor policy (YAML). Every problem is a {@link PolicyException} naming
 * the line, the key, the value and the reason; unknown keys are refused so a typo never silently
 * falls back to a default. See {@code docs/policy.md}.
 *
 * <pre>{@code
 * AuditPolicy policy = PolicyLoader.parse("""
 *     defaults:
 *       reportGrace: 2s
 *     groups:
 *       payments:
 *         quorum: 2
 *     """);
 * }</pre>
 */
public final class PolicyLoader {
  private static final ObjectMapper YAML = ConfigReader.strict(YAMLMapper.builder()).build();

  private PolicyLoader() {}

  /** The policy file as written; absent keys are null. */
  record PolicyFile(
      GroupFile defaults,
      Map<String, GroupFile> groups,
      Limits limits,
      Time time,
      Alerts alerts,
      Claims claims,
      State state) {}

  record GroupFile(
      @JsonDeserialize(using = Quorum.class) Integer quorum,
      @JsonDeserialize(using = PositiveDuration.class) Duration reportGrace,
      Heartbeat heartbeat,
      RateBudget rateBudget,
      Boolean requireSignatures,
      Map<AlertType, Severity> severity,
      @JsonDeserialize(contentUsing = QuietPeriod.class) Map<AlertType, Duration> resolveAfter,
      Consistency consistency) {}

  record Heartbeat(@JsonDeserialize(using = Durations.class) Duration silenceThreshold) {}

  record RateBudget(
      @JsonDeserialize(using = PositiveInt.class) Integer reportsPerSecond,
      @JsonDeserialize(using = PositiveInt.class) Integer burst,
      @JsonDeserialize(using = PositiveInt.class) Integer maxInFlightVersions) {}

  record Consistency(
      @JsonDeserialize(using = PositiveDuration.class) Duration within,
      @JsonDeserialize(using = Share.class) Double target) {}

  record Limits(@JsonDeserialize(using = PositiveInt.class) Integer maxRecordBytes) {}

  record Time(
      @JsonDeserialize(using = Durations.class) Duration clockSkew,
      @JsonDeserialize(using = Durations.class) Duration keyRotationGrace) {}

  record Alerts(@JsonDeserialize(using = Durations.class) Duration updateInterval) {}

  record Claims(
      @JsonDeserialize(using = PositiveDuration.class) Duration retention,
      @JsonDeserialize(using = PositiveInt.class) Integer maxPerNode) {}

  record State(
      @JsonDeserialize(using = PositiveDuration.class) Duration entityTtl,
      @JsonDeserialize(using = Durations.class) Duration residueTtl,
      @JsonDeserialize(using = PositiveInt.class) Integer maxOpenEntitiesPerNode) {}

  /** Loads a policy file. */
  public static AuditPolicy load(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new PolicyException("file", file.toString(), "cannot be read: " + e.getMessage());
    }
    return parse(text);
  }

  /** Parses policy YAML; an empty document is the default policy. */
  public static AuditPolicy parse(String yaml) {
    try {
      PolicyFile f = ConfigReader.read(YAML, yaml, PolicyFile.class);
      return f == null ? AuditPolicy.DEFAULT : policy(f);
    } catch (ConfigProblem p) {
      throw new PolicyException(ConfigReader.locate(YAML, yaml, p));
    }
  }

  private static AuditPolicy policy(PolicyFile f) {
    GroupPolicy defaults = group(f.defaults(), "defaults", GroupPolicy.DEFAULTS);
    Map<String, GroupPolicy> groups = new HashMap<>();
    if (f.groups() != null) {
      f.groups()
          .forEach(
              (name, g) -> {
                if (name.isBlank()) {
                  throw new ConfigProblem("groups", "", "a group name must not be blank");
                }
                groups.put(name, group(g, "groups." + name, defaults));
              });
    }
    Limits limits = f.limits() != null ? f.limits() : new Limits(null);
    Time time = f.time() != null ? f.time() : new Time(null, null);
    Alerts alerts = f.alerts() != null ? f.alerts() : new Alerts(null);
    return new AuditPolicy(
        defaults,
        groups,
        or(limits.maxRecordBytes(), AuditPolicy.DEFAULT_MAX_RECORD_BYTES),
        or(time.clockSkew(), AuditPolicy.DEFAULT_CLOCK_SKEW),
        or(time.keyRotationGrace(), AuditPolicy.DEFAULT_KEY_ROTATION_GRACE),
        or(alerts.updateInterval(), AuditPolicy.DEFAULT_UPDATE_INTERVAL),
        f.claims() == null
            ? ClaimsPolicy.DEFAULT
            : new ClaimsPolicy(
                or(f.claims().retention(), ClaimsPolicy.DEFAULT_RETENTION),
                or(f.claims().maxPerNode(), ClaimsPolicy.DEFAULT_MAX_PER_NODE)),
        statePolicy(f.state()));
  }

  private static StatePolicy statePolicy(State s) {
    StatePolicy d = StatePolicy.DEFAULT;
    if (s == null) {
      return d;
    }
    Duration ttl = or(s.entityTtl(), d.entityTtl());
    Duration residue =
        s.residueTtl() != null
            ? s.residueTtl()
            : (ttl.compareTo(d.residueTtl()) > 0 ? ttl : d.residueTtl());
    if (residue.compareTo(ttl) < 0) {
      throw new ConfigProblem(
          "state.residueTtl",
          ConfigReader.format(residue),
          "must be at least state.entityTtl (" + ConfigReader.format(ttl) + ")");
    }
    return new StatePolicy(
        ttl, residue, or(s.maxOpenEntitiesPerNode(), d.maxOpenEntitiesPerNode()));
  }

  private static GroupPolicy group(GroupFile g, String path, GroupPolicy base) {
    if (g == null) {
      return base;
    }
    if (g.requireSignatures() != null && !path.equals("defaults")) {
      // read from defaults only: a per-group value would be silently ignored, so it is refused
      throw new ConfigProblem(
          path + ".requireSignatures",
          g.requireSignatures().toString(),
          "is read from defaults only; move it to defaults.requireSignatures");
    }
    RateBudget rb = g.rateBudget() != null ? g.rateBudget() : new RateBudget(null, null, null);
    Map<AlertType, Severity> severities = new EnumMap<>(AlertType.class);
    severities.putAll(base.severities());
    if (g.severity() != null) {
      severities.putAll(g.severity());
    }
    Map<AlertType, Duration> resolveAfter = new EnumMap<>(AlertType.class);
    resolveAfter.putAll(base.resolveAfter());
    if (g.resolveAfter() != null) {
      g.resolveAfter()
          .forEach(
              (type, quiet) -> {
                if (quiet == null) { // never
                  resolveAfter.remove(type);
                } else {
                  resolveAfter.put(type, quiet);
                }
              });
    }
    GroupPolicy.Consistency c = base.consistency();
    if (g.consistency() != null) {
      c =
          new GroupPolicy.Consistency(
              or(g.consistency().within(), c.within()), or(g.consistency().target(), c.target()));
    }
    return new GroupPolicy(
        or(g.quorum(), base.quorum()),
        or(g.reportGrace(), base.reportGrace()),
        g.heartbeat() == null
            ? base.silenceThreshold()
            : or(g.heartbeat().silenceThreshold(), base.silenceThreshold()),
        rb.reportsPerSecond() != null ? rb.reportsPerSecond() : base.reportsPerSecond(),
        rb.burst() != null ? rb.burst() : base.burst(),
        or(rb.maxInFlightVersions(), base.maxInFlightVersions()),
        or(g.requireSignatures(), base.requireSignatures()),
        severities,
        resolveAfter,
        c);
  }

  private static <T> T or(T value, T otherwise) {
    return value != null ? value : otherwise;
  }

  /** {@code majority} (read as 0) or a positive integer. */
  static final class Quorum extends JsonDeserializer<Integer> {
    @Override
    public Integer deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      if (p.currentToken() == JsonToken.VALUE_STRING && p.getText().equals("majority")) {
        return 0;
      }
      if (p.currentToken() != JsonToken.VALUE_NUMBER_INT
          || p.getNumberType() != JsonParser.NumberType.INT
          || p.getIntValue() <= 0) {
        throw ConfigReader.bad(p, p.getText(), "is not 'majority' or a positive integer");
      }
      return p.getIntValue();
    }
  }

  /** A number strictly between 0 and 1. */
  static final class Share extends JsonDeserializer<Double> {
    @Override
    public Double deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      if (!p.currentToken().isNumeric() || !(p.getDoubleValue() > 0 && p.getDoubleValue() < 1)) {
        throw ConfigReader.bad(
            p,
            p.getText(),
            "is not a share strictly between 0 and 1; write e.g. 0.999 for three nines");
      }
      return p.getDoubleValue();
    }
  }

  /** {@code resolveAfter.<TYPE>}: a duration > 0, or {@code never} (read as null). */
  static final class QuietPeriod extends JsonDeserializer<Duration> {
    private final Durations durations = new Durations();

    @Override
    public Duration deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      if (p.currentToken() == JsonToken.VALUE_STRING && p.getText().equals("never")) {
        return null;
      }
      if (AlertType.NODE_SILENT.name().equals(p.currentName())) {
        throw ConfigReader.bad(
            p,
            p.getText(),
            "NODE_SILENT resolves when the node's heartbeat returns, never by quiet; use 'never'"
                + " or leave it out");
      }
      Duration d = durations.deserialize(p, ctxt);
      if (d.isZero()) {
        throw ConfigReader.bad(p, p.getText(), "must be longer than zero, or 'never'");
      }
      return d;
    }
  }
}
