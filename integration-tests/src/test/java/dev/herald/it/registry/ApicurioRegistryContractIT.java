package dev.herald.it.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

/**
 * The registry contract against Apicurio Registry's Confluent-compatible API ({@code
 * /apis/ccompat/v7}; the version is the root pom's {@code apicurio.version}), run as a child
 * process from the distribution the build unpacks into {@code target/apicurio}. Proves that {@code
 * RestSchemaRegistryClient} and the serdes need nothing of Herald's own registry.
 *
 * <p>Apicurio 3.3 is compiled for Java 21, so it runs on the first of: {@code
 * -Dherald.apicurio.java=/path/to/bin/java}, this JVM when it is 21 or newer, the newest JDK 21+
 * under {@code /usr/lib/jvm} (the build machine has Temurin's there).
 */
@Tag("slow")
class ApicurioRegistryContractIT extends SchemaRegistryContract {
  private static Process apicurio;
  private static String url;
  private static Path log;

  @BeforeAll
  static void startApicurio() throws IOException {
    Path dir = Path.of(System.getProperty("herald.apicurio.dir", "target/apicurio"));
    // a Quarkus fast-jar: quarkus-run.jar beside lib/, app/ and quarkus/
    Path jar = dir.resolve("quarkus-run.jar");
    assertThat(jar).as("Apicurio distribution (unpacked by the integration-tests build)").exists();
    int httpPort = freePort();
    int managementPort = freePort();
    log = Files.createTempFile("apicurio", ".log");
    String java = JavaRuntimes.atLeast(21, "herald.apicurio.java", "Apicurio Registry 3.3");
    apicurio =
        new ProcessBuilder(
                List.of(
                    java,
                    "-Xmx512m",
                    "-Dquarkus.http.port=" + httpPort,
                    "-Dquarkus.http.host=127.0.0.1",
                    "-Dquarkus.management.port=" + managementPort,
                    "-Dquarkus.management.host=127.0.0.1",
                    "-jar",
                    jar.toString()))
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    url = "http://127.0.0.1:" + httpPort + "/apis/ccompat/v7";
    HttpClient http = HttpClient.newHttpClient();
    await("Apicurio ready at " + url)
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(250))
        .ignoreException(java.net.ConnectException.class)
        .until(
            () -> {
              if (!apicurio.isAlive()) {
                throw new AssertionError(
                    "Apicurio exited with " + apicurio.exitValue() + ": " + Files.readString(log));
              }
              return http.send(
                          HttpRequest.newBuilder(URI.create(url + "/subjects")).build(),
                          HttpResponse.BodyHandlers.discarding())
                      .statusCode()
                  == 200;
            });
  }

  @AfterAll
  static void stopApicurio() throws InterruptedException {
    if (apicurio != null) {
      apicurio.destroy();
      if (!apicurio.waitFor(20, TimeUnit.SECONDS)) {
        apicurio.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Override
  protected String registryUrl() {
    return url;
  }
}
