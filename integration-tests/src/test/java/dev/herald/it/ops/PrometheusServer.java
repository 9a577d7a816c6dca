package dev.herald.it.ops;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * The real Prometheus server (Debian's {@code prometheus} binary) scraping one target every second
 * with a bearer token, queried through its HTTP API.
 */
final class PrometheusServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Process process;
  private final int port;
  private final Path log;
  private final HttpClient http = HttpClient.newHttpClient();

  private PrometheusServer(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /** Starts Prometheus scraping {@code target} ({@code host:port}) with {@code bearerToken}. */
  static PrometheusServer start(Path dir, String target, String bearerToken) throws IOException {
    Path binary = ExternalTool.require("prometheus", "prometheus");
    Path config = dir.resolve("prometheus.yml");
    Path token = dir.resolve("scrape-token");
    Files.writeString(token, bearerToken);
    Files.writeString(
        config,
        "global:\n"
            + "  scrape_interval: 1s\n"
            + "  scrape_timeout: 1s\n"
            + "scrape_configs:\n"
            + "  - job_name: herald\n"
            + "    authorization:\n"
            + "      type: Bearer\n"
            + "      credentials_file: "
            + token
            + "\n"
            + "    static_configs:\n"
            + "      - targets: ['"
            + target
            + "']\n");
    int port = ExternalTool.freePort();
    Path log = dir.resolve("prometheus.log");
    Process p =
        new ProcessBuilder(
                binary.toString(),
                "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port,
                "--log.level=warn")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    PrometheusServer server = new PrometheusServer(p, port, log);
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(250))
        .ignoreExceptions()
        .until(
            () -> {
              if (!p.isAlive()) {
                throw new IllegalStateException("prometheus exited:\n" + server.log());
              }
              return server.get("/-/ready").statusCode() == 200;
            });
    return server;
  }

  String log() throws IOException {
    return Files.exists(log) ? Files.readString(log) : "";
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The value of an instant query that yields one sample, if it yields any. */
  Optional<Double> value(String promql) throws IOException, InterruptedException {
    JsonNode body =
        JSON.readTree(
            get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)).body());
    JsonNode result = body.path("data").path("result");
    if (!"success".equals(body.path("status").asText()) || result.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(Double.parseDouble(result.get(0).path("value").get(1).asText()));
  }

  /** Every metric name Prometheus has stored. */
  Set<String> metricNames() throws IOException, InterruptedException {
    JsonNode body = JSON.readTree(get("/api/v1/label/__name__/values").body());
    Set<String> names = new TreeSet<>();
    body.path("data").forEach(n -> names.add(n.asText()));
    return names;
  }

  /** The state of the scrape target: "up" once the last scrape worked. */
  String targetHealth() throws IOException, InterruptedException {
    JsonNode body = JSON.readTree(get("/api/v1/targets").body());
    JsonNode t = body.path("data").path("activeTargets");
    return t.isEmpty()
        ? "none"
        : t.get(0).path("health").asText() + " " + t.get(0).path("lastError").asText();
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
