package dev.herald.it.dashboard;

import dev.herald.auditor.HeraldAuditor;
import dev.herald.auditor.api.AlertView;
import dev.herald.auditor.api.AuditorApi;
import dev.herald.auditor.api.AuditorHttpServer;
import dev.herald.auditor.api.EntityStateLookup;
import dev.herald.auditor.policy.AuditPolicy;
import dev.herald.it.support.RunningAuditor;
import dev.herald.schema.registry.SchemaRegistryClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.HostInfo;

/**
 * The auditor's web layer as the auditor runs it ({@link AuditorApi}), on an ephemeral port; with
 * {@link #withAuditor} also the real {@link HeraldAuditor} (both Kafka Streams topologies) next to
 * it, wired as {@code herald auditor --http-port} wires them.
 */
final class AuditorWeb implements AutoCloseable {
  final AuditorApi api;
  final AlertView alerts;
  final MeterRegistry meters;
  final AuditorHttpServer http;
  private final HeraldAuditor auditor;

  /** The API and dashboard over what is in the topics, without an auditor. */
  AuditorWeb(String bootstrapServers, SchemaRegistryClient registry) {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrapServers);
    api = AuditorApi.builder().kafka(props).registry(registry).host("127.0.0.1").port(0).start();
    alerts = api.alerts();
    meters = api.meters();
    http = api.http();
    auditor = null;
  }

  private AuditorWeb(AuditorApi api, HeraldAuditor auditor) {
    this.api = api;
    this.alerts = api.alerts();
    this.meters = api.meters();
    this.http = api.http();
    this.auditor = auditor;
  }

  /**
   * The real auditor (reconciliation and identity topologies, {@code policy}) and its HTTP server,
   * sharing one meter registry. The server binds first (port 0) so that the auditor can advertise
   * its real port as {@code application.server} for entity lookups.
   */
  static AuditorWeb withAuditor(
      String bootstrapServers,
      SchemaRegistryClient registry,
      AuditPolicy policy,
      String applicationId,
      Path stateDir) {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrapServers);
    PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    AtomicReference<EntityStateLookup> lookup =
        new AtomicReference<>(EntityStateLookup.NOT_RUNNING);
    AuditorApi api =
        AuditorApi.builder()
            .kafka(props)
            .registry(registry)
            .meterRegistry(meters)
            .host("127.0.0.1")
            .port(0)
            .entityLookup((group, key) -> lookup.get().lookup(group, key))
            .silenceThreshold(policy.defaults().silenceThreshold())
            .start();
    HostInfo self = new HostInfo("127.0.0.1", api.http().port());
    Properties streams = new Properties();
    streams.put(StreamsConfig.APPLICATION_SERVER_CONFIG, self.host() + ":" + self.port());
    HeraldAuditor auditor;
    try {
      auditor =
          HeraldAuditor.start(
              RunningAuditor.config(bootstrapServers, applicationId, stateDir, policy, registry)
                  .meters(meters)
                  .clientProperties(streams)
                  .build());
    } catch (RuntimeException e) {
      api.close();
      throw e;
    }
    lookup.set(auditor.entityLookup(self));
    if (!auditor.awaitRunning(Duration.ofSeconds(90))) {
      String state = auditor.state();
      api.close();
      auditor.close();
      throw new IllegalStateException("the auditor did not reach RUNNING in 90 s: " + state);
    }
    return new AuditorWeb(api, auditor);
  }

  boolean ready() {
    return api.ready();
  }

  String url(String path) {
    return http.baseUrl() + path;
  }

  @Override
  public void close() {
    api.close();
    if (auditor != null) {
      auditor.close();
    }
  }
}
