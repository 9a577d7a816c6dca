package dev.herald.it.dashboard;

import dev.herald.auditor.api.AlertView;
import dev.herald.auditor.api.AuditorHttpServer;
import dev.herald.auditor.api.EvidenceVerifier;
import dev.herald.auditor.api.FlinkReportView;
import dev.herald.auditor.api.NodeView;
import dev.herald.auditor.api.ViewFeed;
import dev.herald.schema.ReportBatch;
import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Properties;

/** The auditor's web layer wired as the auditor runs it: views fed from Kafka, HTTP on port 0. */
final class AuditorWeb implements AutoCloseable {
  final PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  final AlertView alerts = new AlertView(10_000, meters);
  final NodeView nodes = new NodeView(Duration.ofSeconds(30), Clock.systemUTC(), meters);
  final FlinkReportView reports = new FlinkReportView(60, 1_000);
  final ViewFeed feed;
  final AuditorHttpServer http;

  AuditorWeb(String bootstrapServers, SchemaRegistryClient registry) {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrapServers);
    feed =
        new ViewFeed(
                props,
                registry,
                alerts,
                nodes,
                reports,
                meters,
                Duration.ofMinutes(15),
                Clock.systemUTC())
            .start();
    http =
        AuditorHttpServer.builder()
            .host("127.0.0.1")
            .port(0)
            .alerts(alerts)
            .nodes(nodes)
            .reports(reports)
            .verifier(
                new EvidenceVerifier(new AvroWireFormat<>(ReportBatch.class, registry), nodes))
            .meterRegistry(meters)
            .ready(feed::caughtUp)
            .build()
            .start();
  }

  String url(String path) {
    return http.baseUrl() + path;
  }

  @Override
  public void close() {
    http.close();
    feed.close();
  }
}
