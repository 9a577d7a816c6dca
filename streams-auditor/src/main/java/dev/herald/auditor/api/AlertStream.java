package dev.herald.auditor.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.herald.schema.AuditAlert;
import io.javalin.http.Context;
import io.javalin.http.sse.SseClient;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live alert stream (server-sent events): every change of the {@link AlertView} goes to every
 * connected client whose filter matches, from one broadcast thread (so no two threads write to one
 * stream), with a keep-alive comment every 15 s. Bounded twice: at most {@code maxClients} streams
 * in all and at most {@code maxPerClient} per client (its token's name, or its address when the API
 * runs without tokens), so one client cannot lock every dashboard out.
 *
 * <pre>{@code
 * AlertStream stream = new AlertStream(alertView, json, meters, 200, 4);
 * app.before("/api/alerts/stream", AlertStream::requireEventStream);
 * app.sse("/api/alerts/stream", client -> stream.open(client, ctx -> "grafana"));
 * }</pre>
 */
final class AlertStream implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AlertStream.class);

  private record Subscriber(String clientKey, AlertQuery filter) {}

  private final AlertView alerts;
  private final ObjectMapper json;
  private final int maxClients;
  private final int maxPerClient;
  private final Map<SseClient, Subscriber> clients = new ConcurrentHashMap<>();
  private final ExecutorService broadcaster;
  private final ScheduledExecutorService keepAlive;
  private final Consumer<AlertView.Change> listener = this::enqueue;

  AlertStream(
      AlertView alerts, ObjectMapper json, MeterRegistry meters, int maxClients, int maxPerClient) {
    this.alerts = alerts;
    this.json = json;
    this.maxClients = maxClients;
    this.maxPerClient = maxPerClient;
    this.broadcaster = Executors.newSingleThreadExecutor(r -> daemon(r, "herald-sse-broadcast"));
    this.keepAlive =
        Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "herald-sse-keepalive"));
    Gauge.builder("herald.sse.clients", clients, Map::size)
        .description("Connected alert-stream clients")
        .register(meters);
    alerts.onChange(listener);
    keepAlive.scheduleAtFixedRate(() -> broadcaster.execute(this::ping), 15, 15, TimeUnit.SECONDS);
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  int size() {
    return clients.size();
  }

  /**
   * Refuses (406) a request for the stream that does not accept server-sent events, before the
   * response turns into an event stream.
   */
  static void requireEventStream(Context ctx) {
    String accept = ctx.header("Accept");
    if (accept == null || !accept.contains("text/event-stream")) {
      throw new ApiException(
          406,
          "not acceptable",
          "the alert stream is server-sent events: send 'Accept: text/event-stream'"
              + " (browsers' EventSource does; curl: -H 'Accept: text/event-stream')");
    }
  }

  /**
   * Opens a stream for {@code client}, filtered by its query parameters (the {@code /api/alerts}
   * filters): a bad parameter is sent as an {@code error} event and the stream closed; else the
   * client joins under the key {@code clientKey} gives for its request.
   */
  void open(SseClient client, Function<Context, String> clientKey) {
    AlertQuery filter;
    try {
      filter = AlertQuery.parse(client.ctx().queryParamMap());
    } catch (ApiException e) {
      client.sendEvent("error", Map.of("error", e.error(), "detail", e.detail()));
      client.close();
      return;
    }
    join(client, clientKey.apply(client.ctx()), filter);
  }

  /** Admits {@code client} (or tells it why not and closes it). */
  private void join(SseClient client, String clientKey, AlertQuery filter) {
    String refusal = null;
    synchronized (this) {
      long mine = clients.values().stream().filter(s -> s.clientKey.equals(clientKey)).count();
      if (clients.size() >= maxClients) {
        refusal = "at most " + maxClients + " clients may stream at once";
      } else if (mine >= maxPerClient) {
        refusal =
            "client '"
                + clientKey
                + "' already has "
                + mine
                + " streams open (at most "
                + maxPerClient
                + " per client); close one first";
      }
      if (refusal == null) {
        client.keepAlive();
        client.onClose(() -> clients.remove(client));
        client.sendComment("connected"); // before joining: only the broadcast thread writes after
        clients.put(client, new Subscriber(clientKey, filter));
        return;
      }
    }
    client.sendEvent("error", Map.of("error", "too many stream clients", "detail", refusal));
    client.close();
  }

  private void enqueue(AlertView.Change change) {
    try {
      broadcaster.execute(() -> broadcast(change));
    } catch (RejectedExecutionException e) {
      // closing: nobody is listening any more
    }
  }

  private void broadcast(AlertView.Change change) {
    AuditAlert a = change.alert();
    Map<String, Object> data = AlertJson.toJson(a, false);
    data.put("change", change.isNew() ? "NEW" : "UPDATED");
    String payload;
    try {
      payload = json.writeValueAsString(data);
    } catch (IOException e) {
      LOG.warn("cannot encode alert for the stream alertId={}: {}", a.getAlertId(), e.toString());
      return;
    }
    clients.forEach(
        (client, sub) -> {
          if (!sub.filter.matches(a)) {
            return;
          }
          try {
            client.sendEvent("alert", payload, a.getAlertId());
          } catch (RuntimeException e) {
            clients.remove(client);
          }
        });
  }

  private void ping() {
    clients
        .keySet()
        .forEach(
            c -> {
              try {
                if (c.terminated()) {
                  clients.remove(c);
                } else {
                  c.sendComment("keep-alive");
                }
              } catch (RuntimeException e) {
                clients.remove(c);
              }
            });
  }

  @Override
  public void close() {
    alerts.removeListener(listener);
    keepAlive.shutdownNow();
    broadcaster.shutdownNow();
    clients
        .keySet()
        .forEach(
            c -> {
              try {
                c.close();
              } catch (RuntimeException e) {
                LOG.debug("closing stream client: {}", e.toString());
              }
            });
    clients.clear();
  }
}
