package dev.herald.auditor.topology;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The auditor's Prometheus-style counters ({@code herald_} prefix, {@code _total} suffix once
 * rendered; labels never carry node or entity ids).
 */
final class AuditorMetrics {
  private final MeterRegistry registry;

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
      registry.counter("herald_entities_evicted").increment(n);
    }
  }

  void residuesExpired(int n) {
    if (n > 0) {
      registry.counter("herald_entity_residues_expired").increment(n);
    }
  }

  void batch(String outcome) {
    registry.counter("herald_batches", "outcome", outcome).increment();
  }

  void reports(String outcome, int n) {
    if (n > 0) {
      registry.counter("herald_reports", "outcome", outcome).increment(n);
    }
  }

  void deadLetter(String reason) {
    registry.counter("herald_dead_letters", "reason", reason).increment();
  }

  void heartbeat(String outcome) {
    registry.counter("herald_heartbeats", "outcome", outcome).increment();
  }

  void alert(String type, String status) {
    registry.counter("herald_alerts_emitted", "type", type, "status", status).increment();
  }

  void versionsClosed(int n) {
    if (n > 0) {
      registry.counter("herald_versions_closed").increment(n);
    }
  }

  /** Claims the claims store stopped keeping ({@code reason}: retention or cap). */
  void claimsDropped(String reason, int n) {
    if (n > 0) {
      registry.counter("herald_claims_dropped", "reason", reason).increment(n);
    }
  }
}
