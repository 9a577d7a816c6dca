package dev.herald.schema.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The REST client against a scripted HTTP server: what it sends, how it maps answers and errors,
 * and what it says when the registry is down or slow. Registries themselves are covered by the
 * contract tests in {@code integration-tests}.
 */
class RestSchemaRegistryClientTest {
  private static final Schema SCHEMA =
      SchemaBuilder.record("R").namespace("x").fields().requiredString("a").endRecord();

  private HttpServer server;
  private final ConcurrentLinkedQueue<HttpExchange> requests = new ConcurrentLinkedQueue<>();
  private final Map<String, String> requestBodies = new java.util.concurrent.ConcurrentHashMap<>();
  private volatile int status = 200;
  private volatile String answer = "{}";
  private final CountDownLatch release = new CountDownLatch(1);
  private volatile boolean hang;

  @BeforeEach
  void startServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          requests.add(exchange);
          requestBodies.put(
              exchange.getRequestMethod() + " " + exchange.getRequestURI(),
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
          if (hang) {
            try {
              release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          byte[] body = answer.getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", RestSchemaRegistryClient.CONTENT_TYPE);
          exchange.sendResponseHeaders(status, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(2));
    server.start();
  }

  @AfterEach
  void stopServer() {
    release.countDown();
    server.stop(0);
  }

  private String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @Test
  void registerPostsTheSchemaWithTheConfluentContentTypeAndBasicAuth() {
    answer = "{\"id\":7}";
    var client =
        new RestSchemaRegistryClient(url(), Map.of("basic.auth.user.info", "alice:s3cret"));

    int id = client.register("topic-value", SCHEMA);

    assertThat(id).isEqualTo(7);
    HttpExchange request = requests.peek();
    assertThat(request.getRequestMethod()).isEqualTo("POST");
    assertThat(request.getRequestURI().getPath()).isEqualTo("/subjects/topic-value/versions");
    assertThat(request.getRequestHeaders().getFirst("Content-Type"))
        .isEqualTo("application/vnd.schemaregistry.v1+json");
    assertThat(request.getRequestHeaders().getFirst("Authorization"))
        .isEqualTo("Basic YWxpY2U6czNjcmV0");
    assertThat(requestBodies.get("POST /subjects/topic-value/versions"))
        .isEqualTo(
            "{\"schema\":"
                + com.fasterxml.jackson.databind.node.TextNode.valueOf(SCHEMA.toString())
                + "}");
  }

  @Test
  void schemasByIdAreCached() {
    answer =
        "{\"schema\":"
            + com.fasterxml.jackson.databind.node.TextNode.valueOf(SCHEMA.toString())
            + "}";
    var client = new RestSchemaRegistryClient(url(), Map.of());

    Schema first = client.getById(3);
    Schema second = client.getById(3);

    assertThat(first).isEqualTo(SCHEMA).isSameAs(second);
    assertThat(requests).hasSize(1);
    assertThat(requests.peek().getRequestURI().getPath()).isEqualTo("/schemas/ids/3");
  }

  @Test
  void anErrorAnswerCarriesTheConfluentErrorCode() {
    status = 404;
    answer = "{\"error_code\":40401,\"message\":\"Subject 'x' not found.\"}";
    var client = new RestSchemaRegistryClient(url(), Map.of());

    assertThatThrownBy(() -> client.getLatest("x"))
        .isInstanceOfSatisfying(
            SchemaRegistryException.class,
            e -> {
              assertThat(e.httpStatus()).isEqualTo(404);
              assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.SUBJECT_NOT_FOUND);
              assertThat(e.getMessage()).contains("Subject 'x' not found.");
            });
  }

  @Test
  void anErrorWithoutJsonKeepsTheHttpStatusAsCode() {
    status = 503;
    answer = "<html>bad gateway</html>";
    var client = new RestSchemaRegistryClient(url(), Map.of());

    assertThatThrownBy(() -> client.subjects())
        .isInstanceOfSatisfying(
            SchemaRegistryException.class, e -> assertThat(e.errorCode()).isEqualTo(503));
  }

  @Test
  void aSubjectWithoutItsOwnLevelFallsBackToTheGlobalLevel() {
    status = 404;
    answer = "{\"error_code\":40408,\"message\":\"no subject level\"}";
    var client = new RestSchemaRegistryClient(url(), Map.of());
    // the fallback request gets the same scripted 404, so it fails too; what matters is the path
    assertThatThrownBy(() -> client.getCompatibility("s"))
        .isInstanceOf(SchemaRegistryException.class);

    assertThat(requests.stream().map(r -> r.getRequestURI().toString()).toList())
        .containsExactly("/config/s?defaultToGlobal=true", "/config");
  }

  @Test
  void anUnreachableRegistryIsUnreachableWithTheUrlAndAHint() throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    var client = new RestSchemaRegistryClient("http://127.0.0.1:" + port, Map.of());

    assertThatThrownBy(() -> client.register("s", SCHEMA))
        .isInstanceOfSatisfying(
            SchemaRegistryException.class,
            e -> {
              assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.UNREACHABLE);
              assertThat(e.getMessage()).contains("http://127.0.0.1:" + port).contains("hint:");
            });
  }

  @Test
  void aRegistryThatDoesNotAnswerInTimeIsUnreachable() {
    hang = true;
    var client =
        new RestSchemaRegistryClient(url(), Map.of("schema.registry.request.timeout.ms", "300"));

    assertThatThrownBy(() -> client.subjects())
        .isInstanceOfSatisfying(
            SchemaRegistryException.class,
            e -> {
              assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.UNREACHABLE);
              assertThat(e.getMessage()).contains("within 300 ms");
            });
  }

  @Test
  void aUrlThatIsNotHttpIsRefusedWithAnExample() {
    assertThatThrownBy(() -> new RestSchemaRegistryClient("localhost:8081", Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("http://localhost:8081");
    assertThatThrownBy(() -> SchemaRegistries.connect("kafka://x", Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("herald registry");
  }

  @Test
  void theFactoryOpensRestAndInMemoryClients() {
    assertThat(SchemaRegistries.connect(url(), Map.of()))
        .isInstanceOf(RestSchemaRegistryClient.class);
    assertThat(SchemaRegistries.connect("memory:", Map.of()))
        .isInstanceOf(InMemorySchemaRegistryClient.class);
  }

  @Test
  void subjectsAreUrlEncoded() {
    answer =
        "{\"subject\":\"a b/c\",\"version\":1,\"id\":1,\"schema\":"
            + com.fasterxml.jackson.databind.node.TextNode.valueOf(SCHEMA.toString())
            + "}";
    var client = new RestSchemaRegistryClient(url(), Map.of());

    client.getLatest("a b/c");

    assertThat(requests.peek().getRequestURI().getRawPath())
        .isEqualTo("/subjects/a%20b%2Fc/versions/latest");
    assertThat(List.of(requests.peek().getRequestMethod())).containsExactly("GET");
  }
}
