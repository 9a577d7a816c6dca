package dev.herald.infra.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.herald.schema.registry.RestSchemaRegistryClient;
import dev.herald.schema.registry.SchemaRegistryException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The Confluent Schema Registry REST API, served by Javalin over a {@link SchemaStore}. */
final class RegistryHttpApi {
  private static final Logger LOG = LoggerFactory.getLogger(RegistryHttpApi.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final SchemaStore store;

  RegistryHttpApi(SchemaStore store) {
    this.store = store;
  }

  Javalin create() {
    Javalin app =
        Javalin.create(
            config -> {
              config.showJavalinBanner = false;
              config.router.ignoreTrailingSlashes = true;
            });
    // JSON is UTF-8 (RFC 8259); Jetty's default for a content type without charset is ISO-8859-1,
    // which would mangle any non-ASCII character of a schema's doc strings.
    app.before(ctx -> ctx.res().setCharacterEncoding("UTF-8"));
    app.get("/", ctx -> answer(ctx, JSON.createObjectNode()));
    app.get("/subjects", ctx -> answer(ctx, JSON.valueToTree(store.subjects())));
    app.get("/subjects/{subject}/versions", this::listVersions);
    app.post("/subjects/{subject}/versions", this::register);
    app.post("/subjects/{subject}", this::lookup);
    app.get(
        "/subjects/{subject}/versions/{version}",
        ctx ->
            answer(
                ctx, version(store.version(ctx.pathParam("subject"), ctx.pathParam("version")))));
    app.get(
        "/subjects/{subject}/versions/{version}/schema",
        ctx -> {
          String text =
              store.version(ctx.pathParam("subject"), ctx.pathParam("version")).schema().toString();
          ctx.contentType(RestSchemaRegistryClient.CONTENT_TYPE).result(text);
        });
    app.get("/schemas/ids/{id}", this::schemaById);
    app.get("/schemas/ids/{id}/schema", ctx -> ctx.result(store.schema(id(ctx)).toString()));
    app.get("/schemas/ids/{id}/versions", this::usages);
    app.get("/schemas/types", ctx -> answer(ctx, JSON.createArrayNode().add("AVRO")));
    app.post("/compatibility/subjects/{subject}/versions/{version}", this::compatibility);
    app.post("/compatibility/subjects/{subject}/versions", this::compatibilityAll);
    app.get(
        "/config",
        ctx -> answer(ctx, JSON.createObjectNode().put("compatibilityLevel", store.globalLevel())));
    app.put("/config", ctx -> setLevel(ctx, null));
    app.get(
        "/config/{subject}",
        ctx ->
            answer(
                ctx,
                JSON.createObjectNode()
                    .put(
                        "compatibilityLevel",
                        store.subjectLevel(
                            ctx.pathParam("subject"),
                            Boolean.parseBoolean(ctx.queryParam("defaultToGlobal"))))));
    app.put("/config/{subject}", ctx -> setLevel(ctx, ctx.pathParam("subject")));
    app.get("/mode", ctx -> answer(ctx, JSON.createObjectNode().put("mode", "READWRITE")));
    app.error(
        404,
        ctx -> {
          String result = ctx.result();
          if (result == null || !result.contains("error_code")) {
            error(ctx, 404, 404, "HTTP 404 Not Found: " + ctx.method() + " " + ctx.path());
          }
        });
    app.exception(
        SchemaRegistryException.class,
        (e, ctx) -> error(ctx, e.httpStatus(), e.errorCode(), e.getMessage()));
    app.exception(
        SchemaLog.StoreException.class,
        (e, ctx) -> {
          LOG.warn("schema store unavailable error={}", e.getMessage());
          error(ctx, 500, SchemaRegistryException.STORE_ERROR, "Store error: " + e.getMessage());
        });
    app.exception(
        Exception.class,
        (e, ctx) -> {
          LOG.warn("registry request failed path={} error={}", ctx.path(), e.toString());
          LOG.debug("registry request failure", e);
          error(ctx, 500, 50001, "Internal error: " + e.getMessage());
        });
    return app;
  }

  private void register(Context ctx) {
    int id = store.register(ctx.pathParam("subject"), schemaRequest(ctx));
    answer(ctx, JSON.createObjectNode().put("id", id));
  }

  private void lookup(Context ctx) {
    answer(ctx, version(store.lookup(ctx.pathParam("subject"), schemaRequest(ctx))));
  }

  private void listVersions(Context ctx) {
    ArrayNode numbers = JSON.createArrayNode();
    store.existingVersions(ctx.pathParam("subject")).forEach(v -> numbers.add(v.version()));
    answer(ctx, numbers);
  }

  private void schemaById(Context ctx) {
    answer(ctx, JSON.createObjectNode().put("schema", store.schema(id(ctx)).toString()));
  }

  private void usages(Context ctx) {
    ArrayNode out = JSON.createArrayNode();
    store
        .usages(id(ctx))
        .forEach(v -> out.addObject().put("subject", v.subject()).put("version", v.version()));
    answer(ctx, out);
  }

  private void compatibility(Context ctx) {
    boolean ok =
        store.isCompatible(ctx.pathParam("subject"), ctx.pathParam("version"), schemaRequest(ctx));
    answer(ctx, JSON.createObjectNode().put("is_compatible", ok));
  }

  private void compatibilityAll(Context ctx) {
    boolean ok = store.isCompatible(ctx.pathParam("subject"), "latest", schemaRequest(ctx));
    answer(ctx, JSON.createObjectNode().put("is_compatible", ok));
  }

  private void setLevel(Context ctx, String subject) {
    JsonNode body = body(ctx);
    String level = body.path("compatibility").asText(null);
    if (level == null) {
      level = body.path("compatibilityLevel").asText(null);
    }
    answer(ctx, JSON.createObjectNode().put("compatibility", store.setLevel(subject, level)));
  }

  private static ObjectNode version(RegistryState.Version v) {
    return JSON.createObjectNode()
        .put("subject", v.subject())
        .put("version", v.version())
        .put("id", v.id())
        .put("schema", v.schema().toString());
  }

  private static int id(Context ctx) {
    try {
      return Integer.parseInt(ctx.pathParam("id"));
    } catch (NumberFormatException e) {
      throw new SchemaRegistryException(
          404,
          SchemaRegistryException.SCHEMA_NOT_FOUND,
          "Schema " + ctx.pathParam("id") + " not found");
    }
  }

  /** The {@code schema} and {@code references} of a request body; only Avro. */
  private static SchemaStore.Request schemaRequest(Context ctx) {
    JsonNode body = body(ctx);
    String type = body.path("schemaType").asText("AVRO");
    if (!type.equals("AVRO")) {
      throw new SchemaRegistryException(
          422,
          SchemaRegistryException.INVALID_SCHEMA,
          "Invalid schema: schema type " + type + " is not supported; this registry holds AVRO");
    }
    JsonNode schema = body.get("schema");
    List<SchemaStore.Reference> references = new ArrayList<>();
    JsonNode refs = body.path("references");
    if (!refs.isMissingNode() && !refs.isNull() && !refs.isArray()) {
      throw invalidReference("'references' must be an array");
    }
    for (JsonNode ref : refs) {
      String name = ref.path("name").asText("");
      String subject = ref.path("subject").asText("");
      JsonNode version = ref.path("version");
      if (name.isEmpty() || subject.isEmpty() || !(version.isInt() || version.isTextual())) {
        throw invalidReference(
            "each reference needs a 'name' (the full Avro name), a 'subject' and a 'version';"
                + " got "
                + ref);
      }
      references.add(new SchemaStore.Reference(name, subject, version.asText()));
    }
    return new SchemaStore.Request(
        schema == null || !schema.isTextual() ? null : schema.asText(), references);
  }

  private static SchemaRegistryException invalidReference(String message) {
    return new SchemaRegistryException(
        422, SchemaRegistryException.INVALID_SCHEMA, "Invalid schema: " + message);
  }

  private static JsonNode body(Context ctx) {
    try {
      JsonNode node = JSON.readTree(new String(ctx.bodyAsBytes(), StandardCharsets.UTF_8));
      if (node == null || !node.isObject()) {
        throw new SchemaRegistryException(422, 422, "Request body must be a JSON object");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw new SchemaRegistryException(
          422, 422, "Unrecognized request body: " + e.getOriginalMessage());
    }
  }

  private static void answer(Context ctx, JsonNode body) {
    ctx.contentType(RestSchemaRegistryClient.CONTENT_TYPE).result(body.toString());
  }

  private static void error(Context ctx, int status, int errorCode, String message) {
    ctx.status(status < 400 ? 500 : status)
        .contentType(RestSchemaRegistryClient.CONTENT_TYPE)
        .result(
            JSON.createObjectNode()
                .put("error_code", errorCode)
                .put("message", message)
                .toString());
  }
}
