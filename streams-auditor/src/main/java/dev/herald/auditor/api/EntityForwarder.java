package dev.herald.auditor.api;

import io.javalin.http.Context;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Forwards an entity lookup to the auditor instance that owns the key (Kafka Streams interactive
 * queries route by partition), passing the caller's {@code Authorization} on so the owner applies
 * the caller's role, and marking the request so a stale ownership answer cannot loop.
 *
 * <pre>{@code
 * new EntityForwarder().forward(ctx, remote, "payments", "acct-1");
 * }</pre>
 */
final class EntityForwarder {
  /** Set on forwarded entity lookups so a stale owner answer cannot loop. */
  static final String FORWARDED_HEADER = "X-Herald-Forwarded";

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  void forward(Context ctx, EntityStateLookup.Remote remote, String group, String key)
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
