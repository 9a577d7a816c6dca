package dev.herald.bench.flink;

import dev.herald.bench.setup.BenchEnvironment;
import dev.herald.bench.throughput.TopicDrain;
import dev.herald.flink.FlinkJobConfig;
import dev.herald.flink.HeraldFlinkMain;
import dev.herald.schema.Heartbeat;
import dev.herald.schema.HeartbeatStatus;
import dev.herald.schema.Topics;
import dev.herald.schema.serde.AvroWireFormat;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Flink availability job (bounded, in a local MiniCluster, parallelism 1) against a plain
 * consumer of {@code herald.heartbeats.v1}. The heartbeat topic is first topped up with {@code
 * heartbeats} heartbeats of 200 nodes, one per node and second of event time, so that the job has
 * real work (the simulator's own nodes beat only once a second).
 *
 * <pre>{@code
 * FlinkAvailabilityRun.Result r = FlinkAvailabilityRun.run(env, 100_000);
 * double ratio = r.flinkPerSecond() / r.plainPerSecond();
 * }</pre>
 */
public final class FlinkAvailabilityRun {
  private static final Logger LOG = LoggerFactory.getLogger(FlinkAvailabilityRun.class);
  private static final int NODES = 200;

  private FlinkAvailabilityRun() {}

  /**
   * The outcome.
   *
   * @param heartbeatRecords records of the heartbeat topic
   * @param plain the plain consumer's drain of it
   * @param flinkRecords records the job read (heartbeats and alerts)
   * @param flink the job's wall time, MiniCluster start included
   */
  public record Result(
      long heartbeatRecords, TopicDrain.Result plain, long flinkRecords, Duration flink) {
    public double plainPerSecond() {
      return plain.perSecond(heartbeatRecords);
    }

    public double flinkPerSecond() {
      return flinkRecords / Math.max(1e-9, flink.toNanos() / 1e9);
    }
  }

  /** Tops up the heartbeat topic, then times the plain consumer and the bounded Flink job. */
  public static Result run(BenchEnvironment env, long heartbeats) throws Exception {
    produceHeartbeats(env, heartbeats);
    TopicDrain.Result plain = TopicDrain.plain(env.bootstrapServers(), Topics.HEARTBEATS);
    TopicDrain.Result alerts = TopicDrain.plain(env.bootstrapServers(), Topics.ALERTS);
    FlinkJobConfig config =
        FlinkJobConfig.builder(env.bootstrapServers(), env.registryUrl())
            .bounded(true)
            .id("bench-" + UUID.randomUUID().toString().substring(0, 8))
            .build();
    StreamExecutionEnvironment flink = StreamExecutionEnvironment.createLocalEnvironment(1);
    long start = System.nanoTime();
    JobClient job = HeraldFlinkMain.start(flink, "availability", config);
    job.getJobExecutionResult().get();
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
    LOG.info(
        "flink availability done heartbeats={} alerts={} flinkMs={} plainMs={}",
        plain.records(),
        alerts.records(),
        elapsed.toMillis(),
        plain.elapsed().toMillis());
    return new Result(plain.records(), plain, plain.records() + alerts.records(), elapsed);
  }

  private static void produceHeartbeats(BenchEnvironment env, long count) {
    AvroWireFormat<Heartbeat> format = new AvroWireFormat<>(Heartbeat.class, env.registry());
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, env.bootstrapServers());
    p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    long base = Instant.now().toEpochMilli() - (count / NODES + 1) * 1000;
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
      for (long i = 0; i < count; i++) {
        String node = String.format("bench-hb-%03d", i % NODES);
        long seq = i / NODES;
        long time = base + seq * 1000;
        Heartbeat hb =
            Heartbeat.newBuilder()
                .setNodeId(node)
                .setGroups(List.of("bench-hb"))
                .setRegion("region-" + (i % 3))
                .setSequence(seq + 1)
                .setEventTime(Instant.ofEpochMilli(time))
                .setStatus(HeartbeatStatus.UP)
                .setKeyId("bench")
                .setSignature(ByteBuffer.allocate(0))
                .build();
        producer.send(
            new ProducerRecord<>(
                Topics.HEARTBEATS, null, time, node, format.serialize(Topics.HEARTBEATS, hb)));
      }
      producer.flush();
    }
  }
}
