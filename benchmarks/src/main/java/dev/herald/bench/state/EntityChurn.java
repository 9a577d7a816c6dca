package dev.herald.bench.state;

import dev.herald.auditor.AuditorConfig;
import dev.herald.auditor.HeraldAuditor;
import dev.herald.auditor.policy.PolicyLoader;
import dev.herald.bench.setup.BenchEnvironment;
import dev.herald.schema.NodeRecord;
import dev.herald.schema.NodeStatus;
import dev.herald.schema.ReportBatch;
import dev.herald.schema.StateChange;
import dev.herald.schema.Topics;
import dev.herald.schema.canonical.Hashing;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.signing.BatchSignatures;
import dev.herald.schema.signing.Ed25519;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Utils;

/**
 * Bounded entity state under churn: feeds {@code --keys} distinct entity keys (one version each,
 * signed batches of {@code --batch} reports of one registered node, the only member of its group,
 * so each report closes its version at once) through a real broker and auditor with a short {@code
 * state.entityTtl}, and samples the entities the auditor holds in {@code herald-entities} (the
 * {@code herald_entities} gauge) while it runs. The producer stays at most {@code --lead} reports
 * ahead of the auditor, so report time (broker append time) follows the auditing.
 *
 * <pre>{@code
 * ./herald bench entity-churn --keys 10000000 --ttl 20s
 * }</pre>
 */
public final class EntityChurn {
  private static final String GROUP = "churn";
  private static final String NODE = "churn-1";

  private EntityChurn() {}

