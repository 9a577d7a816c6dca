package dev.herald.auditor.subscribe;

import dev.herald.schema.AlertStatus;
import dev.herald.schema.AuditAlert;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps Alertmanager's view current, as Alertmanager expects of a client: every {@link
 * Subscription#resendInterval()} it posts again every active Herald alert that matches the
 * subscription ({@code endsAt} = now + {@link Subscription#activeFor()}), every alert resolved
 * within that time ({@code endsAt} = now, so a resolution delivered by another instance, or lost,
 * still arrives), and the always-firing {@code HeraldWatchdog} of this instance while {@code
 * healthy} holds. Alertmanager de-duplicates by label set, so posting again is idempotent, and
 * several auditor instances may all post.
 *
 * <p>The alerts come from the API's alert view (fed from {@code herald.alerts.v1} since its start),
 * so a restarted auditor re-sends what is active without waiting for a change.
 *
 * <pre>{@code
 * var resender = new AlertmanagerResender(subscription, http, alertView::all, healthy,
 *     "auditor-0:8080", meters, Clock.systemUTC());
 * resender.resendOnce();
 * }</pre>
 */
public final class AlertmanagerResender {
  private static final Logger LOG = LoggerFactory.getLogger(AlertmanagerResender.class);
  private static final int MAX_PER_POST = 500;

  private final Subscription subscription;
  private final HttpClient http;
  private final Supplier<? extends Collection<AuditAlert>> alerts;
  private final BooleanSupplier healthy;
  private final String instance;
  private final Clock clock;
  private final Instant since;
  private final Counter posts;
  private final Counter failures;
  private boolean failing;

  public AlertmanagerResender(
      Subscription subscription,
      HttpClient http,
      Supplier<? extends Collection<AuditAlert>> alerts,
      BooleanSupplier healthy,
      String instance,
      MeterRegistry meters,
      Clock clock) {
    if (subscription.kind() != Subscription.Kind.ALERTMANAGER) {
      throw new IllegalArgumentException(subscription.name() + " is not an alertmanager");
    }
    this.subscription = subscription;
    this.http = http;
    this.alerts = alerts;
    this.healthy = healthy;
    this.instance = instance;
    this.clock = clock;
    this.since = clock.instant();
    this.posts =
        Counter.builder("herald.subscription.resends")
            .description("Posts that re-send active alerts (and the watchdog) to Alertmanager")
            .tag("subscription", subscription.name())
            .register(meters);
    this.failures =
        Counter.builder("herald.subscription.resend.failures")
            .description("Re-send posts Alertmanager did not accept (retried next interval)")
            .tag("subscription", subscription.name())
            .register(meters);
  }

  public Subscription subscription() {
    return subscription;
  }

  /** The postable alerts one re-send carries at {@code now}. */
  List<Map<String, Object>> postable(Instant now) {
    Instant resolvedSince = now.minus(subscription.activeFor());
    List<Map<String, Object>> out = new ArrayList<>();
    for (AuditAlert a : alerts.get()) {
      if (!subscription.filter().matches(a)) {
        continue;
      }
      boolean active = a.getStatus() != AlertStatus.RESOLVED;
      boolean recentlyResolved =
          !active && a.getResolvedAt() != null && a.getResolvedAt().isAfter(resolvedSince);
      if (active || recentlyResolved) {
        out.add(AlertSink.postableAlert(a, now, subscription.activeFor()));
      }
    }
    if (subscription.watchdog() && healthy.getAsBoolean()) {
      out.add(AlertSink.watchdogAlert(instance, since, now, subscription.activeFor()));
    }
    return out;
  }

  /** Posts the current set once; a failure is logged (once until it recovers) and counted. */
  public void resendOnce() {
    List<Map<String, Object>> all = postable(clock.instant());
    for (int from = 0; from < all.size(); from += MAX_PER_POST) {
      List<Map<String, Object>> chunk =
          all.subList(from, Math.min(all.size(), from + MAX_PER_POST));
      String problem;
      try {
        HttpResponse<String> r =
            http.send(
                AlertSink.alertmanagerPost(subscription, chunk),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 == 2) {
          posts.increment();
          if (failing) {
            LOG.info("alertmanager re-send recovered subscription={}", subscription.name());
            failing = false;
          }
          continue;
        }
        problem = "HTTP " + r.statusCode() + " " + r.body();
      } catch (IOException e) {
        problem = e.toString();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      failures.increment();
      if (!failing) {
        LOG.warn(
            "alertmanager re-send failed subscription={} url={} alerts={}: {}; retrying every {}",
            subscription.name(),
            subscription.url(),
            chunk.size(),
            problem,
            subscription.resendInterval());
        failing = true;
      }
      return;
    }
  }
}
