package dev.herald.auditor.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;

/**
 * {@code GET /api/groups/{group}/entities/{key}}: answers from this instance's state store when it
 * owns the key, and otherwise forwards the lookup to the auditor instance that does (Kafka Streams
 * interactive queries route by partition), passing the caller's {@code Authorization} on so the
 * owner applies the caller's role, and marking the request so a stale ownership answer cannot loop.
 * A viewer gets the state without its signed claims ({@link EntityRedaction}).
 *
 * <pre>{@code
 * EntityForwarder entities = new EntityForwarder(lookup, json);
 * app.get("/api/groups/{group}/entities/<key>", ctx -> entities.serve(ctx, isOperator(ctx)));
 * }</pre>
 */
final class EntityForwarder {
  /** Set on forwarded entity lookups so a stale owner answer cannot loop. */
  static final String FORWARDED_HEADER = "X-Herald-Forwarded";

  private final EntityStateLookup lookup;
  private final ObjectMapper json;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  EntityForwarder(EntityStateLookup lookup, ObjectMapper json) {
    this.lookup = lookup;
    this.json = json;
  }

  /** Answers the entity route; {@code operator}: whether the caller sees the signed claims. */
  void serve(Context ctx, boolean operator) throws IOException, InterruptedException {
    String group = ctx.pathParam("group");
    String key = ctx.pathParam("key");
    EntityStateLookup.Result result = lookup.lookup(group, key);
    if (result instanceof EntityStateLookup.Local local) {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("group", group);
      body.put("entityKey", key);
      Object state =
          local.state() instanceof SpecificRecord ? AvroJson.toJson(local.state()) : local.state();
      body.put("state", operator ? state : EntityRedaction.withoutClaims(json.valueToTree(state)));
      if (!operator) {
        body.put("redacted", EntityRedaction.NOTE);
      }
      ctx.json(body);
    } else if (result instanceof EntityStateLookup.Remote remote) {
      forward(ctx, remote, group, key);
    } else if (result instanceof EntityStateLookup.Unavailable u) {
      throw ApiException.unavailable("auditor unavailable", u.reason());
    } else {
      throw ApiException.notFound(
          "entity", "no reconciled state for entity '" + key + "' in group '" + group + "'");
    }
  }

  private void forward(Context ctx, EntityStateLookup.Remote remote, String group, String key)
      throws IOException, InterruptedException {
    if (ctx.header(FORWARDED_HEADER) != null) {
      throw ApiException.unavailable(
          "auditor unavailable", "ownership of the key is moving between instances; retry shortly");
    }
    URI uri =
        URI.create(
            "http://"
                + remote.host()
                + ":"
                + remote.port()
                + "/api/groups/"
                + URLEncoder.encode(group, StandardCharsets.UTF_8).replace("+", "%20")
                + "/entities/"
                + URLEncoder.encode(key, StandardCharsets.UTF_8)
                    .replace("+", "%20")
                    .replace("%2F", "/"));
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri)
            .timeout(Duration.ofSeconds(5))
            .header(FORWARDED_HEADER, "1")
            .GET();
    String authorization = ctx.header("Authorization");
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new ApiException(
          502,
          "owner unreachable",
          "the instance owning the key ("
              + remote.host()
              + ":"
              + remote.port()
              + ") did not answer: "
              + e.getMessage());
    }
    ctx.status(response.statusCode())
        .contentType("application/json")
        .header("X-Herald-Served-By", remote.host() + ":" + remote.port())
        .result(response.body());
  }
}
