package dev.herald.auditor.subscribe;

import dev.herald.schema.AlertStatus;
import dev.herald.schema.AlertType;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.Severity;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * One alert subscription: where alerts go ({@code url}), in which form ({@code kind}) and which
 * alerts ({@code filter}). Read from YAML by {@link SubscriptionConfig}.
 *
 * <pre>{@code
 * var s = new Subscription("ops", Subscription.Kind.WEBHOOK, URI.create("http://ops/hook"),
 *     Map.of(), Subscription.Filter.ALL, Duration.ofMillis(200), Duration.ofSeconds(30));
 * }</pre>
 *
 * @param name unique name; also the consumer group suffix and the metrics label
 * @param kind webhook (Herald's JSON) or Alertmanager ({@code POST /api/v2/alerts})
 * @param url the webhook URL, or the Alertmanager base URL
 * @param headers extra request headers (e.g. Authorization)
 * @param filter which alerts are delivered
 * @param initialBackoff wait before the first retry; doubles per failed attempt
 * @param maxBackoff cap of the wait between retries
 * @param resendInterval Alertmanager only: how often active alerts are posted again (each post says
 *     {@code endsAt} = now + 4 intervals, so an alert stays firing while the auditor is alive and
 *     ends by itself when it is not)
 * @param watchdog Alertmanager only: also post the always-firing {@code HeraldWatchdog} alert
 */
public record Subscription(
    String name,
    Kind kind,
    URI url,
    Map<String, String> headers,
    Filter filter,
    Duration initialBackoff,
    Duration maxBackoff,
    Duration resendInterval,
    boolean watchdog) {

  /** The default {@link #resendInterval()}: Prometheus re-sends its firing alerts every minute. */
  public static final Duration DEFAULT_RESEND_INTERVAL = Duration.ofMinutes(1);

  /** A subscription with the default re-send interval and the watchdog on. */
  public Subscription(
      String name,
      Kind kind,
      URI url,
      Map<String, String> headers,
      Filter filter,
      Duration initialBackoff,
      Duration maxBackoff) {
    this(
        name,
        kind,
        url,
        headers,
        filter,
        initialBackoff,
        maxBackoff,
        DEFAULT_RESEND_INTERVAL,
        true);
  }

  /** How long one post keeps an alert active in Alertmanager: four re-send intervals. */
  public Duration activeFor() {
    return resendInterval.multipliedBy(4);
  }

  /** The delivery format. */
  public enum Kind {
    WEBHOOK,
    ALERTMANAGER
  }

  /**
   * Which alerts a subscription receives; an empty set means any.
   *
   * @param types alert types
   * @param severities severities
   * @param groups replication groups
   * @param statuses OPEN and/or RESOLVED
   */
  public record Filter(
      Set<AlertType> types,
      Set<Severity> severities,
      Set<String> groups,
      Set<AlertStatus> statuses) {
    public static final Filter ALL = new Filter(Set.of(), Set.of(), Set.of(), Set.of());

    public boolean matches(AuditAlert a) {
      return (types.isEmpty() || types.contains(a.getType()))
          && (severities.isEmpty() || severities.contains(a.getSeverity()))
          && (groups.isEmpty() || groups.contains(a.getGroup()))
          && (statuses.isEmpty() || statuses.contains(a.getStatus()));
    }
  }
}
