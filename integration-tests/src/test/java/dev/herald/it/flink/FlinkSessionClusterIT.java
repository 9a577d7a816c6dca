package dev.herald.it.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.herald.flink.HeraldFlinkMain;
import dev.herald.flink.io.RegistrySpec;
import dev.herald.infra.cli.FlinkRestClient;
import dev.herald.infra.cli.HeraldCli;
import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.schema.AvailabilityScope;
import dev.herald.schema.AvailabilityWindow;
import dev.herald.schema.Heartbeat;
import dev.herald.schema.RiskReport;
import dev.herald.schema.Topics;
import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded job jar on a real Flink 2.2.1 session cluster ({@link StandaloneFlinkCluster}: a
 * JobManager and a TaskManager in JVMs of their own), submitted over REST by {@code herald flink
 * submit}, against the in-process Kafka broker.
 *
 * <ol>
 *   <li>A run whose arguments forget the job name is refused with the usage message, and the
 *       JobManager — in which {@code main} ran — is still up and serving.
 *   <li>Both jobs run: availability and risk records arrive (read_committed).
 *   <li>The TaskManager is SIGKILLed after a checkpoint; more heartbeats arrive while no
 *       TaskManager is up; a new TaskManager starts. The job restores its latest checkpoint and
 *       every node's availability windows are there exactly once: no duplicate, no gap.
 * </ol>
 */
@Tag("slow")
class FlinkSessionClusterIT {
  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  private static final Path JAR =
      StandaloneFlinkCluster.FLINK_JOBS_TARGET.resolve("herald-flink-jobs.jar");
  private static final long MINUTE = 60_000;

  @Test
  void jobJarRunsOnASessionClusterAndRecoversFromATaskManagerKill(@TempDir Path dir)
      throws Exception {
    assertThat(JAR).as("build flink-jobs first: ./mvnw -pl flink-jobs -am package").exists();
    RegistrySpec registry = RegistrySpec.parse(RegistrySpec.PRELOADED);
    long start = (System.currentTimeMillis() / 3_600_000 - 1) * 3_600_000;
    try (StandaloneFlinkCluster flink = StandaloneFlinkCluster.start(dir)) {
      flink.startTaskManager();
      flink.awaitTaskManagers(1);
      FlinkRestClient rest = flink.rest();

      // a usage error in main() is the submitter's error, not the end of the cluster
      String jarId = rest.upload(JAR);
      assertThatThrownBy(
              () ->
                  rest.run(
                      jarId,
                      HeraldFlinkMain.class.getName(),
                      List.of("--bootstrap-server", KAFKA.bootstrapServers()),
                      1))
          .isInstanceOf(FlinkRestClient.FlinkRestException.class)
          .hasMessageContaining("the first argument must name the job");
      rest.deleteJar(jarId);
      assertThat(flink.jobManagerAlive()).as(flink.log("jobmanager")).isTrue();
      assertThat(rest.get("overview").path("taskmanagers").asInt()).isEqualTo(1);

      // Given six minutes of heartbeats of three registered nodes
      produce(registry, start, start + 6 * MINUTE, true);
      // When herald flink submit runs both jobs on the cluster
      int exit =
          HeraldCli.run(
              "flink",
              "submit",
              "--jobmanager",
              flink.restUrl().toString(),
              "--jar",
              JAR.toString(),
              "-b",
              KAFKA.bootstrapServers(),
              "--registry",
              RegistrySpec.PRELOADED,
              "--job",
              "all",
              "--window",
              "1m",
              "--risk-slide",
              "1m",
              "--idleness",
              "5s",
              "--checkpoint-interval",
              "2s",
              "--id",
              "cluster");
      assertThat(exit).as(flink.log("jobmanager")).isZero();
      String jobId = flink.runningJob("herald-all");
      assertThat(jobId).isNotNull();
      // Then availability (windows of minutes 0..4 close) and risk records arrive
      AvroWireFormat<AvailabilityWindow> windows =
          new AvroWireFormat<>(AvailabilityWindow.class, registry.connect());
      AvroWireFormat<RiskReport> risk = new AvroWireFormat<>(RiskReport.class, registry.connect());
      await()
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofSeconds(1))
          .untilAsserted(
              () -> {
                assertThat(nodeWindows(windows))
                    .as(flink.log("taskmanager-1"))
                    .filteredOn(w -> w.getScopeId().equals("n1"))
                    .hasSize(5);
                assertThat(
                        TopicReader.readAll(
                            KAFKA.bootstrapServers(),
                            Topics.RISK,
                            r -> risk.deserialize(r.topic(), r.value())))
                    .isNotEmpty()
                    .allSatisfy(r -> assertThat(r.getGroup()).isEqualTo(CrashScenario.GROUP));
              });
      long completed = checkpoints(rest, jobId).path("counts").path("completed").asLong();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> checkpoints(rest, jobId).path("counts").path("completed").asLong() > completed);

