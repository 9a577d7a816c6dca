package dev.herald.schema.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.herald.schema.ReportBatch;
import dev.herald.schema.StateChange;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A registry that keeps Confluent schema references (Confluent, Karapace) answers a schema by id
 * with its text and its {@code references}; the client fetches each referenced version and parses
 * it first, so a ReportBatch registered with a reference to StateChange reads like the
 * self-contained one.
 */
class RestSchemaRegistryReferencesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private HttpServer server;
  private final Map<String, String> answers = new ConcurrentHashMap<>();

  @BeforeEach
  void startServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          String answer = answers.get(exchange.getRequestURI().getPath());
          byte[] body =
              (answer == null ? "{\"error_code\":40401,\"message\":\"not found\"}" : answer)
                  .getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(answer == null ? 404 : 200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.start();
  }

  @AfterEach
  void stopServer() {
    server.stop(0);
  }

  @Test
  void aSchemaWithReferencesIsParsedAfterTheSchemasItReferences() throws IOException {
    String stateChange = StateChange.getClassSchema().toString();
    ObjectNode batch = (ObjectNode) JSON.readTree(ReportBatch.getClassSchema().toString());
    for (var field : batch.get("fields")) {
      if (field.get("name").asText().equals("reports")) {
        ((ObjectNode) field.get("type")).put("items", "dev.herald.schema.StateChange");
      }
    }
    String batchNamingStateChange = batch.toString();
    assertThat(batchNamingStateChange).doesNotContain("eventId");
    ObjectNode byId = JSON.createObjectNode().put("schema", batchNamingStateChange);
    byId.putArray("references")
        .addObject()
        .put("name", "dev.herald.schema.StateChange")
        .put("subject", "dev.herald.schema.StateChange")
        .put("version", 1);
    answers.put("/schemas/ids/9", byId.toString());
    answers.put(
        "/subjects/dev.herald.schema.StateChange/versions/1",
        JSON.createObjectNode()
            .put("subject", "dev.herald.schema.StateChange")
            .put("version", 1)
            .put("id", 8)
            .put("schema", stateChange)
            .toString());
    var client =
        new RestSchemaRegistryClient("http://127.0.0.1:" + server.getAddress().getPort(), Map.of());

    Schema schema = client.getById(9);

    assertThat(schema).isEqualTo(ReportBatch.getClassSchema());
  }
}
