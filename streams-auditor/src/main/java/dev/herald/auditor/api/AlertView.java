package dev.herald.auditor.api;

import dev.herald.schema.AlertStatus;
import dev.herald.schema.AuditAlert;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The latest state of every alert on {@code herald.alerts.v1}, in memory and bounded: the record
 * with the same {@code alertId} replaces the earlier one (OPEN then RESOLVED), and when more than
 * {@code capacity} alerts are held the oldest resolved (else the oldest) is evicted.
 *
 * <p>Listeners (SSE, the dashboard feed) hear of every new alert and every change of an existing
 * one; a replayed identical record changes nothing and is not announced.
 *
 * <pre>{@code
 * AlertView alerts = new AlertView(10_000, meterRegistry);
 * alerts.onChange(change -> System.out.println(change.alert().getAlertId()));
 * alerts.apply(alert);
 * AlertView.Page page = alerts.query(AlertQuery.all());
 * }</pre>
 */
public final class AlertView {
  private static final Logger LOG = LoggerFactory.getLogger(AlertView.class);

  /** An alert that is new ({@code previous} null) or changed. */
  public record Change(AuditAlert alert, AuditAlert previous) {
    public boolean isNew() {
      return previous == null;
    }
  }

  /** One page of a query, newest first. */
  public record Page(List<AuditAlert> alerts, int total, int offset, int limit) {}

  /** Open and total alerts that blame one node. */
  public record NodeCounts(int open, int total) {}

  private final int capacity;
  private final LinkedHashMap<String, AuditAlert> byId = new LinkedHashMap<>();
  private final List<Consumer<Change>> listeners = new CopyOnWriteArrayList<>();
  private final MeterRegistry meters;
  private final Timer detectionLatency;
  private final Map<String, AtomicLong> byState = new HashMap<>();