      // When the TaskManager is killed, six more minutes of heartbeats arrive, and a new one starts
      long killedAt = System.nanoTime();
      flink.killTaskManager();
      produce(registry, start + 6 * MINUTE, start + 12 * MINUTE, false);
      flink.startTaskManager();

      // Then the job restores its checkpoint and the windows of minutes 0..10 are each there once
      AtomicReference<List<AvailabilityWindow>> seen = new AtomicReference<>();
      await()
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofSeconds(1))
          .untilAsserted(
              () -> {
                seen.set(nodeWindows(windows));
                assertThat(seen.get())
                    .as(flink.log("taskmanager-2"))
                    .filteredOn(w -> w.getScopeId().equals("n3"))
                    .extracting(w -> w.getWindowStart().toEpochMilli())
                    .contains(start + 10 * MINUTE);
              });
      System.out.printf(
          "TaskManager SIGKILLed; the windows written after the restart were committed %.1f s"
              + " later (new TaskManager start, restore from the checkpoint, catch-up)%n",
          (System.nanoTime() - killedAt) / 1e9);
      assertThat(checkpoints(rest, jobId).path("counts").path("restored").asLong()).isPositive();
      Map<String, Long> copies =
          seen.get().stream()
              .collect(
                  Collectors.groupingBy(
                      w -> w.getScopeId() + "@" + w.getWindowStart().toEpochMilli(),
                      Collectors.counting()));
      assertThat(copies).allSatisfy((window, n) -> assertThat(n).as(window).isEqualTo(1L));
      for (String node : CrashScenario.NODES) {
        assertThat(seen.get())
            .filteredOn(w -> w.getScopeId().equals(node))
            .extracting(w -> (w.getWindowStart().toEpochMilli() - start) / MINUTE)
            .containsExactlyInAnyOrder(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
      }
      assertThat(flink.jobManagerAlive()).isTrue();
    }
  }

  private static List<AvailabilityWindow> nodeWindows(AvroWireFormat<AvailabilityWindow> format) {
    return TopicReader.readAll(
            KAFKA.bootstrapServers(),
            Topics.AVAILABILITY,
            r -> format.deserialize(r.topic(), r.value()))
        .stream()
        .filter(w -> w.getScope() == AvailabilityScope.NODE)
        .toList();
  }

  private static JsonNode checkpoints(FlinkRestClient rest, String jobId) throws Exception {
    return rest.get("jobs/" + jobId + "/checkpoints");
  }

  /** Signed heartbeats of the scenario's nodes every 5 s in [from, to); registers them first. */
  private static void produce(RegistrySpec registry, long from, long to, boolean register) {
    SchemaRegistryClient client = registry.connect();
    AvroWireFormat<Heartbeat> format = new AvroWireFormat<>(Heartbeat.class, client);
    try (KafkaProducer<byte[], byte[]> producer =
        CrashScenario.producer(KAFKA.bootstrapServers())) {
      if (register) {
        CrashScenario.register(producer, client);
      }
      for (long t = from; t < to; t += CrashScenario.INTERVAL_MS) {
        for (String node : CrashScenario.NODES) {
          Heartbeat h = CrashScenario.signedHeartbeat(node, t, t);
          producer.send(
              new ProducerRecord<>(
                  Topics.HEARTBEATS,
                  null,
                  t,
                  CrashScenario.bytes(node),
                  format.serialize(Topics.HEARTBEATS, h)));
        }
      }
      producer.flush();
    }
  }
}
