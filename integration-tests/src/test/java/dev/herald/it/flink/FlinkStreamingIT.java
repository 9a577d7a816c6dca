package dev.herald.it.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.flink.FlinkJobConfig;
import dev.herald.flink.HeraldFlinkMain;
import dev.herald.flink.io.RegistrySpec;
import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.schema.AvailabilityWindow;
import dev.herald.schema.Topics;
import dev.herald.schema.serde.AvroWireFormat;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The availability job as it runs in production: unbounded, on a topic where most partitions never
 * see a record. Only idleness lets the watermark advance past them; the crash window must then be
 * emitted and committed while the job keeps running.
 */
@Tag("slow")
class FlinkStreamingIT {
  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @Test
  void unboundedJobEmitsTheCrashWindowsThanksToIdlePartitions() throws Exception {
    // Given 3 nodes on a 6-partition topic, so at least 3 partitions stay empty
    CrashScenario scenario = CrashScenario.recent(12, 3, 120_000);
    RegistrySpec registry = RegistrySpec.parse(RegistrySpec.PRELOADED);
    scenario.produce(KAFKA.bootstrapServers(), registry);
    FlinkJobConfig config =
        FlinkJobConfig.builder(KAFKA.bootstrapServers(), RegistrySpec.PRELOADED)
            // long enough for every partition to deliver its first record after start (else a
            // slow partition's records are behind the watermark the others set), short enough
            // that the empty partitions stop holding it back within the test
            .idleness(Duration.ofSeconds(5))
            .checkpointInterval(Duration.ofSeconds(1))
            .id("streaming")
            .build();
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1);
    // When
    JobClient job = HeraldFlinkMain.start(env, "availability", config);
    try {
      // Then every window up to the last one the watermark has passed is committed
      AvroWireFormat<AvailabilityWindow> format =
          new AvroWireFormat<>(AvailabilityWindow.class, registry.connect());
      long crashEnd = scenario.firstAfter();
      await()
          .atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofSeconds(1))
          .untilAsserted(
              () -> {
                List<AvailabilityWindow> windows =
                    TopicReader.readAll(
                        KAFKA.bootstrapServers(),
                        Topics.AVAILABILITY,
                        r -> format.deserialize(r.topic(), r.value()));
                assertThat(windows).anyMatch(w -> w.getWindowStart().toEpochMilli() > crashEnd);
                assertThat(FlinkEndToEndIT.downtime(windows, "n2"))
                    .isEqualTo(scenario.expectedDowntimeMs(15_000));
              });
      assertThat(job.getJobStatus().get(10, TimeUnit.SECONDS).isGloballyTerminalState()).isFalse();
    } finally {
      job.cancel().get(30, TimeUnit.SECONDS);
    }
  }
}
