package dev.herald.it.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.flink.io.RegistrySpec;
import dev.herald.infra.cli.HeraldCli;
import dev.herald.schema.AvailabilityScope;
import dev.herald.schema.AvailabilityWindow;
import dev.herald.schema.Topics;
import dev.herald.schema.serde.AvroWireFormat;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.kafka.ConfluentKafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The shaded job jar on the official {@code flink:2.2.1} image (a JobManager and a TaskManager
 * container), submitted by {@code herald flink submit} over REST, reading Herald's signed
 * heartbeats from a Kafka container and writing availability windows there. Needs Docker ({@link
 * RequiresDocker}); without it, FlinkSessionClusterIT runs the same jar on a session cluster built
 * from Maven Central jars.
 */
@Tag("slow")
@Tag("interop")
@RequiresDocker
class FlinkImageInteropIT {
  private static final String FLINK_IMAGE =
      "flink:" + System.getProperty("herald.flink.version", "2.2.1") + "-java17";
  private static final String PROPERTIES =
      "jobmanager.rpc.address: jobmanager\nparallelism.default: 1\n"
          + "taskmanager.numberOfTaskSlots: 2\nexecution.checkpointing.dir: file:///tmp/checkpoints\n";

  private static Network network;
  private static ConfluentKafkaContainer kafka;
  private static GenericContainer<?> jobManager;
  private static GenericContainer<?> taskManager;

  @BeforeAll
  static void start() {
    network = Network.newNetwork();
    kafka =
        new ConfluentKafkaContainer(
                DockerImageName.parse(
                    "confluentinc/cp-kafka:" + ConfluentSchemaRegistryInteropIT.CONFLUENT))
            .withNetwork(network)
            .withNetworkAliases("kafka")
            .withListener("kafka:19092");
    kafka.start();
    jobManager =
        new GenericContainer<>(DockerImageName.parse(FLINK_IMAGE))
            .withNetwork(network)
            .withNetworkAliases("jobmanager")
            .withCommand("jobmanager")
            .withEnv("FLINK_PROPERTIES", PROPERTIES)
            .withExposedPorts(8081)
            .waitingFor(Wait.forHttp("/overview").forStatusCode(200))
            .withStartupTimeout(Duration.ofMinutes(3));
    jobManager.start();
    taskManager =
        new GenericContainer<>(DockerImageName.parse(FLINK_IMAGE))
            .withNetwork(network)
            .withCommand("taskmanager")
            .withEnv("FLINK_PROPERTIES", PROPERTIES)
            .dependsOn(jobManager);
    taskManager.start();
  }

  @AfterAll
  static void stop() {
    for (GenericContainer<?> c : new GenericContainer<?>[] {taskManager, jobManager, kafka}) {
      if (c != null) {
        c.stop();
      }
    }
    if (network != null) {
      network.close();
    }
  }

  @Test
  void theJobJarRunsOnTheOfficialFlinkImage() {
    // Given five minutes of signed heartbeats of three registered nodes
    RegistrySpec registry = RegistrySpec.parse(RegistrySpec.PRELOADED);
    InteropRecords.write(kafka.getBootstrapServers(), registry.connect(), 5);
    String jobManagerUrl = "http://" + jobManager.getHost() + ":" + jobManager.getMappedPort(8081);
    // When herald flink submit sends the job jar to the JobManager container
    int exit =
        HeraldCli.run(
            "flink",
            "submit",
            "--jobmanager",
            jobManagerUrl,
            "--jar",
            Path.of("..", "flink-jobs", "target", "herald-flink-jobs.jar").toString(),
            "-b",
            "kafka:19092",
            "--registry",
            RegistrySpec.PRELOADED,
            "--job",
            "availability",
            "--idleness",
            "5s",
            "--checkpoint-interval",
            "2s",
            "--id",
            "interop");
    // Then it runs, and every node's availability windows arrive (read_committed)
    assertThat(exit).as(jobManager.getLogs()).isZero();
    AvroWireFormat<AvailabilityWindow> format =
        new AvroWireFormat<>(AvailabilityWindow.class, registry.connect());
    await()
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofSeconds(2))
        .untilAsserted(
            () ->
                assertThat(windows(format))
                    .as(taskManager.getLogs())
                    .filteredOn(w -> w.getScope() == AvailabilityScope.NODE)
                    .extracting(w -> w.getScopeId().toString())
                    .contains("n1", "n2", "n3"));
  }

  private static List<AvailabilityWindow> windows(AvroWireFormat<AvailabilityWindow> format) {
    Properties p = new Properties();
    p.put("bootstrap.servers", kafka.getBootstrapServers());
    p.put("group.id", "interop-read-" + System.nanoTime());
    p.put("auto.offset.reset", "earliest");
    p.put("isolation.level", "read_committed");
    List<AvailabilityWindow> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(Topics.AVAILABILITY));
      for (int i = 0; i < 6; i++) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          out.add(format.deserialize(r.topic(), r.value()));
        }
      }
    }
    return out;
  }
}
