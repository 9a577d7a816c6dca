package dev.herald.auditor.topology;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * The auditor's Prometheus-style counters ({@code herald_} prefix, {@code _total} suffix once
 * rendered; labels never carry node or entity ids).
 */
final class AuditorMetrics {
  private final MeterRegistry registry;

  AuditorMetrics(MeterRegistry registry) {
    this.registry = registry;
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
