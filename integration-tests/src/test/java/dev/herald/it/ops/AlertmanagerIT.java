package dev.herald.it.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.herald.auditor.api.AuditorApi;
import dev.herald.auditor.subscribe.SubscriptionConfig;
import dev.herald.it.support.AuditedBroker;
import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.schema.AlertStatus;
import dev.herald.schema.AlertType;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.Severity;
import dev.herald.schema.Topics;
import dev.herald.schema.registry.InMemorySchemaRegistryClient;
import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Herald's alerts in a real Alertmanager (Debian's {@code prometheus-alertmanager}) with a 2 s
 * {@code resolve_timeout}: an open EQUIVOCATION is re-sent with {@code endsAt} and stays firing
 * through several resolve timeouts, a RESOLVED FORK is resolved there (Alertmanager notifies its
 * receiver "resolved"), and the HeraldWatchdog always fires.
 */
@Tag("slow")
class AlertmanagerIT {
  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration RESOLVE_TIMEOUT = Duration.ofSeconds(2);

  @TempDir Path dir;
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void activeAlertsStayFiringAndResolvedOnesResolveInAlertmanager() throws Exception {
    Path binary = ExternalTool.require("prometheus-alertmanager", "prometheus-alertmanager");
    SchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    AvroWireFormat<AuditAlert> format = new AvroWireFormat<>(AuditAlert.class, registry);
    try (WebhookReceiver notifications = new WebhookReceiver();
        Alertmanager am = Alertmanager.start(binary, dir, notifications.url("/am"));
        KafkaProducer<String, byte[]> producer = AuditedBroker.producer(KAFKA.bootstrapServers());
        AuditorApi api =
            AuditorApi.builder()
                .kafka(KAFKA.clientProperties())
                .registry(registry)
                .port(0)
                .instanceName("it-auditor")
                .subscriptions(
                    SubscriptionConfig.parse(
                        "subscriptions:\n"
                            + "  - name: it-alertmanager\n"
                            + "    kind: alertmanager\n"
                            + "    url: http://127.0.0.1:"
                            + am.port
                            + "\n    resendInterval: 1s\n"))
                .start()) {
      await().atMost(Duration.ofSeconds(60)).until(api::ready);

      // Given: an EQUIVOCATION and a FORK open
      AuditAlert equivocation = alert(AlertType.EQUIVOCATION, Severity.CRITICAL);
      AuditAlert fork = alert(AlertType.FORK, Severity.HIGH);
      for (AuditAlert a : List.of(equivocation, fork)) {
        producer
            .send(
                new ProducerRecord<>(
                    Topics.ALERTS, a.getAlertId(), format.serialize(Topics.ALERTS, a)))
            .get();
      }
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertThat(am.activeAlertIds())
                      .contains(equivocation.getAlertId(), fork.getAlertId(), "HeraldWatchdog"));

      // When: the FORK resolves
      AuditAlert resolved =
          AuditAlert.newBuilder(fork)
              .setStatus(AlertStatus.RESOLVED)
              .setResolvedAt(Instant.now())
              .build();
      producer
          .send(
              new ProducerRecord<>(
                  Topics.ALERTS, fork.getAlertId(), format.serialize(Topics.ALERTS, resolved)))
          .get();

      // Then: Alertmanager resolves it and tells its receiver ...
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                assertThat(am.activeAlertIds()).doesNotContain(fork.getAlertId());
                assertThat(statuses(notifications, fork.getAlertId())).contains("resolved");
              });
      // ... while the EQUIVOCATION and the watchdog keep firing through five resolve timeouts
      await()
          .during(RESOLVE_TIMEOUT.multipliedBy(5))
          .atMost(RESOLVE_TIMEOUT.multipliedBy(8))
          .pollInterval(Duration.ofMillis(500))
          .until(
              () ->
                  am.activeAlertIds()
                      .containsAll(List.of(equivocation.getAlertId(), "HeraldWatchdog")));
      assertThat(statuses(notifications, equivocation.getAlertId()))
          .contains("firing")
          .doesNotContain("resolved");
    }
  }

  /** The statuses Alertmanager notified its webhook receiver of, for one Herald alert id. */
  private static List<String> statuses(WebhookReceiver receiver, String alertId)
      throws IOException {
    List<String> out = new ArrayList<>();
    for (WebhookReceiver.Delivery d : receiver.to("/am")) {
      for (JsonNode a : JSON.readTree(d.body()).path("alerts")) {
        if (alertId.equals(a.path("labels").path("alert_id").asText())) {
          out.add(a.path("status").asText());
        }
      }
    }
    return out;
  }

  private static AuditAlert alert(AlertType type, Severity severity) {
    Instant now = Instant.now();
    return AuditAlert.newBuilder()
        .setAlertId(type.name().toLowerCase() + "-" + UUID.randomUUID())
        .setType(type)
        .setSeverity(severity)
        .setStatus(AlertStatus.OPEN)
        .setGroup("payments")
        .setEntityKey("acct-1")
        .setVersion(7L)
        .setNodes(List.of("n3"))
        .setDetail(type + " written by the test")
        .setDetectedAt(now)
        .setFirstEventTime(now)
        .build();
  }

  /** Debian's Alertmanager, one instance, no cluster, routing everything to one webhook. */
  private static final class Alertmanager implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Path log;
    private final HttpClient http = HttpClient.newHttpClient();

    private Alertmanager(Process process, int port, Path log) {
      this.process = process;
      this.port = port;
      this.log = log;
    }

    static Alertmanager start(Path binary, Path dir, String webhook) throws Exception {
      Path config = dir.resolve("alertmanager.yml");
      Files.writeString(
          config,
          "global:\n"
              + "  resolve_timeout: "
              + RESOLVE_TIMEOUT.toSeconds()
              + "s\n"
              + "route:\n"
              + "  receiver: hook\n"
              + "  group_by: [alert_id]\n"
              + "  group_wait: 0s\n"
              + "  group_interval: 1s\n"
              + "  repeat_interval: 1h\n"
              + "receivers:\n"
              + "  - name: hook\n"
              + "    webhook_configs:\n"
              + "      - url: "
              + webhook
              + "\n"
              + "        send_resolved: true\n");
      int port = ExternalTool.freePort();
      Path log = dir.resolve("alertmanager.log");
      Process p =
          new ProcessBuilder(
                  binary.toString(),
                  "--config.file=" + config,
                  "--storage.path=" + dir.resolve("am-data"),
                  "--web.listen-address=127.0.0.1:" + port,
                  "--cluster.listen-address=",
                  "--log.level=warn")
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      Alertmanager am = new Alertmanager(p, port, log);
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(250))
          .ignoreExceptions()
          .until(
              () -> {
                if (!p.isAlive()) {
                  throw new IllegalStateException("alertmanager exited:\n" + Files.readString(log));
                }
                return am.get("/-/ready").statusCode() == 200;
              });
      return am;
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
      return http.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
          HttpResponse.BodyHandlers.ofString());
    }

    /** Herald alert ids (and "HeraldWatchdog") of the alerts Alertmanager holds as active. */
    List<String> activeAlertIds() throws IOException, InterruptedException {
      List<String> out = new ArrayList<>();
      for (JsonNode a : JSON.readTree(get("/api/v2/alerts").body())) {
        if ("active".equals(a.path("status").path("state").asText())) {
          JsonNode labels = a.path("labels");
          out.add(
              labels.has("alert_id")
                  ? labels.get("alert_id").asText()
                  : labels.path("alertname").asText());
        }
      }
      return out;
    }

    @Override
    public void close() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }
}
