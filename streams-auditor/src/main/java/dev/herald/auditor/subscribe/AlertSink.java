package dev.herald.auditor.subscribe;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.herald.auditor.api.AlertJson;
import dev.herald.schema.AlertStatus;
import dev.herald.schema.AuditAlert;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.time.Instant;
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
 *       detail, entity and nodes. {@code startsAt} is the detection time; an active alert says
 *       {@code endsAt} = now + {@link Subscription#activeFor()} and is posted again every {@link
 *       Subscription#resendInterval()} ({@link AlertmanagerResender}), as Alertmanager expects of
 *       its clients (an alert not re-sent ends by itself); a RESOLVED one says {@code endsAt} =
 *       now, which resolves it at once.
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

  /** Herald's JSON to a webhook URL ({@code "test": true} on a {@code herald alerts test}). */
  static AlertSink webhook(Subscription s) {
    return alert -> {
      Map<String, Object> body = AlertJson.toJson(alert, false);
      if (TestAlerts.isTest(alert)) {
        body.put("test", true);
      }
      return base(s, s.url(), body)
          .header("Idempotency-Key", alert.getAlertId() + ":" + alert.getStatus())
          .header("X-Herald-Alert-Id", alert.getAlertId())
          .build();
    };
  }

  /** Prometheus Alertmanager's {@code POST /api/v2/alerts}. */
  static AlertSink alertmanager(Subscription s) {
    return alert ->
        alertmanagerPost(s, List.of(postableAlert(alert, Instant.now(), s.activeFor())));
  }

  /** One {@code POST /api/v2/alerts} of {@code postable} alerts to subscription {@code s}. */
  static HttpRequest alertmanagerPost(Subscription s, List<Map<String, Object>> postable) {
    String base = s.url().toString().replaceAll("/+$", "");
    return base(s, URI.create(base + "/api/v2/alerts"), postable).build();
  }

  /**
   * One Alertmanager postable alert for {@code alert} at {@code now}: active ones end at {@code now
   * + activeFor} unless posted again, RESOLVED ones end at {@code now}.
   */
  static Map<String, Object> postableAlert(AuditAlert a, Instant now, Duration activeFor) {
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
    out.put(
        "endsAt", (a.getStatus() == AlertStatus.RESOLVED ? now : now.plus(activeFor)).toString());
    if (TestAlerts.isTest(a)) {
      labels.put("alertname", "HeraldTest");
      labels.put("test", "true");
    }
    return out;
  }

  /**
   * The dead-man's switch: {@code HeraldWatchdog}, always firing while this auditor instance is
   * alive and healthy. Route it to a receiver that pages when it stops (e.g. a heartbeat service,
   * or an inhibition-free "deadman" route); {@code severity="none"} keeps it off normal routes.
   */
  static Map<String, Object> watchdogAlert(
      String instance, Instant since, Instant now, Duration activeFor) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("alertname", "HeraldWatchdog");
    labels.put("severity", "none");
    labels.put("type", "WATCHDOG");
    labels.put("instance", instance);
    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put(
        "summary",
        "Herald auditor " + instance + " is alive: this alert always fires while it runs");
    annotations.put(
        "description",
        "A dead-man's switch. If it stops firing, the auditor is down, unhealthy or cannot reach"
            + " Alertmanager, and no Herald alert would reach you either.");
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("labels", labels);
    out.put("annotations", annotations);
    out.put("startsAt", since.toString());
    out.put("endsAt", now.plus(activeFor).toString());
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
