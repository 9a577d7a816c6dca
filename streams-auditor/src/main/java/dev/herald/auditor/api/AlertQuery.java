package dev.herald.auditor.api;

import dev.herald.schema.AlertStatus;
import dev.herald.schema.AlertType;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.Severity;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Filters and paging of {@code GET /api/alerts} (and the filters of {@code /api/alerts/stream}).
 *
 * <p>Every filter is optional; list filters take comma-separated values ({@code
 * type=EQUIVOCATION,FORK}); times are ISO-8601 instants or epoch milliseconds and bound {@code
 * detectedAt} (from inclusive, to exclusive).
 *
 * <pre>{@code
 * AlertQuery q = AlertQuery.parse(Map.of("type", List.of("EQUIVOCATION"), "limit", List.of("20")));
 * boolean hit = q.matches(alert);
 * }</pre>
 *
 * @param types alert types, empty for any
 * @param severities severities, empty for any
 * @param statuses statuses, empty for any
 * @param group replication group, null for any
 * @param node a node the alert blames, null for any
 * @param from detectedAt lower bound (inclusive), null for none
 * @param to detectedAt upper bound (exclusive), null for none
 * @param offset alerts to skip (newest first)
 * @param limit page size, 1 to {@value #MAX_LIMIT}
 */
public record AlertQuery(
    Set<AlertType> types,
    Set<Severity> severities,
    Set<AlertStatus> statuses,
    String group,
    String node,
    Instant from,
    Instant to,
    int offset,
    int limit) {

  public static final int DEFAULT_LIMIT = 50;
  public static final int MAX_LIMIT = 500;
  private static final Set<String> KNOWN =
      Set.of("type", "severity", "status", "group", "node", "from", "to", "offset", "limit");

  /** A query matching every alert, first page. */
  public static AlertQuery all() {
    return new AlertQuery(Set.of(), Set.of(), Set.of(), null, null, null, null, 0, DEFAULT_LIMIT);
  }

  /**
   * Parses query parameters; throws {@link ApiException} (400) naming the first bad parameter.
   * Unknown parameters are refused too, so a typo never silently returns everything.
   */
  public static AlertQuery parse(Map<String, List<String>> params) {
    for (String name : params.keySet()) {
      if (!KNOWN.contains(name)) {
        throw ApiException.badParameter(
            name,
            "unknown parameter; known: " + String.join(", ", KNOWN.stream().sorted().toList()));
      }
    }
    Set<AlertType> types = enums(params, "type", AlertType.class, AlertType::valueOf);
    Set<Severity> severities = enums(params, "severity", Severity.class, Severity::valueOf);
    Set<AlertStatus> statuses = enums(params, "status", AlertStatus.class, AlertStatus::valueOf);
    Instant from = instant(params, "from");
    Instant to = instant(params, "to");
    if (from != null && to != null && !from.isBefore(to)) {
      throw ApiException.badParameter("to", "must be after 'from' (" + from + "), got " + to);
    }
    int offset = integer(params, "offset", 0, 0, Integer.MAX_VALUE);
    int limit = integer(params, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
    return new AlertQuery(
        types,
        severities,
        statuses,
        text(params, "group"),
        text(params, "node"),
        from,
        to,
        offset,
        limit);
  }

  /** Whether {@code alert} passes the filters (paging aside). */
  public boolean matches(AuditAlert alert) {
    return (types.isEmpty() || types.contains(alert.getType()))
        && (severities.isEmpty() || severities.contains(alert.getSeverity()))
        && (statuses.isEmpty() || statuses.contains(alert.getStatus()))
        && (group == null || group.equals(alert.getGroup()))
        && (node == null || alert.getNodes().contains(node))
        && (from == null || !alert.getDetectedAt().isBefore(from))
        && (to == null || alert.getDetectedAt().isBefore(to));
  }

  private static String single(Map<String, List<String>> params, String name) {
    List<String> values = params.get(name);
    if (values == null || values.isEmpty()) {
      return null;
    }
    if (values.size() > 1) {
      throw ApiException.badParameter(
          name, "given " + values.size() + " times; give it once (lists are comma-separated)");
    }
    String v = values.get(0).trim();
    if (v.isEmpty()) {
      throw ApiException.badParameter(name, "is empty");
    }
    return v;
  }

  private static String text(Map<String, List<String>> params, String name) {
    return single(params, name);
  }

  private static <E extends Enum<E>> Set<E> enums(
      Map<String, List<String>> params, String name, Class<E> type, Function<String, E> valueOf) {
    String raw = single(params, name);
    if (raw == null) {
      return Set.of();
    }
    EnumSet<E> out = EnumSet.noneOf(type);
    for (String part : raw.split(",")) {
      try {
        out.add(valueOf.apply(part.trim().toUpperCase(Locale.ROOT)));
      } catch (IllegalArgumentException e) {
        throw ApiException.badParameter(
            name,
            "'"
                + part.trim()
                + "' is not one of "
                + String.join(
                    ",", Arrays.stream(type.getEnumConstants()).map(Enum::name).toList()));
      }
    }
    return Set.copyOf(out);
  }

  private static Instant instant(Map<String, List<String>> params, String name) {
    String raw = single(params, name);
    if (raw == null) {
      return null;
    }
    if (raw.chars().allMatch(Character::isDigit)) {
      try {
        return Instant.ofEpochMilli(Long.parseLong(raw));
      } catch (NumberFormatException e) {
        throw ApiException.badParameter(name, "epoch milliseconds out of range: " + raw);
      }
    }
    try {
      return Instant.parse(raw);
    } catch (DateTimeParseException e) {
      throw ApiException.badParameter(
          name,
          "'"
              + raw
              + "' is neither an ISO-8601 instant (2026-01-31T12:00:00Z) nor epoch milliseconds");
    }
  }

  /** An integer query parameter in [min, max]; 400 naming it otherwise. */
  static int integer(Map<String, List<String>> params, String name, int dflt, int min, int max) {
    String raw = single(params, name);
    if (raw == null) {
      return dflt;
    }
    try {
      int v = Integer.parseInt(raw);
      if (v < min || v > max) {
        throw ApiException.badParameter(
            name, "must be between " + min + " and " + max + ", got " + v);
      }
      return v;
    } catch (NumberFormatException e) {
      throw ApiException.badParameter(name, "'" + raw + "' is not an integer");
    }
  }
}
