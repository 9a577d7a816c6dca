package dev.herald.auditor.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.herald.auditor.alerting.AlertAcks;
import dev.herald.auditor.api.ApiTokens.Principal;
import dev.herald.auditor.api.ApiTokens.Role;
import dev.herald.auditor.health.AuditorHealth;
import dev.herald.schema.AuditAlert;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.staticfiles.Location;
import io.javalin.json.JavalinJackson;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The auditor's HTTP face, its routes: the REST API, the alert stream (server-sent events, served
 * by {@link AlertStream}), entity lookups (answered or forwarded to the owning instance by {@link
 * EntityForwarder}), Prometheus metrics, health and the dashboard (static files from {@code
 * /dashboard} on the classpath). Every request passes {@link ApiAccess} first: a Host check against
 * DNS rebinding, then bearer-token authentication (everything but {@code /health} and the
 * dashboard's static files, which carry no data), then the route's role.
 *
 * <pre>{@code
 * try (AuditorHttpServer http = AuditorHttpServer.builder()
 *     .port(0)
 *     .alerts(alertView).nodes(nodeView).reports(reportView)
 *     .verifier(evidenceVerifier)
 *     .meterRegistry(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))
 *     .entityLookup(lookup)
 *     .build()
 *     .start()) {
 *   System.out.println("dashboard at http://localhost:" + http.port() + "/");
 * }
 * }</pre>
 *
 * <p>Endpoints are documented in {@code docs/api.md} and {@code docs/openapi.yaml}. Errors are JSON
 * {@code {"error": ..., "detail": ...}}; bad query parameters answer 400 naming the parameter, a
 * missing or unknown token 401, a role that does not suffice 403.
 */