  public static void main(String[] args) throws Exception {
    long keys = 10_000_000;
    Duration ttl = Duration.ofSeconds(20);
    int batchSize = 500;
    long lead = 100_000;
    Duration maxFeed = Duration.ofHours(24);
    Duration sample = Duration.ofSeconds(5);
    Path work = Path.of(System.getProperty("java.io.tmpdir"));
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--keys" -> keys = Long.parseLong(args[++i]);
        case "--ttl" -> ttl = duration(args[++i], a);
        case "--batch" -> batchSize = Integer.parseInt(args[++i]);
        case "--lead" -> lead = Long.parseLong(args[++i]);
        case "--max-feed" -> maxFeed = duration(args[++i], a);
        case "--sample" -> sample = duration(args[++i], a);
        case "--work-dir" -> work = Path.of(args[++i]);
        default -> {
          System.err.println(
              "entity-churn: unknown option "
                  + a
                  + "; options: --keys N --ttl 20s --batch 500 --lead 100000 --max-feed 25m"
                  + " --sample 5s --work-dir DIR");
          System.exit(2);
        }
      }
    }
    run(keys, ttl, batchSize, lead, maxFeed, sample, work);
  }

  private static Duration duration(String v, String option) {
    var m = Pattern.compile("(\\d+)(ms|s|m|h)").matcher(v);
    if (!m.matches()) {
      System.err.println("entity-churn: " + option + " '" + v + "' is not a duration like 20s");
      System.exit(2);
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      default -> Duration.ofHours(n);
    };
  }

  private static void run(
      long keys,
      Duration ttl,
      int batchSize,
      long lead,
      Duration maxFeed,
      Duration sample,
      Path work)
      throws Exception {
    try (BenchEnvironment env = BenchEnvironment.start(work)) {
      Ed25519.KeyPair key =
          Ed25519.fromSeed(Hashing.sha256("churn".getBytes(StandardCharsets.UTF_8)));
      Properties pp = env.clientProperties();
      pp.put(ProducerConfig.LINGER_MS_CONFIG, "5");
      pp.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(1 << 20));
      pp.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(4 << 20));
      pp.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
      SimpleMeterRegistry meters = new SimpleMeterRegistry();
      try (KafkaProducer<byte[], byte[]> producer =
          new KafkaProducer<>(pp, new ByteArraySerializer(), new ByteArraySerializer())) {
        AvroWireFormat<NodeRecord> nodes = new AvroWireFormat<>(NodeRecord.class, env.registry());
        AvroWireFormat<ReportBatch> batches =
            new AvroWireFormat<>(ReportBatch.class, env.registry());
        NodeRecord node =
            NodeRecord.newBuilder()
                .setNodeId(NODE)
                .setDisplayName(NODE)
                .setPublicKey(ByteBuffer.wrap(key.publicKey()))
                .setRegion("bench")
                .setGroups(new ArrayList<>(List.of(GROUP)))
                .setStatus(NodeStatus.ACTIVE)
                .setRegisteredAt(Instant.now())
                .setRotatesFrom(null)
                .build();
        producer
            .send(
                new ProducerRecord<>(
                    Topics.NODES,
                    NODE.getBytes(StandardCharsets.UTF_8),
                    nodes.serialize(Topics.NODES, node)))
            .get();
        String policy =
            String.format(
                Locale.ROOT,
                """
                defaults:
                  rateBudget:
                    reportsPerSecond: 1000000000
                    burst: 1000000000
                    maxInFlightVersions: 1000000
                state:
                  entityTtl: %dms
                  residueTtl: %dms
                """,
                ttl.toMillis(),
                ttl.toMillis());
        try (HeraldAuditor auditor =
            HeraldAuditor.start(
                AuditorConfig.builder()
                    .bootstrapServers(env.bootstrapServers())
                    .applicationId("entity-churn")
                    .stateDir(env.scratch("auditor"))
                    .policy(PolicyLoader.parse(policy))
                    .schemaRegistry(env.registry())
                    .meters(meters)
                    .build())) {
          while (!auditor.awaitRunning(Duration.ofSeconds(1))) {
            // waiting for the first assignment
          }
          feed(keys, ttl, batchSize, lead, maxFeed, sample, producer, batches, key, meters, env);
        }
      }
    }
  }

  private static void feed(
      long keys,
      Duration ttl,
      int batchSize,
      long lead,
      Duration maxFeed,
      Duration sample,
      KafkaProducer<byte[], byte[]> producer,
      AvroWireFormat<ReportBatch> batches,
      Ed25519.KeyPair key,
      SimpleMeterRegistry meters,
      BenchEnvironment env)
      throws Exception {
    int partitions = Topics.DEFAULT_PARTITIONS;
    List<List<StateChange>> pending = new ArrayList<>();
    long[] seqs = new long[partitions];
    for (int p = 0; p < partitions; p++) {
      pending.add(new ArrayList<>());
      seqs[p] = System.currentTimeMillis() * 1000;
    }
    byte[] state = Hashing.sha256("v1".getBytes(StandardCharsets.UTF_8));
    byte[] opDigest = Hashing.sha256("op1".getBytes(StandardCharsets.UTF_8));
    long start = System.nanoTime();
    long feedEnd = start + maxFeed.toNanos();
    long nextSample = start;
    long sent = 0;
    long maxAfterTtl = 0;
    long minAfterTtl = Long.MAX_VALUE;
    System.out.printf(
        Locale.ROOT,
        "entity-churn: %,d keys, entityTtl %s, %d reports per signed batch, one member%n",
        keys,
        ttl,
        batchSize);
    System.out.println("  t_s  reports_sent  versions_closed  herald_entities  evicted_total");
    long k = 0;
    boolean cut = false;
    while (k < keys) {
      if (System.nanoTime() > feedEnd) {
        cut = true;
        break;
      }
      String entity = "e-" + k;
      int p =
          Utils.toPositive(Utils.murmur2((GROUP + "/" + entity).getBytes(StandardCharsets.UTF_8)))
              % partitions;
      List<StateChange> list = pending.get(p);
      list.add(
          StateChange.newBuilder()
              .setEventId(NODE + "|" + entity + "|1")
              .setGroup(GROUP)
              .setEntityKey(entity)
              .setVersion(1)
              .setNodeId(NODE)
              .setPrevStateHash(ByteBuffer.wrap(new byte[0]))
              .setStateHash(ByteBuffer.wrap(state))
              .setOpId("op1")
              .setOpDigest(ByteBuffer.wrap(opDigest))
              .setEventTime(Instant.now())
              .setAttributes(Map.of())
              .build());
      k++;
      if (list.size() >= batchSize || k == keys) {
        for (int q = 0; q < partitions; q++) {
          if (pending.get(q).size() >= batchSize || (k == keys && !pending.get(q).isEmpty())) {
            sent += send(producer, batches, key, q, ++seqs[q], pending.get(q));
            pending.set(q, new ArrayList<>());
          }
        }
        // stay at most `lead` reports ahead of the auditor
        while (sent - closed(meters) > lead) {
          Thread.sleep(20);
          if (System.nanoTime() >= nextSample) {
            nextSample = print(start, sent, meters, sample);
          }
        }
      }
      if (System.nanoTime() >= nextSample) {
        long held = entities(meters);
        if (System.nanoTime() - start > 2 * ttl.toNanos()) {
          maxAfterTtl = Math.max(maxAfterTtl, held);
          minAfterTtl = Math.min(minAfterTtl, held);
        }
        nextSample = print(start, sent, meters, sample);
      }
    }
    producer.flush();
    long fedAt = System.nanoTime();
    System.out.printf(
        Locale.ROOT,
        "entity-churn: fed %,d distinct keys in %.1f s (%,.0f keys/s)%s%n",
        k,
        (fedAt - start) / 1e9,
        k / ((fedAt - start) / 1e9),
        cut ? " -- cut by --max-feed, not all " + keys : "");
    // drain: wait until the auditor closed everything, then one TTL and some more
    long drainEnd = System.nanoTime() + ttl.toNanos() * 3 + Duration.ofMinutes(2).toNanos();
    while (System.nanoTime() < drainEnd && (closed(meters) < sent || entities(meters) > 0)) {
      Thread.sleep(200);
      if (System.nanoTime() >= nextSample) {
        nextSample = print(start, sent, meters, sample);
      }
    }
    print(start, sent, meters, sample);
    System.out.printf(
        Locale.ROOT,
        "entity-churn: RESULT keys=%d fed=%d ttl=%s entities held after the first 2 TTLs of the"
            + " feed: min %d max %d; at the end %d; evicted %d; state dir %,d bytes%n",
        keys,
        k,
        ttl,
        minAfterTtl == Long.MAX_VALUE ? -1 : minAfterTtl,
        maxAfterTtl,
        entities(meters),
        evicted(meters),
        size(env.scratch("auditor")));
  }

  private static long send(
      KafkaProducer<byte[], byte[]> producer,
      AvroWireFormat<ReportBatch> batches,
      Ed25519.KeyPair key,
      int partition,
      long seq,
      List<StateChange> reports)
      throws Exception {
    ReportBatch b =
        ReportBatch.newBuilder()
            .setNodeId(NODE)
            .setKeyId(key.keyId())
            .setPartition(partition)
            .setBatchSeq(seq)
            .setCreatedAt(Instant.now())
            .setReports(reports)
            .setSignature(ByteBuffer.allocate(0))
            .build();
    BatchSignatures.sign(b, key.privateKey());
    producer.send(
        new ProducerRecord<>(
            Topics.STATE_CHANGES,
            partition,
            NODE.getBytes(StandardCharsets.UTF_8),
            batches.serialize(Topics.STATE_CHANGES, b)));
    return reports.size();
  }

  private static long print(long start, long sent, SimpleMeterRegistry meters, Duration sample) {
    System.out.printf(
        Locale.ROOT,
        "%5d  %12d  %15d  %15d  %13d%n",
        (System.nanoTime() - start) / 1_000_000_000L,
        sent,
        closed(meters),
        entities(meters),
        evicted(meters));
    System.out.flush();
    return System.nanoTime() + sample.toNanos();
  }

  private static long closed(SimpleMeterRegistry meters) {
    Counter c = meters.find("herald_versions_closed").counter();
    return c == null ? 0 : (long) c.count();
  }

  private static long entities(SimpleMeterRegistry meters) {
    Gauge g = meters.find("herald_entities").gauge();
    return g == null ? 0 : (long) g.value();
  }

  private static long evicted(SimpleMeterRegistry meters) {
    Counter c = meters.find("herald_entities_evicted").counter();
    return c == null ? 0 : (long) c.count();
  }

  private static long size(Path dir) {
    try (var paths = Files.walk(dir)) {
      return paths.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    } catch (IOException e) {
      return -1;
    }
  }
}
