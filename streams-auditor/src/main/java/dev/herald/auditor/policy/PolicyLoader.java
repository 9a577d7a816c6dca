package dev.herald.auditor.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.herald.schema.AlertType;
import dev.herald.schema.Severity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and validates the auditor policy (YAML). Every problem is a {@link PolicyException} naming
 * the key, the value and the reason; unknown keys are refused so a typo never silently falls back
 * to a default. See {@code docs/policy.md}.
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
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");
  private static final Set<String> TOP_KEYS =
      Set.of("defaults", "groups", "limits", "time", "alerts", "claims", "state");
  private static final Set<String> GROUP_KEYS =
      Set.of(
          "quorum",
          "reportGrace",
          "heartbeat",
          "rateBudget",
          "requireSignatures",
          "severity",
          "resolveAfter",
          "consistency");

  private PolicyLoader() {}

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
    JsonNode root;
    try {
      root = YAML.readTree(yaml);
    } catch (JsonProcessingException e) {
      throw new PolicyException(
          "line " + e.getLocation().getLineNr(),
          null,
          "is not valid YAML: " + e.getOriginalMessage());
    }
    if (root == null || root.isNull() || root.isMissingNode()) {
      return AuditPolicy.DEFAULT;
    }
    requireObject(root, "(root)");
    checkKeys(root, "", TOP_KEYS);
    GroupPolicy defaults = group(root.get("defaults"), "defaults", GroupPolicy.DEFAULTS);
    Map<String, GroupPolicy> groups = new HashMap<>();
    JsonNode groupsNode = root.get("groups");
    if (groupsNode != null && !groupsNode.isNull()) {
      requireObject(groupsNode, "groups");
      for (Iterator<Map.Entry<String, JsonNode>> it = groupsNode.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (e.getKey().isBlank()) {
          throw new PolicyException("groups", "", "a group name must not be blank");
        }
        groups.put(e.getKey(), group(e.getValue(), "groups." + e.getKey(), defaults));
      }
    }
    int maxRecordBytes = AuditPolicy.DEFAULT_MAX_RECORD_BYTES;
    JsonNode limits = root.get("limits");
    if (limits != null && !limits.isNull()) {
      requireObject(limits, "limits");
      checkKeys(limits, "limits.", Set.of("maxRecordBytes"));
      if (limits.has("maxRecordBytes")) {
        maxRecordBytes = positiveInt(limits.get("maxRecordBytes"), "limits.maxRecordBytes");
      }
    }
    Duration skew = AuditPolicy.DEFAULT_CLOCK_SKEW;
    Duration rotationGrace = AuditPolicy.DEFAULT_KEY_ROTATION_GRACE;
    JsonNode time = root.get("time");
    if (time != null && !time.isNull()) {
      requireObject(time, "time");
      checkKeys(time, "time.", Set.of("clockSkew", "keyRotationGrace"));
      if (time.has("clockSkew")) {
        skew = duration(time.get("clockSkew"), "time.clockSkew");
      }
      if (time.has("keyRotationGrace")) {
        rotationGrace = duration(time.get("keyRotationGrace"), "time.keyRotationGrace");
      }
    }
    Duration updateInterval = AuditPolicy.DEFAULT_UPDATE_INTERVAL;
    JsonNode alerts = root.get("alerts");
    if (alerts != null && !alerts.isNull()) {
      requireObject(alerts, "alerts");
      checkKeys(alerts, "alerts.", Set.of("updateInterval"));
      if (alerts.has("updateInterval")) {
        updateInterval = duration(alerts.get("updateInterval"), "alerts.updateInterval");
      }
    }
    return new AuditPolicy(
        defaults,
        groups,
        maxRecordBytes,
        skew,
        rotationGrace,
        updateInterval,
        claims(root),
        statePolicy(root.get("state")));
  }

  private static ClaimsPolicy claims(JsonNode root) {
    JsonNode claims = root.get("claims");
    if (claims == null || claims.isNull()) {
      return ClaimsPolicy.DEFAULT;
    }
    requireObject(claims, "claims");
    checkKeys(claims, "claims.", Set.of("retention", "maxPerNode"));
    Duration retention = ClaimsPolicy.DEFAULT_RETENTION;
    if (claims.has("retention")) {
      retention = duration(claims.get("retention"), "claims.retention");
      if (retention.isZero()) {
        throw new PolicyException(
            "claims.retention",
            claims.get("retention").asText(),
            "must be longer than zero, e.g. 168h");
      }
    }
    int maxPerNode = ClaimsPolicy.DEFAULT_MAX_PER_NODE;
    if (claims.has("maxPerNode")) {
      maxPerNode = positiveInt(claims.get("maxPerNode"), "claims.maxPerNode");
    }
    return new ClaimsPolicy(retention, maxPerNode);
  }

  private static StatePolicy statePolicy(JsonNode node) {
    StatePolicy d = StatePolicy.DEFAULT;
    if (node == null || node.isNull()) {
      return d;
    }
    requireObject(node, "state");
    checkKeys(node, "state.", Set.of("entityTtl", "residueTtl", "maxOpenEntitiesPerNode"));
    Duration ttl =
        node.has("entityTtl") ? duration(node.get("entityTtl"), "state.entityTtl") : d.entityTtl();
    if (ttl.isZero()) {
      throw new PolicyException("state.entityTtl", node.get("entityTtl").asText(), "must be > 0");
    }
    Duration residue =
        node.has("residueTtl")
            ? duration(node.get("residueTtl"), "state.residueTtl")
            : (ttl.compareTo(d.residueTtl()) > 0 ? ttl : d.residueTtl());
    if (residue.compareTo(ttl) < 0) {
      throw new PolicyException(
          "state.residueTtl",
          node.get("residueTtl").asText(),
          "must be at least state.entityTtl (" + ttl + ")");
    }
    int quota =
        node.has("maxOpenEntitiesPerNode")
            ? positiveInt(node.get("maxOpenEntitiesPerNode"), "state.maxOpenEntitiesPerNode")
            : d.maxOpenEntitiesPerNode();
    return new StatePolicy(ttl, residue, quota);
  }

  private static GroupPolicy group(JsonNode node, String path, GroupPolicy base) {
    if (node == null || node.isNull()) {
      return base;
    }
    requireObject(node, path);
    checkKeys(node, path + ".", GROUP_KEYS);
    int quorum = base.quorum();
    if (node.has("quorum")) {
      JsonNode q = node.get("quorum");
      if (q.isTextual() && q.asText().equals("majority")) {
        quorum = 0;
      } else {
        quorum = positiveInt(q, path + ".quorum", "is not 'majority' or a positive integer");
      }
    }
    Duration grace =
        node.has("reportGrace")
            ? duration(node.get("reportGrace"), path + ".reportGrace")
            : base.reportGrace();
    Duration silence = base.silenceThreshold();
    JsonNode hb = node.get("heartbeat");
    if (hb != null && !hb.isNull()) {
      requireObject(hb, path + ".heartbeat");
      checkKeys(hb, path + ".heartbeat.", Set.of("silenceThreshold"));
      if (hb.has("silenceThreshold")) {
        silence = duration(hb.get("silenceThreshold"), path + ".heartbeat.silenceThreshold");
      }
    }
    double rate = base.reportsPerSecond();
    double burst = base.burst();
    int inFlight = base.maxInFlightVersions();
    JsonNode rb = node.get("rateBudget");
    if (rb != null && !rb.isNull()) {
      requireObject(rb, path + ".rateBudget");
      checkKeys(
          rb, path + ".rateBudget.", Set.of("reportsPerSecond", "burst", "maxInFlightVersions"));
      if (rb.has("reportsPerSecond")) {
        rate = positiveInt(rb.get("reportsPerSecond"), path + ".rateBudget.reportsPerSecond");
      }
      if (rb.has("burst")) {
        burst = positiveInt(rb.get("burst"), path + ".rateBudget.burst");
      }
      if (rb.has("maxInFlightVersions")) {
        inFlight =
            positiveInt(rb.get("maxInFlightVersions"), path + ".rateBudget.maxInFlightVersions");
      }
    }
    boolean signatures = base.requireSignatures();
    if (node.has("requireSignatures") && !path.equals("defaults")) {
      // read from defaults only: a per-group value would be silently ignored, so it is refused
      throw new PolicyException(
          path + ".requireSignatures",
          node.get("requireSignatures").asText(),
          "is read from defaults only; move it to defaults.requireSignatures");
    }
    if (node.has("requireSignatures")) {
      JsonNode s = node.get("requireSignatures");
      if (!s.isBoolean()) {
        throw new PolicyException(path + ".requireSignatures", s.asText(), "is not true or false");
      }
      signatures = s.asBoolean();
    }
    Map<AlertType, Severity> severities = new EnumMap<>(AlertType.class);
    severities.putAll(base.severities());
    JsonNode sev = node.get("severity");
    if (sev != null && !sev.isNull()) {
      requireObject(sev, path + ".severity");
      for (Iterator<Map.Entry<String, JsonNode>> it = sev.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        AlertType type = enumValue(AlertType.class, e.getKey(), path + ".severity");
        Severity s =
            enumValue(Severity.class, e.getValue().asText(), path + ".severity." + e.getKey());
        severities.put(type, s);
      }
    }
    Map<AlertType, Duration> resolveAfter = new EnumMap<>(AlertType.class);
    resolveAfter.putAll(base.resolveAfter());
    JsonNode quiet = node.get("resolveAfter");
    if (quiet != null && !quiet.isNull()) {
      requireObject(quiet, path + ".resolveAfter");
      for (Iterator<Map.Entry<String, JsonNode>> it = quiet.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        AlertType type = enumValue(AlertType.class, e.getKey(), path + ".resolveAfter");
        String key = path + ".resolveAfter." + e.getKey();
        if (e.getValue().isTextual() && e.getValue().asText().equals("never")) {
          resolveAfter.remove(type);
        } else if (type == AlertType.NODE_SILENT) {
          throw new PolicyException(
              key,
              e.getValue().asText(),
              "NODE_SILENT resolves when the node's heartbeat returns, never by quiet; use 'never'"
                  + " or leave it out");
        } else {
          Duration d = duration(e.getValue(), key);
          if (d.isZero()) {
            throw new PolicyException(key, "0", "must be longer than zero, or 'never'");
          }
          resolveAfter.put(type, d);
        }
      }
    }
    GroupPolicy.Consistency consistency = consistency(node.get("consistency"), path, base);
    if (grace.isZero()) {
      throw new PolicyException(path + ".reportGrace", "0", "must be longer than zero");
    }
    if (burst < 1) {
      throw new PolicyException(path + ".rateBudget.burst", String.valueOf(burst), "must be >= 1");
    }
    return new GroupPolicy(
        quorum,
        grace,
        silence,
        rate,
        burst,
        inFlight,
        signatures,
        severities,
        resolveAfter,
        consistency);
  }

  private static GroupPolicy.Consistency consistency(JsonNode node, String path, GroupPolicy base) {
    GroupPolicy.Consistency c = base.consistency();
    if (node == null || node.isNull()) {
      return c;
    }
    requireObject(node, path + ".consistency");
    checkKeys(node, path + ".consistency.", Set.of("within", "target"));
    Duration within = c.within();
    if (node.has("within")) {
      within = duration(node.get("within"), path + ".consistency.within");
      if (within.isZero()) {
        throw new PolicyException(path + ".consistency.within", "0", "must be longer than zero");
      }
    }
    double target = c.target();
    if (node.has("target")) {
      JsonNode t = node.get("target");
      if (!t.isNumber() || !(t.asDouble() > 0 && t.asDouble() < 1)) {
        throw new PolicyException(
            path + ".consistency.target",
            t.asText(),
            "is not a share strictly between 0 and 1; write e.g. 0.999 for three nines");
      }
      target = t.asDouble();
    }
    return new GroupPolicy.Consistency(within, target);
  }

  private static void requireObject(JsonNode node, String path) {
    if (!node.isObject()) {
      throw new PolicyException(path, node.asText(), "must be a mapping of keys to values");
    }
  }

  private static void checkKeys(JsonNode node, String prefix, Set<String> allowed) {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!allowed.contains(key)) {
        throw new PolicyException(
            prefix + key,
            null,
            "is not a policy key; allowed: "
                + String.join(", ", allowed.stream().sorted().toList()));
      }
    }
  }

  private static int positiveInt(JsonNode node, String path) {
    return positiveInt(node, path, "is not a positive integer");
  }

  private static int positiveInt(JsonNode node, String path, String reason) {
    if (!node.canConvertToInt() || !node.isIntegralNumber() || node.asInt() <= 0) {
      throw new PolicyException(path, node.asText(), reason);
    }
    return node.asInt();
  }

  private static Duration duration(JsonNode node, String path) {
    Matcher m = DURATION.matcher(node.asText().trim());
    if (!node.isTextual() || !m.matches()) {
      throw new PolicyException(
          path, node.asText(), "is not a duration; write e.g. 500ms, 2s, 1m or 1h");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      default -> Duration.ofHours(n);
    };
  }

  private static <E extends Enum<E>> E enumValue(Class<E> type, String text, String path) {
    try {
      return Enum.valueOf(type, text);
    } catch (IllegalArgumentException e) {
      throw new PolicyException(
          path,
          text,
          "is not one of " + Arrays.toString(type.getEnumConstants()).replaceAll("[\\[\\]]", ""));
    }
  }
}
