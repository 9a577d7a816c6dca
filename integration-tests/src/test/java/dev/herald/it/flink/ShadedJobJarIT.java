package dev.herald.it.flink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.flink.io.RegistrySpec;
import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.schema.AvailabilityWindow;
import dev.herald.schema.Topics;
import dev.herald.schema.serde.AvroWireFormat;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded job jar runs its job in a separate JVM whose classpath is the jar plus only what a
 * Flink installation provides ({@code flink-jobs/target/flink-runtime.classpath}: Flink and its own
 * dependencies, no Kafka client, no Avro, no Herald classes). It proves the jar is self-contained;
 * the JVM runs a local MiniCluster because there is no Flink cluster on this machine.
 */
@Tag("slow")
class ShadedJobJarIT {
  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  private static final Path TARGET = Path.of("..", "flink-jobs", "target");

  @Test
  void jobJarMeasuresTheCrashInASeparateJvm(@TempDir Path dir) throws Exception {
    // Given
    Path jar = TARGET.resolve("herald-flink-jobs.jar");
    Path classpathFile = TARGET.resolve("flink-runtime.classpath");
    assertThat(jar).as("build flink-jobs first: ./mvnw -pl flink-jobs -am package").exists();
    String flinkClasspath = Files.readString(classpathFile).trim();
    assertThat(flinkClasspath).doesNotContain("kafka-clients", "avro-", "herald-");
    CrashScenario scenario = CrashScenario.recent(12, 3, 120_000);
    scenario.produce(KAFKA.bootstrapServers(), RegistrySpec.parse(RegistrySpec.PRELOADED));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path log = dir.resolve("job.log");
    // When
    Process process =
        new ProcessBuilder(
                java,
                "-Xmx768m",
                "-cp",
                jar.toAbsolutePath() + File.pathSeparator + flinkClasspath,
                "dev.herald.flink.HeraldFlinkMain",
                "availability",
                "--bootstrap-server",
                KAFKA.bootstrapServers(),
                "--registry",
                RegistrySpec.PRELOADED,
                "--bounded",
                "true",
                "--checkpoint-interval",
                "1s",
                "--id",
                "shaded")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    boolean exited = process.waitFor(3, TimeUnit.MINUTES);
    if (!exited) {
      process.destroyForcibly();
    }
    // Then
    assertThat(exited).as("job finished; log:\n%s", Files.readString(log)).isTrue();
    assertThat(process.exitValue()).as("exit code; log:\n%s", Files.readString(log)).isZero();
    AvroWireFormat<AvailabilityWindow> format =
        new AvroWireFormat<>(AvailabilityWindow.class, RegistrySpec.preloaded());
    List<AvailabilityWindow> windows =
        TopicReader.readAll(
            KAFKA.bootstrapServers(),
            Topics.AVAILABILITY,
            r -> format.deserialize(r.topic(), r.value()));
    assertThat(FlinkEndToEndIT.downtime(windows, "n2"))
        .isEqualTo(scenario.expectedDowntimeMs(15_000));
    assertThat(FlinkEndToEndIT.downtime(windows, "n1")).isZero();
  }
}
