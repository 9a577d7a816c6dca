package dev.herald.auditor.subscribe;

import dev.herald.schema.AuditAlert;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers one alert to one subscription, retrying with exponential backoff (initial, doubling,
 * capped) until the receiver answers 2xx. A 4xx other than 408 and 429 is a permanent refusal: it
 * is counted as {@code rejected} and not retried. Metrics: {@code
 * herald_subscription_deliveries_total{subscription,outcome}} and {@code
 * herald_subscription_delivery_failures_total{subscription}} (one per failed attempt).
 *
 * <pre>{@code
 * var delivery = new AlertDelivery(subscription, HttpClient.newHttpClient(), meters);
 * AlertDelivery.Outcome o = delivery.deliver(alert, () -> running, () -> {});
 * }</pre>
 */
public final class AlertDelivery {
  private static final Logger LOG = LoggerFactory.getLogger(AlertDelivery.class);

  /** How a delivery ended. */
  public enum Outcome {
    DELIVERED,
    REJECTED,
    ABORTED
  }

  private final Subscription subscription;
  private final AlertSink sink;
  private final HttpClient http;
  private final Counter delivered;
  private final Counter rejected;
  private final Counter failures;

  public AlertDelivery(Subscription subscription, HttpClient http, MeterRegistry meters) {
    this.subscription = subscription;
    this.sink = AlertSink.forSubscription(subscription);
    this.http = http;
    this.delivered = outcome(meters, "delivered");
    this.rejected = outcome(meters, "rejected");
    this.failures =
        Counter.builder("herald.subscription.delivery.failures")
            .description("Failed delivery attempts (each is retried with backoff)")
            .tag("subscription", subscription.name())
            .register(meters);
  }

  private Counter outcome(MeterRegistry meters, String outcome) {
    return Counter.builder("herald.subscription.deliveries")
        .description("Alert deliveries to subscriptions, by outcome")
        .tag("subscription", subscription.name())
        .tag("outcome", outcome)
        .register(meters);
  }

  /**
   * Delivers {@code alert}; retries while {@code running} holds, calling {@code whileWaiting} about
   * every 100 ms during backoff (the caller keeps its Kafka consumer alive there).
   */
  public Outcome deliver(AuditAlert alert, BooleanSupplier running, Runnable whileWaiting) {
    Duration backoff = subscription.initialBackoff();
    int attempt = 0;
    while (running.getAsBoolean()) {
      attempt++;
      String problem;
      try {
        HttpResponse<String> r =
            http.send(sink.request(alert), HttpResponse.BodyHandlers.ofString());
        int status = r.statusCode();
        if (status >= 200 && status < 300) {
          delivered.increment();
          if (attempt > 1) {
            LOG.info(
                "subscription delivered after retries subscription={} alertId={} attempts={}",
                subscription.name(),
                alert.getAlertId(),
                attempt);
          }
          return Outcome.DELIVERED;
        }
        if (status >= 400 && status < 500 && status != 408 && status != 429) {
          rejected.increment();
          LOG.warn(
              "subscription rejected alert subscription={} alertId={} status={} body={}",
              subscription.name(),
              alert.getAlertId(),
              status,
              abbreviate(r.body()));
          return Outcome.REJECTED;
        }
        problem = "HTTP " + status;
      } catch (IOException e) {
        problem =
            e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Outcome.ABORTED;
      }
      failures.increment();
      LOG.warn(
          "subscription delivery failed, will retry subscription={} alertId={} attempt={} backoffMs={}: {}",
          subscription.name(),
          alert.getAlertId(),
          attempt,
          backoff.toMillis(),
          problem);
      if (!waitFor(backoff, running, whileWaiting)) {
        return Outcome.ABORTED;
      }
      backoff = backoff.multipliedBy(2);
      if (backoff.compareTo(subscription.maxBackoff()) > 0) {
        backoff = subscription.maxBackoff();
      }
    }
    return Outcome.ABORTED;
  }

  private static boolean waitFor(Duration d, BooleanSupplier running, Runnable whileWaiting) {
    long until = System.nanoTime() + d.toNanos();
    while (System.nanoTime() < until) {
      if (!running.getAsBoolean()) {
        return false;
      }
      whileWaiting.run();
      try {
        Thread.sleep(Math.max(1, Math.min(100, (until - System.nanoTime()) / 1_000_000)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return running.getAsBoolean();
  }

  private static String abbreviate(String s) {
    return s == null ? "" : s.length() > 200 ? s.substring(0, 200) + "…" : s;
  }
}
