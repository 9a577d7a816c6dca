package dev.herald.auditor.subscribe;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.herald.auditor.api.AlertJson;
import dev.herald.schema.AlertStatus;
import dev.herald.schema.AuditAlert;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns an alert into the HTTP request of one subscription kind.
 *
 * <ul>
 *   <li>{@link Subscription.Kind#WEBHOOK}: {@code POST url} with the alert's JSON (as {@code GET
 *       /api/alerts/{id}} returns it, without evidence bytes), header {@code Idempotency-Key:
 *       <alertId>:<status>} and {@code X-Herald-Alert-Id}, so a receiver drops redelivered
 *       duplicates and still sees the RESOLVED after the OPEN.
 *   <li>{@link Subscription.Kind#ALERTMANAGER}: {@code POST url/api/v2/alerts} with one postable
 *       alert: labels {@code alertname} (e.g. {@code HeraldEquivocation}), {@code severity}, {@code
 *       group}, {@code type} and {@code alert_id} (Alertmanager identifies an alert by its label
 *       set; without the id two alerts of one type and group would merge), annotations with the
 *       detail, entity and nodes; OPEN sets {@code startsAt}, RESOLVED sets {@code endsAt}.
 * </ul>
 *
 * <pre>{@code
 * HttpRequest request = AlertSink.forSubscription(subscription).request(alert);
 * }</pre>
 */
public interface AlertSink {
  ObjectMapper JSON = new ObjectMapper();

  HttpRequest request(AuditAlert alert);

  /** The sink of a subscription's kind. */
  static AlertSink forSubscription(Subscription s) {
    return s.kind() == Subscription.Kind.ALERTMANAGER ? alertmanager(s) : webhook(s);
  }

  /** Herald's JSON to a webhook URL. */
  static AlertSink webhook(Subscription s) {
    return alert -> {
      Map<String, Object> body = AlertJson.toJson(alert, false);
      return base(s, s.url(), body)
          .header("Idempotency-Key", alert.getAlertId() + ":" + alert.getStatus())
          .header("X-Herald-Alert-Id", alert.getAlertId())
          .build();
    };
  }

  /** Prometheus Alertmanager's {@code POST /api/v2/alerts}. */
  static AlertSink alertmanager(Subscription s) {
    String base = s.url().toString().replaceAll("/+$", "");
    URI endpoint = URI.create(base + "/api/v2/alerts");
    return alert -> base(s, endpoint, List.of(postableAlert(alert))).build();
  }

  /** One Alertmanager postable alert for {@code alert}. */
  static Map<String, Object> postableAlert(AuditAlert a) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("alertname", alertName(a));
    labels.put("severity", a.getSeverity().name().toLowerCase(Locale.ROOT));
    labels.put("group", a.getGroup());
    labels.put("type", a.getType().name());
    labels.put("alert_id", a.getAlertId());
    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put(
        "summary",
        a.getType()
            + " in group '"
            + a.getGroup()
            + "'"
            + (a.getNodes().isEmpty() ? "" : " blaming " + String.join(", ", a.getNodes())));
    annotations.put("description", a.getDetail());
    if (a.getEntityKey() != null) {
      annotations.put(
          "entity", a.getEntityKey() + (a.getVersion() == null ? "" : " v" + a.getVersion()));
    }
    annotations.put("nodes", String.join(",", a.getNodes()));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("labels", labels);
    out.put("annotations", annotations);
    out.put("startsAt", a.getDetectedAt().toString());
    if (a.getStatus() == AlertStatus.RESOLVED) {
      out.put(
          "endsAt", (a.getResolvedAt() != null ? a.getResolvedAt() : a.getDetectedAt()).toString());
    }
    return out;
  }

  /**
   * {@code HeraldEquivocation} for {@code EQUIVOCATION}, {@code HeraldNoQuorum} for {@code
   * NO_QUORUM}.
   */
  static String alertName(AuditAlert a) {
    StringBuilder sb = new StringBuilder("Herald");
    for (String part : a.getType().name().split("_")) {
      sb.append(part.charAt(0)).append(part.substring(1).toLowerCase(Locale.ROOT));
    }
    return sb.toString();
  }

  private static HttpRequest.Builder base(Subscription s, URI uri, Object body) {
    byte[] bytes;
    try {
      bytes = JSON.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode an alert as JSON", e);
    }
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri)
            .timeout(Duration.ofSeconds(10))
            .header("Content-Type", "application/json")
            .header("User-Agent", "herald-auditor")
            .POST(HttpRequest.BodyPublishers.ofByteArray(bytes));
    s.headers().forEach(b::header);
    return b;
  }
}
