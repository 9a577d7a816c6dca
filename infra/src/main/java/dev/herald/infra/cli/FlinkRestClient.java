package dev.herald.infra.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * The part of Flink's REST API that {@code flink run} uses against a session cluster: upload a jar
 * ({@code POST /jars/upload}), run it ({@code POST /jars/:id/run}, which runs the jar's {@code
 * main} inside the JobManager), and look at the job ({@code GET /jobs/:id}). The JobManager needs
 * flink-runtime-web on its classpath for the {@code /jars} endpoints, as a Flink distribution has.
 *
 * <pre>{@code
 * FlinkRestClient flink = new FlinkRestClient(URI.create("http://jobmanager:8081"));
 * String jarId = flink.upload(Path.of("herald-flink-jobs.jar"));
 * String jobId = flink.run(jarId, "dev.herald.flink.HeraldFlinkMain", List.of("all", ...), 1);
 * }</pre>
 */
public final class FlinkRestClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final URI base;
  private final HttpClient http;
  private final Duration timeout;

  public FlinkRestClient(URI base) {
    this(base, Duration.ofSeconds(120));
  }

  public FlinkRestClient(URI base, Duration timeout) {
    String s = base.toString();
    this.base = URI.create(s.endsWith("/") ? s : s + "/");
    this.timeout = timeout;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  }

  /** A Flink REST call that failed: the HTTP status and Flink's own error messages. */
  public static final class FlinkRestException extends IOException {
    private static final long serialVersionUID = 1L;
    private final int status;

    FlinkRestException(int status, String message) {
      super(message);
      this.status = status;
    }

    public int status() {
      return status;
    }
  }

  /** The cluster's version, as {@code GET /config} reports it ({@code flink-version}). */
  public String version() throws IOException, InterruptedException {
    return get("config").path("flink-version").asText("");
  }

  /** Uploads a jar; returns its id on the cluster. */
  public String upload(Path jar) throws IOException, InterruptedException {
    String boundary = "herald-" + UUID.randomUUID();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    String fileName = jar.getFileName().toString();
    body.write(
        ("--"
                + boundary
                + "\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\""
                + fileName
                + "\"\r\nContent-Type: application/x-java-archive\r\n\r\n")
            .getBytes(StandardCharsets.UTF_8));
    body.write(Files.readAllBytes(jar));
    body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    HttpRequest request =
        HttpRequest.newBuilder(base.resolve("jars/upload"))
            .timeout(timeout)
            .header("Content-Type", "multipart/form-data; boundary=" + boundary)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
            .build();
    JsonNode reply = send(request);
    String path = reply.path("filename").asText("");
    if (path.isEmpty()) {
      throw new FlinkRestException(200, "the JobManager's upload reply has no filename: " + reply);
    }
    return Path.of(path).getFileName().toString();
  }

  /**
   * Runs an uploaded jar: its {@code main} runs in the JobManager and submits the job. Returns the
   * job id.
   */
  public String run(String jarId, String entryClass, List<String> args, int parallelism)
      throws IOException, InterruptedException {
    ObjectNode body = JSON.createObjectNode();
    body.put("entryClass", entryClass);
    body.putPOJO("programArgsList", args);
    if (parallelism > 0) {
      body.put("parallelism", parallelism);
    }
    HttpRequest request =
        HttpRequest.newBuilder(base.resolve("jars/" + jarId + "/run"))
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
            .build();
    JsonNode reply = send(request);
    String jobId = reply.path("jobid").asText("");
    if (jobId.isEmpty()) {
      throw new FlinkRestException(200, "the JobManager's run reply has no jobid: " + reply);
    }
    return jobId;
  }

  /** Deletes an uploaded jar. */
  public void deleteJar(String jarId) throws IOException, InterruptedException {
    send(HttpRequest.newBuilder(base.resolve("jars/" + jarId)).timeout(timeout).DELETE().build());
  }

  /** The job's state, e.g. {@code RUNNING}, {@code FAILED}. */
  public String jobState(String jobId) throws IOException, InterruptedException {
    return get("jobs/" + jobId).path("state").asText("");
  }

  /** The job's root exception, if any, as Flink reports it. */
  public String rootException(String jobId) throws IOException, InterruptedException {
    JsonNode ex = get("jobs/" + jobId + "/exceptions");
    String root = ex.path("root-exception").asText("");
    if (root.isEmpty()) {
      JsonNode history = ex.path("exceptionHistory").path("entries");
      if (history.isArray() && !history.isEmpty()) {
        root = history.get(0).path("exceptionName").asText("");
      }
    }
    return root;
  }

  /** {@code GET path}, as JSON. */
  public JsonNode get(String path) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(base.resolve(path)).timeout(timeout).GET().build());
  }

  private JsonNode send(HttpRequest request) throws IOException, InterruptedException {
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    String text = response.body();
    JsonNode json;
    try {
      json = text == null || text.isBlank() ? JSON.createObjectNode() : JSON.readTree(text);
    } catch (IOException e) {
      json = JSON.createObjectNode().put("body", text);
    }
    if (response.statusCode() >= 300) {
      throw new FlinkRestException(response.statusCode(), errors(json, response.statusCode()));
    }
    return json;
  }

  /** Flink's {@code {"errors": [...]}}: the first line of each, without Java stack frames. */
  static String errors(JsonNode json, int status) {
    JsonNode errors = json.path("errors");
    if (!errors.isArray() || errors.isEmpty()) {
      return "HTTP " + status + (json.has("body") ? ": " + json.get("body").asText() : "");
    }
    StringBuilder out = new StringBuilder();
    for (JsonNode e : errors) {
      for (String line : e.asText().split("\n")) {
        String l = line.strip();
        if (l.isEmpty()
            || l.startsWith("at ")
            || l.startsWith("...")
            || l.startsWith("<Exception")) {
          continue;
        }
        if (out.indexOf(l) < 0) {
          out.append(out.length() == 0 ? "" : " | ").append(l);
        }
      }
    }
    return "HTTP " + status + ": " + out;
  }
}
