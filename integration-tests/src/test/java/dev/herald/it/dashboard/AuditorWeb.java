package dev.herald.it.dashboard;

import dev.herald.auditor.api.AlertView;
import dev.herald.auditor.api.AuditorApi;
import dev.herald.auditor.api.AuditorHttpServer;
import dev.herald.schema.registry.SchemaRegistryClient;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Properties;

/** The auditor's web layer as the auditor runs it ({@link AuditorApi}), on an ephemeral port. */
final class AuditorWeb implements AutoCloseable {
  final AuditorApi api;
  final AlertView alerts;
  final MeterRegistry meters;
  final AuditorHttpServer http;

  AuditorWeb(String bootstrapServers, SchemaRegistryClient registry) {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrapServers);
    api = AuditorApi.builder().kafka(props).registry(registry).host("127.0.0.1").port(0).start();
    alerts = api.alerts();
    meters = api.meters();
    http = api.http();
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
  }
}
