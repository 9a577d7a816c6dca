package dev.herald.auditor.api;

import dev.herald.auditor.health.AuditorHealth;
import dev.herald.auditor.subscribe.Subscription;
import dev.herald.auditor.subscribe.SubscriptionService;
import dev.herald.schema.ReportBatch;
import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Everything the auditor serves, wired in one place: the views fed from Kafka ({@link ViewFeed}),
 * the HTTP server (REST, SSE, metrics, dashboard) and the alert subscriptions. The auditor command
 * starts one next to its Kafka Streams topology and hands it its entity lookup.
 *
 * <pre>{@code
 * try (AuditorApi api = AuditorApi.builder()
 *     .kafka(props).registry(registry).port(8080)
 *     .subscriptions(SubscriptionConfig.load(Path.of("subscriptions.yaml")))
 *     .entityLookup(new KafkaStreamsEntityLookup(streams, "entity-state", self, reader))
 *     .start()) {
 *   System.out.println("dashboard: " + api.http().baseUrl());
 * }
 * }</pre>
 */
public final class AuditorApi implements AutoCloseable {
  private final MeterRegistry meters;
  private final AlertView alerts;
  private final NodeView nodes;
  private final FlinkReportView reports;
  private final ViewFeed feed;
  private final AuditorHttpServer http;
  private final SubscriptionService subscriptions;

