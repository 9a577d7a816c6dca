package dev.herald.bench.flink;

import com.sun.management.OperatingSystemMXBean;
import dev.herald.bench.setup.BenchEnvironment;
import dev.herald.bench.throughput.TopicDrain;
import dev.herald.flink.FlinkJobConfig;
import dev.herald.flink.HeraldFlinkMain;
import dev.herald.flink.availability.AvailabilityJob;
import dev.herald.flink.trust.HeartbeatTrust;
import dev.herald.flink.trust.NodeRegistry;
import dev.herald.flink.trust.RegistryFollower;
import dev.herald.schema.Heartbeat;
import dev.herald.schema.HeartbeatStatus;
import dev.herald.schema.NodeRecord;
import dev.herald.schema.NodeStatus;
import dev.herald.schema.Topics;
import dev.herald.schema.canonical.Hashing;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.signing.BatchSignatures;
import dev.herald.schema.signing.Ed25519;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.accumulators.LongMaximum;
import org.apache.flink.api.common.accumulators.LongMinimum;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Flink availability job (bounded, in a local MiniCluster, parallelism 1) against a plain
 * consumer of {@code herald.heartbeats.v1}. The heartbeat topic is first topped up with {@code
 * heartbeats} heartbeats of 200 registered nodes, one per node and second of event time, each
 * signed with its node's key, so that the job has real work (the simulator's own nodes beat only
 * once a second). Besides the plain consumer, two floors: a consumer that Avro-decodes every
 * heartbeat, and one that also verifies each against the registry as the job does.
 *
 * <p>The job is the production one ({@link AvailabilityJob#addTo}, {@link
 * HeraldFlinkMain#configure}) with two pass-through probes: one on the decoded input stamps the
 * first and last record read, one on the window reports stamps the last report. So the wall time
 * splits into start-up (submit to first record: MiniCluster, task deployment, Kafka and registry
 * connections), steady state (first record read to last window report: what the job costs per
 * record) and tail (last report to the job's end: the final checkpoint commits the sinks'
 * transactions).
 *
 * <p>JVM properties for experiments: {@value #PARALLELISM} (default 1) and {@value #OBJECT_REUSE}
 * ({@code false} measures the job without object reuse).
 *
 * <pre>{@code
 * FlinkAvailabilityRun.Result r = FlinkAvailabilityRun.run(env, 500_000);
 * double ratio = r.steadyPerSecond() / r.plainPerSecond();
 * }</pre>
 */
public final class FlinkAvailabilityRun {
  private static final Logger LOG = LoggerFactory.getLogger(FlinkAvailabilityRun.class);
  private static final int NODES = 200;

  /** JVM property: the job's parallelism (default 1). */
  public static final String PARALLELISM = "herald.bench.flink.parallelism";

  /** JVM property: {@code false} turns the job's object reuse off, for a before/after figure. */
  public static final String OBJECT_REUSE = "herald.bench.flink.object-reuse";

  static final String FIRST_IN = "bench-first-in-nanos";
  static final String LAST_IN = "bench-last-in-nanos";
  static final String RECORDS_IN = "bench-records-in";
  static final String LAST_OUT = "bench-last-out-nanos";
  static final String REPORTS_OUT = "bench-reports-out";
  static final String FIRST_IN_CPU = "bench-first-in-cpu-nanos";
  static final String LAST_OUT_CPU = "bench-last-out-cpu-nanos";

  private FlinkAvailabilityRun() {}

  /**
   * The outcome.
   *
   * @param heartbeatRecords records of the heartbeat topic
   * @param plain the plain consumer's drain of it
   * @param flinkRecords records the job read (heartbeats and alerts)
   * @param windowReports availability reports the job wrote
   * @param startUp submit to the first record read
   * @param steady first record read to the last window report
   * @param reading first record read to the last one
   * @param total the job's wall time, MiniCluster start included
   * @param decoding a consumer's drain of the heartbeat topic that Avro-decodes every value
   * @param verifying a drain that also verifies every heartbeat against the node registry
   * @param parallelism the job's parallelism
   * @param objectReuse whether the job ran with object reuse
   * @param plainCpu CPU time of the whole JVM during a plain drain (the median of three)
   * @param decodingCpu CPU time of the whole JVM during the decoding drain
   * @param steadyCpu CPU time of the whole JVM during the job's steady state
   */
  public record Result(
      long heartbeatRecords,
      TopicDrain.Result plain,
      long flinkRecords,
      long windowReports,
      Duration startUp,
      Duration steady,
      Duration reading,
      Duration total,
      Duration decoding,
      Duration verifying,
      int parallelism,
      boolean objectReuse,
      Duration plainCpu,
      Duration decodingCpu,
      Duration steadyCpu) {
    public double plainPerSecond() {
      return plain.perSecond(heartbeatRecords);
    }

    /** Heartbeats per second of a consumer that also Avro-decodes each one (the decode floor). */
    public double decodingPerSecond() {
      return heartbeatRecords / Math.max(1e-9, decoding.toNanos() / 1e9);
    }

    /** Heartbeats per second of a consumer that decodes and verifies each one (the job's floor). */
    public double verifyingPerSecond() {
      return heartbeatRecords / Math.max(1e-9, verifying.toNanos() / 1e9);
    }

    /** Records per second in steady state: first record read to last window report. */
    public double steadyPerSecond() {
      return flinkRecords / Math.max(1e-9, steady.toNanos() / 1e9);
    }

    /** Records per second over the whole run, start-up and final commit included. */
    public double overallPerSecond() {
      return flinkRecords / Math.max(1e-9, total.toNanos() / 1e9);
    }

    /**
     * Microseconds of CPU (whole JVM, broker included) per record: a figure a loaded, shared
     * machine disturbs much less than records per second.
     */
    public static double cpuMicrosPerRecord(Duration cpu, long records) {
      return cpu.toNanos() / 1e3 / Math.max(1, records);
    }

    /** The rest of the wall time: last window report to the job's end (final checkpoint). */
    public Duration tail() {
      return total.minus(startUp).minus(steady);
    }
  }

  /** Tops up the heartbeat topic, then times the plain consumer and the bounded Flink job. */
  public static Result run(BenchEnvironment env, long heartbeats) throws Exception {
    produceHeartbeats(env, heartbeats);
    // the plain drain of 500,000 heartbeats takes well under a second: the median of three
    List<TopicDrain.Result> drains = new ArrayList<>();
    long[] drainCpu = new long[3];
    for (int i = 0; i < 3; i++) {
      long cpu = processCpuNanos();
      drains.add(TopicDrain.plain(env.bootstrapServers(), Topics.HEARTBEATS));
      drainCpu[i] = processCpuNanos() - cpu;
    }
    drains.sort(Comparator.comparing(TopicDrain.Result::elapsed));
    TopicDrain.Result plain = drains.get(1);
    Arrays.sort(drainCpu);
    long cpu = processCpuNanos();
    Duration decoding = drain(env, false);
    long decodingCpu = processCpuNanos() - cpu;
    Duration verifying = drain(env, true);
    TopicDrain.Result alerts = TopicDrain.plain(env.bootstrapServers(), Topics.ALERTS);
    FlinkJobConfig config =
        FlinkJobConfig.builder(env.bootstrapServers(), env.registryUrl())
            .bounded(true)
            .parallelism(Integer.getInteger(PARALLELISM, 1))
            .id("bench-" + UUID.randomUUID().toString().substring(0, 8))
            .build();
    long start = System.nanoTime();
    StreamExecutionEnvironment flink =
        HeraldFlinkMain.localEnvironment(
            config.parallelism(), new Configuration(), env.scratch("flink-checkpoints"));
    HeraldFlinkMain.configure(flink, config);
    if (!Boolean.parseBoolean(System.getProperty(OBJECT_REUSE, "true"))) {
      flink.getConfig().disableObjectReuse(); // to measure what object reuse buys
    }
    AvailabilityJob.addTo(
        flink,
        config,
        in -> probe(in, new InputProbe<>()),
        windows -> probe(windows, new OutputProbe<>()));
    JobExecutionResult done = flink.execute("herald-availability-bench");
    long end = System.nanoTime();
    long firstIn = done.<Long>getAccumulatorResult(FIRST_IN);
    long lastIn = done.<Long>getAccumulatorResult(LAST_IN);
    long read = done.<Long>getAccumulatorResult(RECORDS_IN);
    Long lastOutOrNull = done.getAccumulatorResult(LAST_OUT);
    Long reportsOrNull = done.getAccumulatorResult(REPORTS_OUT);
    long firstCpu = done.<Long>getAccumulatorResult(FIRST_IN_CPU);
    Long lastCpuOrNull = done.getAccumulatorResult(LAST_OUT_CPU);
    long steadyCpu = lastCpuOrNull == null ? 0 : lastCpuOrNull - firstCpu;
    long lastOut = lastOutOrNull == null ? lastIn : Math.max(lastIn, lastOutOrNull);
    Result r =
        new Result(
            plain.records(),
            plain,
            read,
            reportsOrNull == null ? 0 : reportsOrNull,
            Duration.ofNanos(firstIn - start),
            Duration.ofNanos(lastOut - firstIn),
            Duration.ofNanos(lastIn - firstIn),
            Duration.ofNanos(end - start),
            decoding,
            verifying,
            config.parallelism(),
            flink.getConfig().isObjectReuseEnabled(),
            Duration.ofNanos(drainCpu[1]),
            Duration.ofNanos(decodingCpu),
            Duration.ofNanos(steadyCpu));
    LOG.info(
        "flink availability done parallelism={} objectReuse={} heartbeats={} alerts={} read={} reports={} startUpMs={}"
            + " steadyMs={} readingMs={} tailMs={} totalMs={} plainMs={}",
        config.parallelism(),
        flink.getConfig().isObjectReuseEnabled(),
        plain.records(),
        alerts.records(),
        read,
        r.windowReports(),
        r.startUp().toMillis(),
        r.steady().toMillis(),
        r.reading().toMillis(),
        r.tail().toMillis(),
        r.total().toMillis(),
        plain.elapsed().toMillis());
    return r;
  }

  private static <T> DataStream<T> probe(DataStream<T> stream, RichMapFunction<T, T> probe) {
    return stream
        .map(probe, stream.getType())
        .name(probe.getClass().getSimpleName())
        .setParallelism(stream.getParallelism());
  }

  /** Pass-through that stamps the first and last record read and counts them. */
  private static final class InputProbe<T> extends RichMapFunction<T, T> {
    private static final long serialVersionUID = 1L;
    private transient LongMinimum first;
    private transient LongMinimum firstCpu;
    private transient LongMaximum last;
    private transient LongCounter count;
    private transient boolean seen;

    @Override
    public void open(OpenContext openContext) {
      first = new LongMinimum();
      firstCpu = new LongMinimum();
      last = new LongMaximum();
      count = new LongCounter();
      getRuntimeContext().addAccumulator(FIRST_IN, first);
      getRuntimeContext().addAccumulator(FIRST_IN_CPU, firstCpu);
      getRuntimeContext().addAccumulator(LAST_IN, last);
      getRuntimeContext().addAccumulator(RECORDS_IN, count);
    }

    @Override
    public T map(T value) {
      long now = System.nanoTime();
      if (!seen) {
        first.add(now);
        firstCpu.add(processCpuNanos());
        seen = true;
      }
      last.add(now);
      count.add(1L);
      return value;
    }
  }

  /** Pass-through that stamps the last window report and counts them. */
  private static final class OutputProbe<T> extends RichMapFunction<T, T> {
    private static final long serialVersionUID = 1L;
    private transient LongMaximum last;
    private transient LongMaximum lastCpu;
    private transient LongCounter count;

    @Override
    public void open(OpenContext openContext) {
      last = new LongMaximum();
      lastCpu = new LongMaximum();
      count = new LongCounter();
      getRuntimeContext().addAccumulator(LAST_OUT, last);
      getRuntimeContext().addAccumulator(LAST_OUT_CPU, lastCpu);
      getRuntimeContext().addAccumulator(REPORTS_OUT, count);
    }

    @Override
    public T map(T value) {
      last.add(System.nanoTime());
      lastCpu.add(processCpuNanos());
      count.add(1L);
      return value;
    }
  }

  /**
   * Drains the heartbeat topic once more, Avro-decoding every value and, if {@code verify}, judging
   * it against the node registry as the job does; first poll to last record.
   */
  private static Duration drain(BenchEnvironment env, boolean verify) {
    AvroWireFormat<Heartbeat> format = new AvroWireFormat<>(Heartbeat.class, env.registry());
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, env.bootstrapServers());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    RegistryFollower nodes =
        new RegistryFollower(
            p, env.registry(), new NodeRegistry(100_000, 256), Duration.ofSeconds(30).toMillis());
    nodes.bootstrap(Duration.ofSeconds(60), System.currentTimeMillis());
    long trusted = 0;
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(Topics.HEARTBEATS).stream()
              .map(i -> new TopicPartition(i.topic(), i.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      long total = end.values().stream().mapToLong(Long::longValue).sum();
      long read = 0;
      long nodeIdChars = 0;
      long start = System.nanoTime();
      long last = start;
      long deadline = start + Duration.ofSeconds(120).toNanos();
      while (read < total && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          read++;
          Heartbeat hb = format.deserialize(r.topic(), r.value());
          nodeIdChars += hb.getNodeId().length();
          if (verify
              && HeartbeatTrust.judge(hb, r.timestamp(), nodes.registry(), 5_000)
                  instanceof HeartbeatTrust.Trusted) {
            trusted++;
          }
          last = System.nanoTime();
        }
      }
      LOG.info(
          "heartbeat drain verify={} read={} trusted={} nodeIdChars={}",
          verify,
          read,
          trusted,
          nodeIdChars);
      return Duration.ofNanos(last - start);
    }
  }

  /** CPU time of this whole JVM (broker, registry, consumers and the MiniCluster alike). */
  static long processCpuNanos() {
    return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** The key of bench node {@code node}: derived from its id. */
  private static Ed25519.KeyPair key(String node) {
    return Ed25519.fromSeed(Hashing.sha256(("bench-hb/" + node).getBytes(StandardCharsets.UTF_8)));
  }

  private static String node(long i) {
    return String.format("bench-hb-%03d", i % NODES);
  }

  private static void produceHeartbeats(BenchEnvironment env, long count) {
    AvroWireFormat<Heartbeat> format = new AvroWireFormat<>(Heartbeat.class, env.registry());
    AvroWireFormat<NodeRecord> registrations =
        new AvroWireFormat<>(NodeRecord.class, env.registry());
    Ed25519.KeyPair[] keys = new Ed25519.KeyPair[NODES];
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, env.bootstrapServers());
    p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    // the heartbeats of the last count / NODES seconds, written in a few: keep their own times
    env.useProducerRecordTimes(Topics.HEARTBEATS);
    long base = Instant.now().toEpochMilli() - (count / NODES + 1) * 1000;
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
      for (int n = 0; n < NODES; n++) {
        String node = node(n);
        keys[n] = key(node);
        NodeRecord r =
            NodeRecord.newBuilder()
                .setNodeId(node)
                .setDisplayName(node)
                .setPublicKey(ByteBuffer.wrap(keys[n].publicKey()))
                .setRegion("region-" + (n % 3))
                .setGroups(List.of("bench-hb"))
                .setStatus(NodeStatus.ACTIVE)
                .setRegisteredAt(Instant.now())
                .build();
        producer.send(
            new ProducerRecord<>(Topics.NODES, node, registrations.serialize(Topics.NODES, r)));
      }
      for (long i = 0; i < count; i++) {
        String node = node(i);
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
                .setKeyId(keys[(int) (i % NODES)].keyId())
                .setSignature(ByteBuffer.allocate(0))
                .build();
        BatchSignatures.sign(hb, keys[(int) (i % NODES)].privateKey());
        producer.send(
            new ProducerRecord<>(
                Topics.HEARTBEATS, null, time, node, format.serialize(Topics.HEARTBEATS, hb)));
      }
      producer.flush();
    }
  }
}
