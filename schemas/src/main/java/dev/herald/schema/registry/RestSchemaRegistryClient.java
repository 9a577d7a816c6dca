package dev.herald.schema.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

/**
 * A small client of the Confluent Schema Registry REST API, on the JDK {@link HttpClient} and
 * Jackson. It talks to any compatible registry — Confluent, Karapace, Redpanda, Apicurio's {@code
 * /apis/ccompat/v7} or Herald's embedded one — and does not know which.
 *
 * <p>Errors the registry answers become a {@link SchemaRegistryException} carrying the Confluent
 * {@code error_code}; a registry that cannot be reached or does not answer in time becomes one with
 * {@link SchemaRegistryException#UNREACHABLE}. Schemas by id are cached forever (ids are
 * immutable); nothing else is cached.
 *
 * <pre>{@code
 * try (var registry = new RestSchemaRegistryClient("http://localhost:8081", Map.of())) {
 *   int id = registry.register("herald.alerts.v1-value", AuditAlert.getClassSchema());
 *   Schema same = registry.getById(id);
 * }
 * }</pre>
 *
 * <p>Client properties (the Confluent names): {@code basic.auth.user.info} ({@code user:password},
 * sent as HTTP basic auth), {@code schema.registry.request.timeout.ms} (default 10000) and {@code
 * schema.registry.connect.timeout.ms} (default 5000).
 */
public final class RestSchemaRegistryClient implements SchemaRegistryClient {
  /** The Confluent media type of requests and answers. */
  public static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

  public static final String BASIC_AUTH_USER_INFO = "basic.auth.user.info";
  public static final String REQUEST_TIMEOUT_MS = "schema.registry.request.timeout.ms";
  public static final String CONNECT_TIMEOUT_MS = "schema.registry.connect.timeout.ms";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_REFERENCE_DEPTH = 16;

  private final String baseUrl;
  private final HttpClient http;
  private final Duration requestTimeout;
  private final String authorization;
  private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();