public final class AuditorHttpServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AuditorHttpServer.class);
  private static final String PRINCIPAL = "herald.principal";

  private final Builder b;
  private final ObjectMapper json;
  private final AlertStream stream;
  private final EntityForwarder entities;
  private Javalin app;

  private AuditorHttpServer(Builder b) {
    this.b = b;
    this.json =
        new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    this.stream = new AlertStream(b.alerts, json, b.meters, b.maxSseClients, b.maxSsePerClient);
    this.entities = new EntityForwarder(b.lookup, json);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Starts serving; returns this. */
  public synchronized AuditorHttpServer start() {
    app =
        Javalin.create(
            cfg -> {
              cfg.showJavalinBanner = false;
              cfg.jsonMapper(new JavalinJackson(json, false));
              cfg.staticFiles.add(
                  sf -> {
                    sf.hostedPath = "/";
                    sf.directory = "/dashboard";
                    sf.location = Location.CLASSPATH;
                  });
            });
    app.exception(ApiException.class, (e, ctx) -> error(ctx, e.status(), e.error(), e.detail()));
    app.exception(
        Exception.class,
        (e, ctx) -> {
          LOG.warn("request failed path={}: {}", ctx.path(), e.toString());
          LOG.debug("request failure", e);
          error(ctx, 500, "internal error", e.getClass().getSimpleName() + ": " + e.getMessage());
        });
    app.error(
        404,
        ctx -> {
          String type = ctx.res().getContentType();
          if (type == null || !type.startsWith("application/json")) {
            error(ctx, 404, "not found", "no resource at " + ctx.path() + "; see docs/api.md");
          }
        });
    app.before(this::guard);
    app.get("/health", this::health);
    app.get("/metrics", this::metrics);
    app.get("/api/alerts", ctx -> alerts(ctx));
    app.get("/api/alerts/rate", this::rate);
    app.before("/api/alerts/stream", AlertStream::requireEventStream);
    app.sse(
        "/api/alerts/stream",
        client -> stream.open(client, ctx -> b.access.open() ? ctx.ip() : principal(ctx).name()));
    app.get(
        "/api/alerts/{alertId}",
        ctx -> ctx.json(AlertJson.toJson(alert(ctx), principal(ctx).role() == Role.OPERATOR)));
    app.post("/api/alerts/{alertId}/ack", this::acknowledge);
    app.get(
        "/api/alerts/{alertId}/evidence",
        ctx -> {
          ApiAccess.require(principal(ctx), Role.OPERATOR, "an alert's evidence");
          ctx.json(verifier().verify(alert(ctx)));
        });
    app.get("/api/nodes", ctx -> ctx.json(Map.of("nodes", b.nodes.list(b.alerts))));
    app.get("/api/groups", ctx -> ctx.json(Map.of("groups", b.nodes.groups(b.alerts))));
    app.get(
        "/api/groups/{group}/entities/<key>",
        ctx -> entities.serve(ctx, principal(ctx).role() == Role.OPERATOR));
    app.get(
        "/api/availability",
        ctx -> ctx.json(Map.of("windows", AvroJson.toJson(b.reports.availabilityWindows()))));
    app.get(
        "/api/risk", ctx -> ctx.json(Map.of("reports", AvroJson.toJson(b.reports.riskReports()))));
    app.get(
        "/api/consistency",
        ctx -> ctx.json(Map.of("windows", AvroJson.toJson(b.reports.consistencyWindows()))));
    app.start(b.host, b.port);
    LOG.info(
        "auditor http listening host={} port={} authentication={}",
        b.host,
        app.port(),
        b.access.open()
            ? "none (loopback, no token file)"
            : b.access.tokensConfigured() ? "bearer tokens" : "refusing all (no token file)");
    return this;
  }

  /**
   * {@code POST /api/alerts/{id}/ack} with {@code {"reason": "..."}}: writes the operator's
   * acknowledgement (the route needs the operator role, like every changing request); the auditor
   * then publishes the alert ACKNOWLEDGED, on the alert topic and the stream.
   */
  private void acknowledge(Context ctx) {
    ApiAccess.require(principal(ctx), Role.OPERATOR, "acknowledging an alert");
    if (b.acks == null) {
      throw new ApiException(
          503,
          "acknowledgements unavailable",
          "this API was started without a Kafka producer for herald.alert-acks.v1");
    }
    AuditAlert alert = alert(ctx);
    String reason;
    try {
      Map<?, ?> body = ctx.body().isBlank() ? Map.of() : json.readValue(ctx.body(), Map.class);
      Object r = body.get("reason");
      reason = r == null ? "" : r.toString();
    } catch (IOException e) {
      throw new ApiException(
          400, "bad request", "send JSON like {\"reason\": \"known maintenance\"}");
    }
    if (reason.isBlank()) {
      throw new ApiException(
          400,
          "reason required",
          "say why in the body: {\"reason\": \"known maintenance\"} (it is kept with the alert)");
    }
    try {
      b.acks.acknowledge(alert, reason, principal(ctx).name());
    } catch (IllegalStateException e) {
      throw new ApiException(503, "acknowledgement not written", e.getMessage());
    }
    ctx.status(202)
        .json(
            Map.of(
                "alertId",
                alert.getAlertId(),
                "acknowledged",
                true,
                "detail",
                "written to herald.alert-acks.v1; the alert turns ACKNOWLEDGED once the auditor"
                    + " reads it"));
  }

  /**
   * Runs before every route: the Host check (not for {@code /health}, which probes call by IP and
   * which carries no data), then authentication for everything but {@code /health} and the
   * dashboard's static files.
   */
  private void guard(Context ctx) {
    String path = ctx.path();
    if (path.equals("/health")) {
      return;
    }
    b.access.checkHost(ctx.header("Host"));
    if (path.startsWith("/api/") || path.equals("/metrics") || path.equals("/api")) {
      Principal who = b.access.authenticate(ctx.header("Authorization"));
      ctx.attribute(PRINCIPAL, who);
      String method = ctx.method().name();
      if (!method.equals("GET") && !method.equals("HEAD") && !method.equals("OPTIONS")) {
        // whatever changes something (e.g. acknowledging an alert) is for operators
        ApiAccess.require(who, Role.OPERATOR, method + " " + path);
      }
    }
  }

  private static Principal principal(Context ctx) {
    Principal p = ctx.attribute(PRINCIPAL);
    if (p == null) {
      throw new ApiException(401, "authentication required", "no credentials were checked");
    }
    return p;
  }

  /** The address bound. */
  public String host() {
    return b.host;
  }

  /** The port actually bound (useful with port 0). */
  public int port() {
    return app.port();
  }

  /** The base URL, e.g. {@code http://localhost:41234}. */
  public String baseUrl() {
    return "http://" + (ApiAccess.isWildcard(b.host) ? "localhost" : b.host) + ":" + port();
  }

  private EvidenceVerifier verifier() {
    if (b.verifier == null) {
      throw ApiException.unavailable(
          "evidence verification unavailable",
          "this server was started without an evidence verifier");
    }
    return b.verifier;
  }

  private static void error(Context ctx, int status, String error, String detail) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", error);
    body.put("detail", detail);
    ctx.status(status).json(body);
  }

  private void health(Context ctx) {
    boolean up = b.ready.getAsBoolean();
    Map<String, Object> body = new LinkedHashMap<>();
    if (b.health != null) {
      // UP only when the auditor is UP and the views have caught up; else 503 with the reasons.
      AuditorHealth h = b.health.get();
      List<String> reasons = new ArrayList<>(h.reasons());
      AuditorHealth.Status status = h.status();
      if (!up) {
        reasons.add("the API views are still reading their topics");
        status = status == AuditorHealth.Status.UP ? AuditorHealth.Status.DEGRADED : status;
      }
      up = status == AuditorHealth.Status.UP;
      body.put("status", status.name());
      body.put("reasons", reasons);
    } else {
      body.put("status", up ? "UP" : "STARTING");
    }
    body.put("alerts", b.alerts.size());
    body.put("nodes", b.nodes.size());
    body.put("sseClients", stream.size());
    body.put("time", b.clock.instant().toString());
    ctx.status(up ? 200 : 503).json(body);
  }

  private void metrics(Context ctx) {
    PrometheusMeterRegistry prom = prometheus(b.meters);
    if (prom == null) {
      throw ApiException.unavailable(
          "metrics unavailable", "the server's meter registry has no Prometheus registry");
    }
    ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(prom.scrape());
  }

  private static PrometheusMeterRegistry prometheus(MeterRegistry r) {
    if (r instanceof PrometheusMeterRegistry p) {
      return p;
    }
    if (r instanceof CompositeMeterRegistry c) {
      for (MeterRegistry child : c.getRegistries()) {
        PrometheusMeterRegistry p = prometheus(child);
        if (p != null) {
          return p;
        }
      }
    }
    return null;
  }

  private void alerts(Context ctx) {
    AlertQuery q = AlertQuery.parse(ctx.queryParamMap());
    AlertView.Page page = b.alerts.query(q);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("total", page.total());
    body.put("offset", page.offset());
    body.put("limit", page.limit());
    body.put("alerts", page.alerts().stream().map(a -> AlertJson.toJson(a, false)).toList());
    ctx.json(body);
  }

  private void rate(Context ctx) {
    Map<String, List<String>> params = ctx.queryParamMap();
    for (String p : params.keySet()) {
      if (!p.equals("buckets") && !p.equals("bucketSeconds")) {
        throw ApiException.badParameter(p, "unknown parameter; known: bucketSeconds, buckets");
      }
    }
    int buckets = AlertQuery.integer(params, "buckets", 30, 1, 1440);
    int bucketSeconds = AlertQuery.integer(params, "bucketSeconds", 60, 1, 86_400);
    Instant now = b.clock.instant();
    Duration bucket = Duration.ofSeconds(bucketSeconds);
    Instant end =
        Instant.ofEpochMilli(now.toEpochMilli() - now.toEpochMilli() % bucket.toMillis())
            .plus(bucket);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("start", end.minus(bucket.multipliedBy(buckets)).toString());
    body.put("bucketSeconds", bucketSeconds);
    body.put("byType", b.alerts.rate(end, bucket, buckets));
    ctx.json(body);
  }

  private AuditAlert alert(Context ctx) {
    String id = ctx.pathParam("alertId");
    return b.alerts
        .get(id)
        .orElseThrow(
            () ->
                ApiException.notFound(
                    "alert",
                    "no alert with id '"
                        + id
                        + "' (the view holds the latest "
                        + b.alerts.size()
                        + ")"));
  }

  @Override
  public synchronized void close() {
    stream.close();
    if (app != null) {
      app.stop();
      app = null;
    }
  }

  /** Configuration of an {@link AuditorHttpServer}; views are required, the rest has defaults. */
  public static final class Builder {
    private AlertAcks acks;
    private String host = "127.0.0.1";
    private int port = 8080;
    private ApiAccess access;
    private AlertView alerts;
    private NodeView nodes;
    private FlinkReportView reports = new FlinkReportView(60, 1_000);
    private EvidenceVerifier verifier;
    private MeterRegistry meters;
    private EntityStateLookup lookup = EntityStateLookup.NOT_RUNNING;
    private BooleanSupplier ready = () -> true;
    private Supplier<AuditorHealth> health;
    private Clock clock = Clock.systemUTC();
    private int maxSseClients = 200;
    private int maxSsePerClient = 4;

    /** Interface to bind (default 127.0.0.1; {@code 0.0.0.0} for all). */
    public Builder host(String host) {
      this.host = host;
      return this;
    }

    /**
     * Who may call (default: {@link ApiAccess#of} the bind host without tokens, which is open on a
     * loopback bind and refuses everything else).
     */
    public Builder access(ApiAccess access) {
      this.access = access;
      return this;
    }

    /** Port; 0 for an ephemeral one (default 8080). */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    public Builder alerts(AlertView alerts) {
      this.alerts = alerts;
      return this;
    }

    public Builder nodes(NodeView nodes) {
      this.nodes = nodes;
      return this;
    }

    public Builder reports(FlinkReportView reports) {
      this.reports = reports;
      return this;
    }

    public Builder verifier(EvidenceVerifier verifier) {
      this.verifier = verifier;
      return this;
    }

    /** Where metrics are registered; {@code /metrics} scrapes its Prometheus registry. */
    public Builder meterRegistry(MeterRegistry meters) {
      this.meters = meters;
      return this;
    }

    public Builder entityLookup(EntityStateLookup lookup) {
      this.lookup = lookup;
      return this;
    }

    /** Where {@code POST /api/alerts/{id}/ack} writes acknowledgements (null: unavailable). */
    public Builder acks(AlertAcks acks) {
      this.acks = acks;
      return this;
    }

    /**
     * The auditor's health ({@code HeraldAuditor#health}): {@code /health} answers 200 with its
     * status when UP and the views are ready, else 503 with the reasons.
     */
    public Builder health(Supplier<AuditorHealth> health) {
      this.health = health;
      return this;
    }

    /** What {@code /health} reports as UP (e.g. {@link ViewFeed#caughtUp()}). */
    public Builder ready(BooleanSupplier ready) {
      this.ready = ready;
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /** Alert streams open at once, in all (default 200). */
    public Builder maxSseClients(int max) {
      this.maxSseClients = max;
      return this;
    }

    /** Alert streams open at once per client: token name, or address without tokens (4). */
    public Builder maxSsePerClient(int max) {
      this.maxSsePerClient = max;
      return this;
    }

    public AuditorHttpServer build() {
      Objects.requireNonNull(alerts, "alerts view is required");
      Objects.requireNonNull(nodes, "nodes view is required");
      Objects.requireNonNull(meters, "meterRegistry is required");
      if (access == null) {
        access = ApiAccess.of(host, null, Set.of());
      }
      return new AuditorHttpServer(this);
    }
  }
}
