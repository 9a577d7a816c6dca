package dev.herald.auditor.topology;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The auditor's Prometheus-style counters ({@code herald_} prefix, {@code _total} suffix once
 * rendered; labels never carry node or entity ids). Counted several times per batch, so each
 * counter is looked up in the registry once and kept (the registry's lookup builds its id, tags and
 * a hash every call: ≈ 3 % of the stream thread in stage c).
 */
final class AuditorMetrics {
  private final MeterRegistry registry;

  /** Counters by name and label value (every counter here has at most one label). */
  private final Map<String, Map<String, Counter>> counters = new ConcurrentHashMap<>();

  /** Entities held per partition task of this instance (herald_entities). */
  private final Map<String, Long> entities = new ConcurrentHashMap<>();

  private volatile boolean entityGauge;

  AuditorMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** The entity count of task {@code task} (negative: the task left this instance). */
  void entities(String task, long n) {
    if (!entityGauge) {
      synchronized (this) {
        if (!entityGauge) {
          // registered by the topology that reports entities (not the identity one)
          Gauge.builder(
                  "herald_entities",
                  entities,
                  m -> m.values().stream().mapToLong(Long::longValue).sum())
              .description("entities held in herald-entities by this instance's tasks")
              .strongReference(true)
              .register(registry);
          entityGauge = true;
        }
      }
    }
    if (n < 0) {
      entities.remove(task);
    } else {
      entities.put(task, n);
    }
  }

  void entitiesEvicted(int n) {
    if (n > 0) {
      counter("herald_entities_evicted", null, null).increment(n);
    }
  }

  void residuesExpired(int n) {
    if (n > 0) {
      counter("herald_entity_residues_expired", null, null).increment(n);
    }
  }

  void batch(String outcome) {
    counter("herald_batches", "outcome", outcome).increment();
  }

  void reports(String outcome, int n) {
    if (n > 0) {
      counter("herald_reports", "outcome", outcome).increment(n);
    }
  }

  void deadLetter(String reason) {
    counter("herald_dead_letters", "reason", reason).increment();
  }

  void heartbeat(String outcome) {
    counter("herald_heartbeats", "outcome", outcome).increment();
  }

  void alert(String type, String status) {
    registry.counter("herald_alerts_emitted", "type", type, "status", status).increment();
  }

  void versionsClosed(int n) {
    if (n > 0) {
      counter("herald_versions_closed", null, null).increment(n);
    }
  }

  /** Claims the claims store stopped keeping ({@code reason}: retention or cap). */
  void claimsDropped(String reason, int n) {
    if (n > 0) {
      counter("herald_claims_dropped", "reason", reason).increment(n);
    }
  }

  /** The counter {@code name} with label {@code label}={@code value} (none when label is null). */
  private Counter counter(String name, String label, String value) {
    return counters
        .computeIfAbsent(name, n -> new ConcurrentHashMap<>())
        .computeIfAbsent(
            value == null ? "" : value,
            v -> label == null ? registry.counter(name) : registry.counter(name, label, v));
  }
}