  /**
   * A client of the registry at {@code baseUrl} (for Apicurio, include {@code /apis/ccompat/v7}).
   *
   * @param baseUrl {@code http://} or {@code https://} URL of the registry
   * @param props client properties, see the class documentation; unknown keys are ignored
   */
  public RestSchemaRegistryClient(String baseUrl, Map<String, String> props) {
    if (baseUrl == null
        || !(baseUrl.startsWith("http://") || baseUrl.startsWith("https://"))
        || URI.create(baseUrl).getHost() == null) {
      throw new IllegalArgumentException(
          "schema registry URL '"
              + baseUrl
              + "' is not an http(s) URL; use e.g. http://localhost:8081");
    }
    this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    this.requestTimeout = Duration.ofMillis(longProp(props, REQUEST_TIMEOUT_MS, 10_000));
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofMillis(longProp(props, CONNECT_TIMEOUT_MS, 5_000)))
            .build();
    String userInfo = props.get(BASIC_AUTH_USER_INFO);
    this.authorization =
        userInfo == null || userInfo.isEmpty()
            ? null
            : "Basic "
                + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
  }

  /** The registry's base URL, as given. */
  public String baseUrl() {
    return baseUrl;
  }

  @Override
  public int register(String subject, Schema schema) {
    JsonNode answer =
        send("POST", "/subjects/" + encode(subject) + "/versions", schemaBody(schema));
    int id = answer.path("id").asInt(-1);
    if (id < 0) {
      throw malformedAnswer("POST /subjects/" + subject + "/versions", answer);
    }
    schemasById.putIfAbsent(id, schema);
    return id;
  }

  @Override
  public Schema getById(int id) {
    Schema cached = schemasById.get(id);
    if (cached != null) {
      return cached;
    }
    JsonNode answer = send("GET", "/schemas/ids/" + id, null);
    Schema schema = parse(answer, "GET /schemas/ids/" + id);
    Schema raced = schemasById.putIfAbsent(id, schema);
    return raced == null ? schema : raced;
  }

  @Override
  public RegisteredSchema getLatest(String subject) {
    String path = "/subjects/" + encode(subject) + "/versions/latest";
    JsonNode answer = send("GET", path, null);
    int id = answer.path("id").asInt(-1);
    int version = answer.path("version").asInt(-1);
    if (id < 0 || version < 0) {
      throw malformedAnswer("GET " + path, answer);
    }
    Schema schema = parse(answer, "GET " + path);
    schemasById.putIfAbsent(id, schema);
    return new RegisteredSchema(answer.path("subject").asText(subject), version, id, schema);
  }

  @Override
  public boolean testCompatibility(String subject, Schema schema) {
    String path = "/compatibility/subjects/" + encode(subject) + "/versions/latest";
    try {
      JsonNode answer = send("POST", path, schemaBody(schema));
      if (!answer.has("is_compatible")) {
        throw malformedAnswer("POST " + path, answer);
      }
      return answer.path("is_compatible").asBoolean();
    } catch (SchemaRegistryException e) {
      // Older registries answer "subject not found" where newer ones say compatible: nothing to
      // be incompatible with.
      if (e.errorCode() == SchemaRegistryException.SUBJECT_NOT_FOUND
          || e.errorCode() == SchemaRegistryException.VERSION_NOT_FOUND) {
        return true;
      }
      throw e;
    }
  }

  @Override
  public List<String> subjects() {
    JsonNode answer = send("GET", "/subjects", null);
    if (!answer.isArray()) {
      throw malformedAnswer("GET /subjects", answer);
    }
    List<String> subjects = new ArrayList<>();
    answer.forEach(n -> subjects.add(n.asText()));
    return List.copyOf(subjects);
  }

  @Override
  public String getCompatibility(String subject) {
    if (subject == null) {
      return level(send("GET", "/config", null), "GET /config");
    }
    String path = "/config/" + encode(subject);
    try {
      return level(send("GET", path + "?defaultToGlobal=true", null), "GET " + path);
    } catch (SchemaRegistryException e) {
      // 40408: no subject-level config and the registry ignored defaultToGlobal.
      if (e.httpStatus() == 404) {
        return getCompatibility(null);
      }
      throw e;
    }
  }

  @Override
  public void setCompatibility(String subject, String level) {
    ObjectNode body = JSON.createObjectNode().put("compatibility", level);
    send("PUT", subject == null ? "/config" : "/config/" + encode(subject), body);
  }

  private static String level(JsonNode answer, String what) {
    String level = answer.path("compatibilityLevel").asText(null);
    if (level == null) {
      level = answer.path("compatibility").asText(null);
    }
    if (level == null) {
      throw malformedAnswer(what, answer);
    }
    return level;
  }

  private static ObjectNode schemaBody(Schema schema) {
    return JSON.createObjectNode().put("schema", schema.toString());
  }

  private JsonNode send(String method, String path, JsonNode body) {
    String url = baseUrl + path;
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(requestTimeout)
            .header("Accept", CONTENT_TYPE + ", application/json;q=0.9")
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body.toString()));
    if (body != null) {
      request.header("Content-Type", CONTENT_TYPE);
    }
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (HttpTimeoutException e) {
      throw new SchemaRegistryException(
          "schema registry at "
              + baseUrl
              + " did not answer "
              + method
              + " "
              + path
              + " within "
              + requestTimeout.toMillis()
              + " ms; hint: check it is up, or raise "
              + REQUEST_TIMEOUT_MS,
          e);
    } catch (IOException e) {
      throw new SchemaRegistryException(
          "cannot reach the schema registry at "
              + baseUrl
              + " ("
              + e.getClass().getSimpleName()
              + (e.getMessage() == null ? "" : ": " + e.getMessage())
              + "); hint: start one with 'herald registry' or check --schema-registry-url",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SchemaRegistryException(
          "interrupted while calling the schema registry at " + baseUrl, e);
    }
    JsonNode answer = readJson(response.body());
    int status = response.statusCode();
    if (status >= 200 && status < 300) {
      return answer;
    }
    int errorCode = answer.path("error_code").asInt(status);
    String message = answer.path("message").asText("");
    if (message.isEmpty()) {
      message = response.body() == null ? "" : response.body();
    }
    if (status == 401 || status == 403) {
      message += "; hint: set " + BASIC_AUTH_USER_INFO + "=user:password";
    }
    throw new SchemaRegistryException(
        status,
        errorCode,
        "schema registry " + method + " " + path + " answered " + status + ": " + message);
  }

  private static JsonNode readJson(String text) {
    if (text == null || text.isBlank()) {
      return JSON.createObjectNode();
    }
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      return JSON.createObjectNode();
    }
  }

  /**
   * The schema of an answer, after the schemas it references (Confluent schema references, which
   * Confluent and Karapace answer with; Herald's registry answers schemas resolved).
   */
  private Schema parse(JsonNode answer, String what) {
    Schema.Parser parser = new Schema.Parser();
    defineReferences(parser, answer.path("references"), what, 0);
    return parse(parser, answer.path("schema").asText(null), what);
  }

  private void defineReferences(Schema.Parser parser, JsonNode refs, String what, int depth) {
    if (refs.size() > 0 && depth >= MAX_REFERENCE_DEPTH) {
      throw new SchemaRegistryException(
          500,
          SchemaRegistryException.INVALID_SCHEMA,
          what + " answered schema references nested deeper than " + MAX_REFERENCE_DEPTH);
    }
    for (JsonNode ref : refs) {
      String path =
          "/subjects/"
              + encode(ref.path("subject").asText())
              + "/versions/"
              + encode(ref.path("version").asText());
      JsonNode referenced = send("GET", path, null);
      defineReferences(parser, referenced.path("references"), "GET " + path, depth + 1);
      parse(parser, referenced.path("schema").asText(null), "GET " + path);
    }
  }

  private static Schema parse(Schema.Parser parser, String text, String what) {
    if (text == null) {
      throw new SchemaRegistryException(
          500, SchemaRegistryException.STORE_ERROR, what + " answered without a schema");
    }
    try {
      return parser.parse(text);
    } catch (SchemaParseException e) {
      throw new SchemaRegistryException(
          500,
          SchemaRegistryException.INVALID_SCHEMA,
          what + " answered a schema that is not Avro: " + e.getMessage());
    }
  }

  private static SchemaRegistryException malformedAnswer(String what, JsonNode answer) {
    return new SchemaRegistryException(
        500,
        SchemaRegistryException.STORE_ERROR,
        what + " answered something that is not a schema registry answer: " + answer);
  }

  private static String encode(String subject) {
    return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static long longProp(Map<String, String> props, String key, long defaultValue) {
    String value = props.get(key);
    if (value == null) {
      return defaultValue;
    }
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be a number of milliseconds, not " + value);
    }
  }
}