  private AuditorApi(Builder b) {
    this.meters = b.meters;
    this.alerts = new AlertView(b.maxAlerts, meters);
    this.nodes = new NodeView(b.silenceThreshold, b.clock, meters);
    this.reports = new FlinkReportView(60, 10_000);
    this.feed =
        new ViewFeed(
            b.kafka, b.registry, alerts, nodes, reports, meters, b.heartbeatLookback, b.clock);
    this.http =
        AuditorHttpServer.builder()
            .host(b.host)
            .port(b.port)
            .alerts(alerts)
            .nodes(nodes)
            .reports(reports)
            .verifier(
                new EvidenceVerifier(new AvroWireFormat<>(ReportBatch.class, b.registry), nodes))
            .meterRegistry(meters)
            .access(b.access != null ? b.access : ApiAccess.of(b.host, null, Set.of()))
            .entityLookup(b.lookup)
            .ready(feed::caughtUp)
            .health(b.health == null ? null : () -> withViews(b.health.get()))
            .maxSsePerClient(b.maxSsePerClient)
            .clock(b.clock)
            .build();
    this.subscriptions =
        b.subscriptions.isEmpty()
            ? null
            : new SubscriptionService(
                    b.kafka, b.registry, b.subscriptions, meters, b.subscriptionQueue)
                .resendFrom(
                    alerts::all, () -> feed.caughtUp() && b.healthy.getAsBoolean(), b.instanceName);
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * A Prometheus registry with the JVM's and the process's own meters bound (memory, GC, threads,
   * class loading, CPU, uptime, open files): what {@code herald auditor} and {@code herald demo}
   * hand to both the auditor ({@code AuditorConfig.meters}) and this API, so {@code /metrics} shows
   * everything in one scrape.
   */
  public static PrometheusMeterRegistry prometheusRegistry() {
    PrometheusMeterRegistry r = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new ClassLoaderMetrics().bindTo(r);
    new JvmMemoryMetrics().bindTo(r);
    new JvmGcMetrics().bindTo(r);
    new JvmThreadMetrics().bindTo(r);
    new ProcessorMetrics().bindTo(r);
    new UptimeMetrics().bindTo(r);
    new FileDescriptorMetrics().bindTo(r);
    return r;
  }

  private AuditorApi start() {
    feed.start();
    http.start();
    if (subscriptions != null) {
      subscriptions.start();
    }
    return this;
  }

  public AuditorHttpServer http() {
    return http;
  }

  public AlertView alerts() {
    return alerts;
  }

  public NodeView nodes() {
    return nodes;
  }

  public FlinkReportView reports() {
    return reports;
  }

  public MeterRegistry meters() {
    return meters;
  }

  /** The auditor's health, DEGRADED too while the views wait for the schema registry. */
  private AuditorHealth withViews(AuditorHealth auditor) {
    if (!feed.waitingForRegistry()) {
      return auditor;
    }
    List<String> reasons = new ArrayList<>(auditor.reasons());
    reasons.add("the API views wait for the schema registry");
    return new AuditorHealth(
        auditor.status() == AuditorHealth.Status.UP
            ? AuditorHealth.Status.DEGRADED
            : auditor.status(),
        reasons);
  }

  /** Whether the views have caught up with their topics. */
  public boolean ready() {
    return feed.caughtUp() && (subscriptions == null || subscriptions.ready());
  }

  @Override
  public void close() {
    if (subscriptions != null) {
      subscriptions.close();
    }
    http.close();
    feed.close();
  }

  /** Configuration of an {@link AuditorApi}. */
  public static final class Builder {
    private Properties kafka;
    private SchemaRegistryClient registry;
    private MeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private int maxSsePerClient = 4;
    private String host = "127.0.0.1";
    private ApiAccess access;
    private BooleanSupplier healthy = () -> true;
    private String instanceName = "herald-auditor";
    private int port = 8080;
    private EntityStateLookup lookup = EntityStateLookup.NOT_RUNNING;
    private List<Subscription> subscriptions = List.of();
    private int subscriptionQueue = 1_000;
    private int maxAlerts = 10_000;
    private Duration silenceThreshold = Duration.ofSeconds(15);
    private Duration heartbeatLookback = Duration.ofMinutes(15);
    private Clock clock = Clock.systemUTC();
    private Supplier<AuditorHealth> health;

    /** The auditor's health ({@code auditor::health}), served by {@code /health}. */
    public Builder health(Supplier<AuditorHealth> health) {
      this.health = health;
      return this;
    }

    /** Kafka client properties ({@code bootstrap.servers}, security settings). Required. */
    public Builder kafka(Properties kafka) {
      this.kafka = kafka;
      return this;
    }

    /** The schema registry. Required. */
    public Builder registry(SchemaRegistryClient registry) {
      this.registry = registry;
      return this;
    }

    /** Where metrics go; {@code /metrics} needs a Prometheus registry in it (the default). */
    public Builder meterRegistry(MeterRegistry meters) {
      this.meters = meters;
      return this;
    }

    /** Interface to bind (default 127.0.0.1, loopback only; {@code 0.0.0.0} for all). */
    public Builder host(String host) {
      this.host = host;
      return this;
    }

    /**
     * Who may call: tokens and allowed Host names (default: none, which is open on a loopback bind
     * and refuses every request but {@code /health} on any other).
     */
    public Builder access(ApiAccess access) {
      this.access = access;
      return this;
    }

    /**
     * Whether the auditor behind this API works (e.g. its Kafka Streams applications run): while
     * false, Alertmanager's watchdog alert is not re-sent, so it stops firing.
     */
    public Builder healthy(BooleanSupplier healthy) {
      this.healthy = healthy;
      return this;
    }

    /** This instance's name in the watchdog alert's {@code instance} label (host:port). */
    public Builder instanceName(String instanceName) {
      this.instanceName = instanceName;
      return this;
    }

    /** HTTP port; 0 for an ephemeral one (default 8080). */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    public Builder entityLookup(EntityStateLookup lookup) {
      this.lookup = lookup;
      return this;
    }

    public Builder subscriptions(List<Subscription> subscriptions) {
      this.subscriptions = List.copyOf(subscriptions);
      return this;
    }

    /** Alert streams one client (token, or address without tokens) may hold open (default 4). */
    public Builder maxSsePerClient(int max) {
      this.maxSsePerClient = max;
      return this;
    }

    /** Alerts fetched and not yet delivered, per subscription (default 1000). */
    public Builder subscriptionQueue(int capacity) {
      this.subscriptionQueue = capacity;
      return this;
    }

    /** Alerts the API holds in memory (default 10 000; resolved ones are evicted first). */
    public Builder maxAlerts(int maxAlerts) {
      this.maxAlerts = maxAlerts;
      return this;
    }

    /** No heartbeat for longer than this marks a node silent in the API (default 15 s). */
    public Builder silenceThreshold(Duration silenceThreshold) {
      this.silenceThreshold = silenceThreshold;
      return this;
    }

    /** How far back heartbeats are read at start (default 15 min). */
    public Builder heartbeatLookback(Duration lookback) {
      this.heartbeatLookback = lookback;
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /** Builds and starts the feed, the HTTP server and the subscriptions. */
    public AuditorApi start() {
      Objects.requireNonNull(kafka, "kafka properties are required");
      Objects.requireNonNull(registry, "a schema registry is required");
      return new AuditorApi(this).start();
    }
  }
}
