package dev.herald.it.ops;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A webhook endpoint on 127.0.0.1 that answers {@link #status} (settable: 503 to play a receiver
 * that is down) and records every request it accepted with 2xx, and counts every attempt.
 */
final class WebhookReceiver implements AutoCloseable {
  /** One accepted request. */
  record Delivery(String path, String idempotencyKey, String body) {}

  private final HttpServer server;
  final List<Delivery> accepted = new CopyOnWriteArrayList<>();
  final AtomicInteger attempts = new AtomicInteger();
  volatile int status = 200;

  WebhookReceiver() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          String body;
          try (InputStream in = exchange.getRequestBody()) {
            body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
          }
          attempts.incrementAndGet();
          int answer = status;
          if (answer / 100 == 2) {
            accepted.add(
                new Delivery(
                    exchange.getRequestURI().getPath(),
                    exchange.getRequestHeaders().getFirst("Idempotency-Key"),
                    body));
          }
          exchange.sendResponseHeaders(answer, -1);
          exchange.close();
        });
    server.start();
  }

  String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  /** Accepted deliveries to {@code path}. */
  List<Delivery> to(String path) {
    return accepted.stream().filter(d -> d.path().equals(path)).toList();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
