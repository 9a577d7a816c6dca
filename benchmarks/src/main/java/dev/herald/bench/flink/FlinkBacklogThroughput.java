package dev.herald.bench.flink;

import dev.herald.bench.setup.BenchEnvironment;
import dev.herald.flink.io.RegistrySpec;
import dev.herald.infra.cli.HeraldCli;
import dev.herald.schema.AvailabilityScope;
import dev.herald.schema.AvailabilityWindow;
import dev.herald.schema.Heartbeat;
import dev.herald.schema.HeartbeatStatus;
import dev.herald.schema.NodeRecord;
import dev.herald.schema.NodeStatus;
import dev.herald.schema.Topics;
import dev.herald.schema.canonical.Hashing;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.signing.BatchSignatures;
import dev.herald.schema.signing.Ed25519;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * How fast {@code herald flink --bounded} (both jobs, parallelism 1, exactly-once sinks, the
 * MiniCluster's start included) gets through a backlog of heartbeats: {@code nodes} nodes beating
 * every 5 s for {@code minutes} minutes of event time, each registered in {@code herald.nodes.v1}
 * and signing its heartbeats (the jobs dead-letter unsigned ones). A measurement (it was {@code
 * FlinkThroughputIT}, an opt-in integration test); it checks only that every node window came out.
 *
 * <pre>{@code
 * java -cp benchmarks/target/herald-benchmarks.jar \
 *     dev.herald.bench.flink.FlinkBacklogThroughput [nodes=300] [minutes=60]
 * }</pre>
 */
public final class FlinkBacklogThroughput {
  private FlinkBacklogThroughput() {}

  public static void main(String[] args) throws Exception {
    int nodes = args.length > 0 ? Integer.parseInt(args[0]) : 300;
    int minutes = args.length > 1 ? Integer.parseInt(args[1]) : 60;
    try (BenchEnvironment env =
        BenchEnvironment.start(Path.of(System.getProperty("java.io.tmpdir")))) {
      System.out.println(run(env, nodes, minutes));
    }
  }

  /** Produces the backlog, runs both jobs bounded over it and returns the figures as one line. */
  static String run(BenchEnvironment env, int nodes, int minutes) {
    long hour = 3_600_000;
    long start = (System.currentTimeMillis() / hour - 2) * hour;
    AvroWireFormat<Heartbeat> format =
        new AvroWireFormat<>(Heartbeat.class, RegistrySpec.preloaded());
    // two hours old, written in seconds: the heartbeats keep their own times as record times
    env.useProducerRecordTimes(Topics.HEARTBEATS);
    Properties props = env.clientProperties();
    props.put("linger.ms", "20");
    long produced = 0;
    long t0 = System.nanoTime();
    Ed25519.KeyPair[] keys = new Ed25519.KeyPair[nodes];
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      // the jobs count only heartbeats signed with a registered key: register every node first
      AvroWireFormat<NodeRecord> registrations =
          new AvroWireFormat<>(NodeRecord.class, RegistrySpec.preloaded());
      for (int n = 0; n < nodes; n++) {
        String node = "node-" + n;
        keys[n] = key(node);
        NodeRecord r =
            NodeRecord.newBuilder()
                .setNodeId(node)
                .setDisplayName(node)
                .setPublicKey(ByteBuffer.wrap(keys[n].publicKey()))
                .setRegion("region-" + (n % 3))
                .setGroups(List.of("group-" + (n % 10)))
                .setStatus(NodeStatus.ACTIVE)
                .setRegisteredAt(Instant.ofEpochMilli(0))
                .setRotatesFrom(null)
                .build();
        producer.send(
            new ProducerRecord<>(
                Topics.NODES,
                node.getBytes(StandardCharsets.UTF_8),
                registrations.serialize(Topics.NODES, r)));
      }
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
                  .setKeyId(keys[n].keyId())
                  .setSignature(ByteBuffer.allocate(0))
                  .build();
          BatchSignatures.sign(h, keys[n].privateKey());
          producer.send(
              new ProducerRecord<>(
                  Topics.HEARTBEATS,
                  null,
                  t,
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
            env.bootstrapServers(),
            "--registry",
            RegistrySpec.PRELOADED,
            "--bounded",
            "--id",
            "bench");
    double seconds = (System.nanoTime() - t1) / 1e9;
    if (exit != 0) {
      throw new IllegalStateException("herald flink --bounded exited " + exit);
    }
    long nodeWindows = nodeWindows(env.bootstrapServers());
    if (nodeWindows != (long) nodes * minutes) {
      throw new IllegalStateException(
          "expected " + (long) nodes * minutes + " node windows, read " + nodeWindows);
    }
    return String.format(
        "BENCH heartbeats=%d nodes=%d minutes=%d produce=%.1fs flink(both jobs, incl. MiniCluster"
            + " start)=%.1fs => %.0f heartbeats/s; node windows=%d",
        produced, nodes, minutes, produceSeconds, seconds, produced / seconds, nodeWindows);
  }

  /** The key of backlog node {@code node}: derived from its id, so every run signs alike. */
  private static Ed25519.KeyPair key(String node) {
    return Ed25519.fromSeed(
        Hashing.sha256(("bench-backlog/" + node).getBytes(StandardCharsets.UTF_8)));
  }

  private static long nodeWindows(String bootstrap) {
    AvroWireFormat<AvailabilityWindow> windows =
        new AvroWireFormat<>(AvailabilityWindow.class, RegistrySpec.preloaded());
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    try (KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts =
          c.partitionsFor(Topics.AVAILABILITY).stream()
              .map(i -> new TopicPartition(i.topic(), i.partition()))
              .toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts);
      long count = 0;
      while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
          if (windows.deserialize(r.topic(), r.value()).getScope() == AvailabilityScope.NODE) {
            count++;
          }
        }
      }
      return count;
    }
  }
}
