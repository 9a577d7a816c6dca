package dev.herald.it.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.herald.flink.io.RegistrySpec;
import dev.herald.infra.cli.HeraldCli;
import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.schema.AvailabilityScope;
import dev.herald.schema.AvailabilityWindow;
import dev.herald.schema.Heartbeat;
import dev.herald.schema.HeartbeatStatus;
import dev.herald.schema.Topics;
import dev.herald.schema.serde.AvroWireFormat;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * How fast {@code herald flink --bounded} (both jobs, parallelism 1, exactly-once sinks) gets
 * through a backlog of heartbeats. A measurement, not a gate: runs only with {@code
 * -Dherald.bench=true}, e.g. {@code -Dherald.bench.nodes=300 -Dherald.bench.minutes=60}.
 */
@Tag("slow")
class FlinkThroughputIT {
  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @Test
  void measuresBacklogThroughputOfBothJobs() {
    assumeTrue(Boolean.getBoolean("herald.bench"), "set -Dherald.bench=true to measure");
    int nodes = Integer.getInteger("herald.bench.nodes", 300);
    int minutes = Integer.getInteger("herald.bench.minutes", 60);
    long hour = 3_600_000;
    long start = (System.currentTimeMillis() / hour - 2) * hour;
    AvroWireFormat<Heartbeat> format =
        new AvroWireFormat<>(Heartbeat.class, RegistrySpec.preloaded());
    Properties props = KAFKA.clientProperties();
    CrashScenario.awaitLeaders(props);
    props.put("linger.ms", "20");
    long produced = 0;
    long t0 = System.nanoTime();
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (long t = start; t < start + minutes * 60_000L; t += 5_000) {
        for (int n = 0; n < nodes; n++) {
          String node = "node-" + n;
          Heartbeat h =
              Heartbeat.newBuilder()
                  .setNodeId(node)
                  .setGroups(List.of("group-" + (n % 10)))
                  .setRegion("region-" + (n % 3))
                  .setSequence(t)
                  .setEventTime(Instant.ofEpochMilli(t))
                  .setStatus(HeartbeatStatus.UP)
                  .setSignature(ByteBuffer.wrap(new byte[64]))
                  .build();
          producer.send(
              new ProducerRecord<>(
                  Topics.HEARTBEATS,
                  node.getBytes(StandardCharsets.UTF_8),
                  format.serialize(Topics.HEARTBEATS, h)));
          produced++;
        }
      }
    }
    double produceSeconds = (System.nanoTime() - t0) / 1e9;
    long t1 = System.nanoTime();
    int exit =
        HeraldCli.run(
            "flink",
            "--bootstrap-server",
            KAFKA.bootstrapServers(),
            "--registry",
            RegistrySpec.PRELOADED,
            "--bounded",
            "--id",
            "bench");
    double seconds = (System.nanoTime() - t1) / 1e9;
    assertThat(exit).isZero();
    AvroWireFormat<AvailabilityWindow> windows =
        new AvroWireFormat<>(AvailabilityWindow.class, RegistrySpec.preloaded());
    long nodeWindows =
        TopicReader.readAll(
                KAFKA.bootstrapServers(),
                Topics.AVAILABILITY,
                r -> windows.deserialize(r.topic(), r.value()))
            .stream()
            .filter(w -> w.getScope() == AvailabilityScope.NODE)
            .count();
    System.out.printf(
        "BENCH heartbeats=%d nodes=%d minutes=%d produce=%.1fs flink(both jobs, incl. MiniCluster"
            + " start)=%.1fs => %.0f heartbeats/s; node windows=%d%n",
        produced, nodes, minutes, produceSeconds, seconds, produced / seconds, nodeWindows);
    assertThat(nodeWindows).isEqualTo((long) nodes * minutes);
  }
}