  public AlertView(int capacity, MeterRegistry meters) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1, got " + capacity);
    }
    this.capacity = capacity;
    this.meters = meters;
    this.detectionLatency =
        Timer.builder("herald.detection.latency")
            .description("Time from the first event of an alert to its detection")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(1))
            .maximumExpectedValue(Duration.ofMinutes(10))
            .register(meters);
    Gauge.builder("herald.view.alerts", this, AlertView::size)
        .description("Alerts held by the alert view")
        .register(meters);
  }

  /** Calls {@code listener} for every new or changed alert, on the thread that applies it. */
  public void onChange(Consumer<Change> listener) {
    listeners.add(listener);
  }

  /** Stops calling {@code listener}. */
  public void removeListener(Consumer<Change> listener) {
    listeners.remove(listener);
  }

  /** Records {@code alert}; returns the change, or empty when nothing changed. */
  public Optional<Change> apply(AuditAlert alert) {
    Change change;
    synchronized (this) {
      AuditAlert previous = byId.get(alert.getAlertId());
      if (alert.equals(previous)) {
        return Optional.empty();
      }
      if (previous != null
          && previous.getStatus() == AlertStatus.RESOLVED
          && alert.getStatus() == AlertStatus.OPEN
          && !alert.getDetectedAt().isAfter(previous.getDetectedAt())) {
        // An older OPEN arriving after its RESOLVED (e.g. from another partition) is stale.
        return Optional.empty();
      }
      byId.put(alert.getAlertId(), alert);
      if (previous != null) {
        count(previous, -1);
      }
      count(alert, 1);
      evict();
      change = new Change(alert, previous);
    }
    if (change.isNew() || change.previous().getStatus() != alert.getStatus()) {
      Counter.builder("herald.alerts")
          .description("Alerts seen on herald.alerts.v1, by type, severity and status")
          .tag("type", alert.getType().name())
          .tag("severity", alert.getSeverity().name())
          .tag("status", alert.getStatus().name())
          .register(meters)
          .increment();
    }
    if (change.isNew() && alert.getStatus() == AlertStatus.OPEN) {
      Duration latency = Duration.between(alert.getFirstEventTime(), alert.getDetectedAt());
      if (!latency.isNegative()) {
        detectionLatency.record(latency);
      }
    }
    for (Consumer<Change> listener : listeners) {
      try {
        listener.accept(change);
      } catch (RuntimeException e) {
        LOG.warn("alert listener failed alertId={}: {}", alert.getAlertId(), e.toString());
        LOG.debug("alert listener failure", e);
      }
    }
    return Optional.of(change);
  }

  private void evict() {
    if (byId.size() <= capacity) {
      return;
    }
    Iterator<Map.Entry<String, AuditAlert>> it = byId.entrySet().iterator();
    while (it.hasNext()) {
      AuditAlert a = it.next().getValue();
      if (a.getStatus() == AlertStatus.RESOLVED) {
        it.remove();
        count(a, -1);
        return;
      }
    }
    it = byId.entrySet().iterator();
    count(it.next().getValue(), -1);
    it.remove();
  }

  /**
   * Keeps {@code herald_alerts_current{type,severity,status}}: the alerts the view holds in each
   * state, so a dashboard or a rule can say "open CRITICAL alerts" without a counter's history.
   */
  private void count(AuditAlert a, int delta) {
    String key = a.getType() + "|" + a.getSeverity() + "|" + a.getStatus();
    byState
        .computeIfAbsent(
            key,
            k -> {
              AtomicLong n = new AtomicLong();
              Gauge.builder("herald.alerts.current", n, AtomicLong::get)
                  .description("Alerts held by the view, by type, severity and status")
                  .tag("type", a.getType().name())
                  .tag("severity", a.getSeverity().name())
                  .tag("status", a.getStatus().name())
                  .register(meters);
              return n;
            })
        .addAndGet(delta);
  }

  /** The alert with this id. */
  public synchronized Optional<AuditAlert> get(String alertId) {
    return Optional.ofNullable(byId.get(alertId));
  }

  /** A snapshot of every alert the view holds, in its current state. */
  public synchronized List<AuditAlert> all() {
    return List.copyOf(byId.values());
  }

  public synchronized int size() {
    return byId.size();
  }

  /** The alerts matching {@code query}, newest {@code detectedAt} first, paged. */
  public Page query(AlertQuery query) {
    List<AuditAlert> hits = new ArrayList<>();
    synchronized (this) {
      for (AuditAlert a : byId.values()) {
        if (query.matches(a)) {
          hits.add(a);
        }
      }
    }
    hits.sort(
        Comparator.comparing(AuditAlert::getDetectedAt)
            .reversed()
            .thenComparing(AuditAlert::getAlertId));
    int from = Math.min(query.offset(), hits.size());
    int to = Math.min(from + query.limit(), hits.size());
    return new Page(
        List.copyOf(hits.subList(from, to)), hits.size(), query.offset(), query.limit());
  }

  /** Open and total alert counts per blamed node. */
  public synchronized Map<String, NodeCounts> countsByNode() {
    Map<String, int[]> counts = new HashMap<>();
    for (AuditAlert a : byId.values()) {
      for (String node : a.getNodes()) {
        int[] c = counts.computeIfAbsent(node, n -> new int[2]);
        c[1]++;
        if (a.getStatus() == AlertStatus.OPEN) {
          c[0]++;
        }
      }
    }
    Map<String, NodeCounts> out = new HashMap<>();
    counts.forEach((node, c) -> out.put(node, new NodeCounts(c[0], c[1])));
    return out;
  }

  /** Open alerts of each group (node-level alerts have the empty group). */
  public synchronized Map<String, List<AuditAlert>> openByGroup() {
    Map<String, List<AuditAlert>> out = new TreeMap<>();
    for (AuditAlert a : byId.values()) {
      if (a.getStatus() == AlertStatus.OPEN) {
        out.computeIfAbsent(a.getGroup(), g -> new ArrayList<>()).add(a);
      }
    }
    return out;
  }

  /**
   * Alerts detected per bucket over the last {@code buckets × bucket} before {@code now}, by type:
   * the alert-rate chart's data. Bucket {@code i} starts at {@code start + i × bucket}.
   */
  public synchronized Map<String, long[]> rate(Instant now, Duration bucket, int buckets) {
    Instant start = now.minus(bucket.multipliedBy(buckets));
    Map<String, long[]> out = new TreeMap<>();
    for (AuditAlert a : byId.values()) {
      Instant t = a.getDetectedAt();
      if (t.isBefore(start) || !t.isBefore(now)) {
        continue;
      }
      int i = (int) (Duration.between(start, t).toMillis() / bucket.toMillis());
      out.computeIfAbsent(a.getType().name(), k -> new long[buckets])[i]++;
    }
    return out;
  }
}
