package dev.herald.producer;

import dev.herald.schema.Heartbeat;
import dev.herald.schema.HeartbeatStatus;
import dev.herald.schema.ReportBatch;
import dev.herald.schema.StateChange;
import dev.herald.schema.Topics;
import dev.herald.schema.canonical.CanonicalEncoding;
import dev.herald.schema.id.Identifiers;
import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.signing.BatchSignatures;
import dev.herald.schema.signing.Ed25519;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reporter a replica embeds to tell Herald, for every operation it applies, which state it
 * reached. Reports are hashed ({@link CanonicalValues}), grouped per target partition into {@link
 * ReportBatch}es, signed with the node's Ed25519 key and sent with an idempotent {@code acks=all}
 * producer, exactly as specified in {@code docs/producer-protocol.md}. Heartbeats go out on a
 * schedule.
 *
 * <pre>{@code
 * try (HeraldReporter reporter = HeraldReporter.builder()
 *     .nodeId("payments-eu-1").group("payments").region("eu-west")
 *     .privateKey(Path.of("/etc/herald/payments-eu-1.pem"))
 *     .bootstrapServers("kafka:9092")
 *     .schemaRegistry(registry)
 *     .build()) {
 *   Map<String, Object> before = Map.of("balance", 100), after = Map.of("balance", 70);
 *   reporter.report("acct-17", 8, before, after, Operation.of("op-991", Map.of("withdraw", 30)))
 *       .whenComplete((receipt, error) -> { if (error != null) log.warn("not reported", error); });
 * }
 * }</pre>
 *
 * <p>Memory is bounded: at most {@code maxBufferedReports} reports wait for an acknowledgement.
 * When Kafka is unreachable the buffer fills; {@code report} then blocks at most {@code maxBlock}
 * and throws {@link ReporterException} ({@code BUFFER_FULL}); reports already buffered fail their
 * future with {@code DELIVERY_TIMEOUT} after {@code deliveryTimeout}. Nothing is dropped silently.
 *
 * <p>Thread-safe. Metrics (Micrometer): {@code herald.reporter.reports.sent}, {@code
 * herald.reporter.reports.failed}, {@code herald.reporter.reports.buffered}, {@code
 * herald.reporter.batches.sent}, {@code herald.reporter.send.latency}.
 */
public final class HeraldReporter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HeraldReporter.class);

  /** Bytes a report adds to a batch beyond its canonical encoding (Avro framing, generous). */
  private static final int REPORT_OVERHEAD = 32;

  private final Builder config;
  private final Ed25519PrivateKeyParameters privateKey;
  private final String keyId;
  private final byte[] keyBytes;
  private final Producer<byte[], byte[]> producer;
  private final AvroWireFormat<ReportBatch> batchFormat;
  private final AvroWireFormat<Heartbeat> heartbeatFormat;
  private final ScheduledExecutorService scheduler;
  private final Semaphore buffer;
  private final Clock clock;
  private final Map<Integer, Pending> pending = new HashMap<>();
  private final Map<Integer, Long> batchSeqs = new HashMap<>();
  private final AtomicLong heartbeatSeq = new AtomicLong();
  private final long firstBatchSeq;
  private final Counter sent;
  private final Counter failed;
  private final Counter batches;
  private final Timer latency;
  private volatile int partitions = -1;
  private volatile int heartbeatPartitions = -1;
  private volatile boolean closed;

  private HeraldReporter(Builder b, Producer<byte[], byte[]> producer) {
    this.config = b;
    Ed25519.KeyPair keys = b.keys != null ? b.keys : Ed25519.generate();
    if (b.keys == null) {
      LOG.warn(
          "no private key given: generated one nodeId={} keyId={}; register its public key or the"
              + " auditor will treat every report as forged",
          b.nodeId,
          keys.keyId());
    }
    this.privateKey = keys.privateKey();
    this.keyId = keys.keyId();
    this.keyBytes = b.nodeId.getBytes(StandardCharsets.UTF_8);
    this.producer = producer;
    this.batchFormat = new AvroWireFormat<>(ReportBatch.class, b.registry);
    this.heartbeatFormat = new AvroWireFormat<>(Heartbeat.class, b.registry);
    this.clock = b.clock;
    this.buffer = new Semaphore(b.maxBufferedReports);
    // A restarted reporter must not reuse a batchSeq (a different batch under a used batchSeq is
    // equivocation), so by default sequences start from the wall clock: epoch millis x 1000 + 1.
    this.firstBatchSeq = b.firstBatchSeq != null ? b.firstBatchSeq : clock.millis() * 1000 + 1;
    heartbeatSeq.set(firstBatchSeq - 1);
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "herald-reporter-" + b.nodeId);
              t.setDaemon(true);
              return t;
            });
    MeterRegistry meters = b.meters;
    this.sent =
        Counter.builder("herald.reporter.reports.sent")
            .description("Reports acknowledged by Kafka")
            .register(meters);
    this.failed =
        Counter.builder("herald.reporter.reports.failed")
            .description("Reports that were refused or not delivered in time")
            .register(meters);
    this.batches =
        Counter.builder("herald.reporter.batches.sent")
            .description("Signed batches acknowledged by Kafka")
            .register(meters);
    this.latency =
        Timer.builder("herald.reporter.send.latency")
            .description("Time from report() to the broker's acknowledgement")
            .register(meters);
    Gauge.builder(
            "herald.reporter.reports.buffered",
            buffer,
            s -> (double) (config.maxBufferedReports - s.availablePermits()))
        .description("Reports waiting to be acknowledged")
        .register(meters);
    if (!b.heartbeatInterval.isZero()) {
      long ms = b.heartbeatInterval.toMillis();
      scheduler.scheduleAtFixedRate(this::scheduledHeartbeat, 0, ms, TimeUnit.MILLISECONDS);
    }
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** This reporter's node id. */
  public String nodeId() {
    return config.nodeId;
  }

  /** The replication group reports go to unless a {@link StateChange} names another. */
  public String group() {
    return config.group;
  }

  /** The key id of the signing key ({@link Ed25519#keyId}). */
  public String keyId() {
    return keyId;
  }

  /**
   * Reports that this node applied {@code op} to {@code entityKey}, moving it from {@code
   * prevState} to {@code newState} as version {@code version}. States and operation bodies are
   * hashed by the rules of {@link CanonicalValues}; at version 1 {@code prevState} is not hashed
   * (nothing precedes version 1: {@code prevStateHash} is empty), so pass null there.
   *
   * @return completes with where the report was written, or exceptionally with a {@link
   *     ReporterException} when it was not delivered within {@code deliveryTimeout}
   * @throws ReporterException {@code BUFFER_FULL} when the buffer stayed full for {@code maxBlock}
   */
  public CompletableFuture<ReportReceipt> report(
      String entityKey, long version, Object prevState, Object newState, Operation op) {
    Objects.requireNonNull(entityKey, "entityKey");
    Objects.requireNonNull(op, "op");
    if (version < 1) {
      throw new IllegalArgumentException("versions start at 1, not " + version);
    }
    StateChange report =
        StateChange.newBuilder()
            .setEventId(UUID.randomUUID().toString())
            .setGroup(config.group)
            .setEntityKey(entityKey)
            .setVersion(version)
            .setNodeId(config.nodeId)
            .setPrevStateHash(ByteBuffer.wrap(CanonicalValues.prevStateHash(version, prevState)))
            .setStateHash(ByteBuffer.wrap(CanonicalValues.hash(newState)))
            .setOpId(op.id())
            .setOpDigest(ByteBuffer.wrap(op.digest()))
            .setEventTime(clock.instant())
            .setAttributes(new HashMap<>())
            .build();
    return enqueue(report); // built here: nobody else holds it
  }

  /**
   * Reports a fully built {@link StateChange} whose hashes the caller computed (for services that
   * hash states themselves, or report for several groups). Its {@code nodeId} must be this node's.
   *
   * <p>The report is copied before this returns and the batch is signed from the copy, so the
   * caller may change, reuse or copy its object at once. (Signing the caller's object when the
   * linger expired let any later use of it reach the signature from another thread: even Avro's
   * {@code StateChange.newBuilder(report)}, which reads each hash by moving its buffer's position
   * and back, could have an empty hash signed in between, and the auditor then rightly named this
   * node for what it signed — a FORK on base "(empty)", found by reprocessing one benchmark input
   * twice, docs/benchmarks.md round 13.)
   */
  public CompletableFuture<ReportReceipt> report(StateChange report) {
    // copied before the node and group checks, not after: what is checked is then what is signed,
    // whatever another thread does to the caller's object in between
    return enqueue(snapshot(report));
  }

  /** Queues {@code report}, which only this reporter holds, for the next batch of its partition. */
  private CompletableFuture<ReportReceipt> enqueue(StateChange report) {
    if (!config.nodeId.equals(report.getNodeId())) {
      throw new IllegalArgumentException(
          "report of node " + report.getNodeId() + " given to the reporter of " + config.nodeId);
    }
    String badGroup =
        config.group.equals(report.getGroup())
            ? null
            : Identifiers.problem(Identifiers.Kind.GROUP, report.getGroup());
    if (badGroup != null) {
      // the auditor dead-letters a whole batch that names an invalid group (INVALID_ID)
      throw new IllegalArgumentException("report not sent: " + badGroup);
    }
    ensureOpen();
    int partition = partitionOf(report);
    acquire();
    CompletableFuture<ReportReceipt> future = new CompletableFuture<>();
    Queued queued = new Queued(report, future, System.nanoTime());
    int size = CanonicalEncoding.stateChange(report).length + REPORT_OVERHEAD;
    List<Queued> toSend = null;
    synchronized (this) {
      if (closed) {
        buffer.release();
        throw closedException();
      }
      Pending p = pending.get(partition);
      if (p != null && p.bytes + size > config.maxBatchBytes) {
        toSend = p.reports;
        pending.remove(partition);
        cancel(p);
        sendLocked(partition, toSend);
        p = null;
      }
      if (p == null) {
        p = new Pending();
        pending.put(partition, p);
      }
      p.reports.add(queued);
      p.bytes += size;
      if (config.linger.isZero() || p.reports.size() >= config.maxBatchReports) {
        pending.remove(partition);
        cancel(p);
        sendLocked(partition, p.reports);
      } else if (p.timer == null) {
        Pending batch = p;
        p.timer =
            scheduler.schedule(
                () -> lingerExpired(partition, batch),
                config.linger.toNanos(),
                TimeUnit.NANOSECONDS);
      }
    }
    return future;
  }

  /**
   * A copy of {@code r} sharing nothing mutable with it, field by field from the schema (so a field
   * added later is copied too), made without moving the positions of {@code r}'s buffers.
   */
  static StateChange snapshot(StateChange r) {
    StateChange copy = new StateChange();
    for (org.apache.avro.Schema.Field f : StateChange.getClassSchema().getFields()) {
      copy.put(f.pos(), copyOf(r.get(f.pos())));
    }
    return copy;
  }

  private static Object copyOf(Object v) {
    if (v instanceof ByteBuffer b) {
      ByteBuffer view = b.duplicate();
      byte[] bytes = new byte[view.remaining()];
      view.get(bytes);
      return ByteBuffer.wrap(bytes);
    }
    if (v instanceof Map<?, ?> m) {
      Map<Object, Object> out = new HashMap<>(Math.max(4, 2 * m.size()));
      m.forEach((k, x) -> out.put(k, copyOf(x)));
      return out;
    }
    if (v instanceof List<?> l) {
      List<Object> out = new ArrayList<>(l.size());
      l.forEach(x -> out.add(copyOf(x)));
      return out;
    }
    if (v instanceof org.apache.avro.util.Utf8 u) {
      return new org.apache.avro.util.Utf8(u);
    }
    return v; // strings, numbers, instants, enums: immutable
  }

  /**
   * Fetches the report topic's metadata now instead of on the first report, so the first reports
   * are not delayed behind it. Optional; a failure here is reported again by the first {@link
   * #report}.
   */
  public void warmUp() {
    ensureOpen();
    try {
      partitionCount();
    } catch (ReporterException e) {
      LOG.warn("reporter warm-up failed nodeId={} error={}", config.nodeId, e.getMessage());
    }
  }

  /** Sends a heartbeat with status UP now (in addition to the scheduled ones). */
  public CompletableFuture<RecordMetadata> heartbeat() {
    return heartbeat(HeartbeatStatus.UP);
  }

  /** Sends a signed heartbeat with {@code status} now. */
  public CompletableFuture<RecordMetadata> heartbeat(HeartbeatStatus status) {
    ensureOpen();
    return sendHeartbeat(status);
  }

  private CompletableFuture<RecordMetadata> sendHeartbeat(HeartbeatStatus status) {
    Heartbeat hb =
        Heartbeat.newBuilder()
            .setNodeId(config.nodeId)
            .setGroups(new ArrayList<>(config.groups()))
            .setRegion(config.region)
            .setSequence(heartbeatSeq.incrementAndGet())
            .setEventTime(clock.instant())
            .setStatus(status)
            .setKeyId(keyId)
            .setSignature(ByteBuffer.allocate(0))
            .build();
    BatchSignatures.sign(hb, privateKey);
    byte[] value = heartbeatFormat.serialize(config.heartbeatTopic, hb);
    CompletableFuture<RecordMetadata> done = new CompletableFuture<>();
    producer.send(
        new ProducerRecord<>(config.heartbeatTopic, heartbeatPartition(), keyBytes, value),
        (md, e) -> {
          if (e != null) {
            done.completeExceptionally(e);
          } else {
            done.complete(md);
          }
        });
    return done;
  }

  private void scheduledHeartbeat() {
    try {
      if (!closed) {
        sendHeartbeat(HeartbeatStatus.UP)
            .whenComplete(
                (md, e) -> {
                  if (e != null) {
                    LOG.warn(
                        "heartbeat not delivered nodeId={} error={}", config.nodeId, e.toString());
                  }
                });
      }
    } catch (RuntimeException e) {
      // A failed heartbeat must not cancel the schedule; the next one may get through.
      LOG.warn("heartbeat failed nodeId={} error={}", config.nodeId, e.toString());
    }
  }

  /** Sends every buffered report now and waits until all are acknowledged or failed. */
  public void flush() {
    synchronized (this) {
      drainLocked();
    }
    producer.flush();
  }

  /**
   * Flushes, sends a STOPPING heartbeat when heartbeats are scheduled, and closes the producer
   * (waiting at most {@code deliveryTimeout}).
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      // closed first, under the lock: no report can slip in between the last flush and close
      closed = true;
      drainLocked();
    }
    scheduler.shutdownNow();
    producer.flush();
    if (!config.heartbeatInterval.isZero()) {
      try {
        sendHeartbeat(HeartbeatStatus.STOPPING);
      } catch (RuntimeException e) {
        LOG.warn("stopping heartbeat failed nodeId={} error={}", config.nodeId, e.toString());
      }
    }
    producer.close(config.deliveryTimeout);
  }

  private void drainLocked() {
    for (Map.Entry<Integer, Pending> e : new ArrayList<>(pending.entrySet())) {
      cancel(e.getValue());
      sendLocked(e.getKey(), e.getValue().reports);
    }
    pending.clear();
  }

  private void lingerExpired(int partition, Pending batch) {
    synchronized (this) {
      if (pending.get(partition) == batch) {
        pending.remove(partition);
        sendLocked(partition, batch.reports);
      }
    }
  }

  private static void cancel(Pending p) {
    if (p.timer != null) {
      p.timer.cancel(false);
    }
  }

  /** Seals, signs and sends one batch; called with the lock held so batchSeq follows send order. */
  private void sendLocked(int partition, List<Queued> queued) {
    if (queued.isEmpty()) {
      return;
    }
    long seq = batchSeqs.merge(partition, firstBatchSeq, (last, first) -> last + 1);
    List<StateChange> reports = new ArrayList<>(queued.size());
    for (Queued q : queued) {
      reports.add(q.report);
    }
    ReportBatch batch =
        ReportBatch.newBuilder()
            .setNodeId(config.nodeId)
            .setKeyId(keyId)
            .setPartition(partition)
            .setBatchSeq(seq)
            .setCreatedAt(clock.instant())
            .setReports(reports)
            .setSignature(ByteBuffer.allocate(0))
            .build();
    BatchSignatures.sign(batch, privateKey);
    byte[] value;
    try {
      value = batchFormat.serialize(config.topic, batch);
    } catch (RuntimeException e) {
      fail(queued, ReporterException.Reason.SEND_FAILED, describe(partition, seq, queued), e);
      return;
    }
    ProducerRecord<byte[], byte[]> record =
        new ProducerRecord<>(config.topic, partition, keyBytes, value);
    try {
      producer.send(
          record,
          (md, e) -> {
            if (e != null) {
              ReporterException.Reason reason =
                  e instanceof TimeoutException
                      ? ReporterException.Reason.DELIVERY_TIMEOUT
                      : ReporterException.Reason.SEND_FAILED;
              fail(queued, reason, describe(partition, seq, queued), e);
              return;
            }
            long now = System.nanoTime();
            for (Queued q : queued) {
              latency.record(now - q.startNanos, TimeUnit.NANOSECONDS);
              q.future.complete(
                  new ReportReceipt(q.report.getEventId(), partition, seq, md.offset()));
            }
            sent.increment(queued.size());
            batches.increment();
            buffer.release(queued.size());
            if (config.batchListener != null) {
              config.batchListener.accept(
                  new SentBatch(
                      config.topic, partition, md.offset(), seq, queued.size(), keyBytes, value));
            }
          });
    } catch (RuntimeException e) {
      ReporterException.Reason reason =
          e instanceof TimeoutException
              ? ReporterException.Reason.DELIVERY_TIMEOUT
              : ReporterException.Reason.SEND_FAILED;
      fail(queued, reason, describe(partition, seq, queued), e);
    }
  }

  private String describe(int partition, long seq, List<Queued> queued) {
    return "batch nodeId="
        + config.nodeId
        + " partition="
        + partition
        + " batchSeq="
        + seq
        + " with "
        + queued.size()
        + " report(s)";
  }

  private void fail(
      List<Queued> queued, ReporterException.Reason reason, String what, Throwable cause) {
    String message =
        switch (reason) {
          case DELIVERY_TIMEOUT ->
              what
                  + " was not acknowledged within deliveryTimeout="
                  + config.deliveryTimeout.toMillis()
                  + "ms: is Kafka reachable at "
                  + config.bootstrapServers
                  + "? The reports were not written; report them again once it is.";
          default ->
              what
                  + " was refused by Kafka: "
                  + cause.getMessage()
                  + ". The reports were not written.";
        };
    LOG.warn("report batch failed nodeId={} reason={} detail={}", config.nodeId, reason, message);
    ReporterException error = new ReporterException(reason, message, cause);
    for (Queued q : queued) {
      q.future.completeExceptionally(error);
    }
    failed.increment(queued.size());
    buffer.release(queued.size());
  }

  private void acquire() {
    boolean ok;
    try {
      ok = buffer.tryAcquire(config.maxBlock.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ReporterException(
          ReporterException.Reason.BUFFER_FULL, "interrupted while waiting for buffer space", e);
    }
    if (!ok) {
      failed.increment();
      throw new ReporterException(
          ReporterException.Reason.BUFFER_FULL,
          "report buffer of "
              + config.maxBufferedReports
              + " reports stayed full for maxBlock="
              + config.maxBlock.toMillis()
              + "ms: Kafka at "
              + config.bootstrapServers
              + " is not acknowledging; the report was not accepted, retry later or raise"
              + " maxBufferedReports.",
          null);
    }
  }

  private int partitionOf(StateChange report) {
    return ReportPartitioner.partitionFor(
        report.getGroup(), report.getEntityKey(), partitionCount());
  }

  /**
   * The node's heartbeat partition, computed as the protocol says rather than by the producer's
   * partitioner (which a user's producer settings could replace); null, letting the producer pick
   * (the same murmur2 by default), only while the topic's metadata is unknown.
   */
  private Integer heartbeatPartition() {
    int n = heartbeatPartitions;
    if (n <= 0) {
      n = producer.partitionsFor(config.heartbeatTopic).size();
      heartbeatPartitions = n;
    }
    return n > 0 ? ReportPartitioner.heartbeatPartition(config.nodeId, n) : null;
  }

  private int partitionCount() {
    int n = partitions;
    if (n < 0) {
      try {
        n = producer.partitionsFor(config.topic).size();
      } catch (RuntimeException e) {
        throw new ReporterException(
            ReporterException.Reason.METADATA_UNAVAILABLE,
            "cannot read the partitions of topic "
                + config.topic
                + " within maxBlock="
                + config.maxBlock.toMillis()
                + "ms: is Kafka reachable at "
                + config.bootstrapServers
                + " and does the topic exist (herald topics create)?",
            e);
      }
      partitions = n;
    }
    return n;
  }

  private void ensureOpen() {
    if (closed) {
      throw closedException();
    }
  }

  private ReporterException closedException() {
    return new ReporterException(
        ReporterException.Reason.CLOSED, "reporter of " + config.nodeId + " is closed", null);
  }

  private record Queued(
      StateChange report, CompletableFuture<ReportReceipt> future, long startNanos) {}

  private static final class Pending {
    final List<Queued> reports = new ArrayList<>();
    int bytes;
    ScheduledFuture<?> timer;
  }

  /**
   * Configures a {@link HeraldReporter}. Required: {@link #nodeId}, {@link #group}, {@link
   * #bootstrapServers} (or {@link #kafkaProperty} {@code bootstrap.servers}) and {@link
   * #schemaRegistry}.
   */
  public static final class Builder {
    private String nodeId;
    private String group;
    private List<String> groups;
    private String region = "";
    private Ed25519.KeyPair keys;
    private String bootstrapServers;
    private final Map<String, Object> kafka = new LinkedHashMap<>();
    private SchemaRegistryClient registry;
    private String topic = Topics.STATE_CHANGES;
    private String heartbeatTopic = Topics.HEARTBEATS;
    private Duration linger = Duration.ofMillis(10);
    private int maxBatchReports = 256;
    private int maxBatchBytes = 64 * 1024;
    private int maxBufferedReports = 10_000;
    private Duration maxBlock = Duration.ofSeconds(5);
    private Duration deliveryTimeout = Duration.ofSeconds(30);
    private Duration heartbeatInterval = Duration.ofSeconds(1);
    private MeterRegistry meters;
    private Consumer<SentBatch> batchListener;
    private Clock clock = Clock.systemUTC();
    private Long firstBatchSeq;

    private Builder() {}

    /** The id this node is registered under in {@code herald.nodes.v1}. */
    public Builder nodeId(String nodeId) {
      this.nodeId = nodeId;
      return this;
    }

    /** The replication group this node's reports belong to. */
    public Builder group(String group) {
      this.group = group;
      return this;
    }

    /** Groups named in heartbeats (default: {@link #group}). */
    public Builder heartbeatGroups(List<String> groups) {
      this.groups = List.copyOf(groups);
      return this;
    }

    /** Region named in heartbeats. */
    public Builder region(String region) {
      this.region = region;
      return this;
    }

    /** Signs with the PKCS#8 PEM private key in {@code pemFile}. */
    public Builder privateKey(Path pemFile) {
      try {
        this.keys = Ed25519.readPem(pemFile);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read private key " + pemFile, e);
      }
      return this;
    }

    /** Signs with {@code keys}; without any key a new one is generated (register it!). */
    public Builder keyPair(Ed25519.KeyPair keys) {
      this.keys = keys;
      return this;
    }

    /** Kafka bootstrap servers. */
    public Builder bootstrapServers(String bootstrapServers) {
      this.bootstrapServers = bootstrapServers;
      return this;
    }

    /** Any producer property, e.g. {@code security.protocol}, {@code sasl.jaas.config}. */
    public Builder kafkaProperty(String key, Object value) {
      kafka.put(key, value);
      return this;
    }

    /** Producer properties, e.g. TLS/SASL settings. */
    public Builder kafkaProperties(Map<String, ?> properties) {
      kafka.putAll(properties);
      return this;
    }

    /** Registry the {@code ReportBatch} and {@code Heartbeat} schemas are registered in. */
    public Builder schemaRegistry(SchemaRegistryClient registry) {
      this.registry = registry;
      return this;
    }

    /** Topic of report batches (default {@code herald.state-changes.v1}). */
    public Builder topic(String topic) {
      this.topic = topic;
      return this;
    }

    /** Topic of heartbeats (default {@code herald.heartbeats.v1}). */
    public Builder heartbeatTopic(String heartbeatTopic) {
      this.heartbeatTopic = heartbeatTopic;
      return this;
    }

    /** How long a batch waits for more reports (default 10 ms; 0 = one report per batch). */
    public Builder linger(Duration linger) {
      this.linger = linger;
      return this;
    }

    /** Most reports in one batch (default 256). */
    public Builder maxBatchReports(int maxBatchReports) {
      this.maxBatchReports = maxBatchReports;
      return this;
    }

    /** Most encoded bytes of reports in one batch (default 64 KiB). */
    public Builder maxBatchBytes(int maxBatchBytes) {
      this.maxBatchBytes = maxBatchBytes;
      return this;
    }

    /** Most reports buffered while waiting for acknowledgement (default 10 000). */
    public Builder maxBufferedReports(int maxBufferedReports) {
      this.maxBufferedReports = maxBufferedReports;
      return this;
    }

    /** Longest {@code report} blocks for buffer space or metadata (default 5 s). */
    public Builder maxBlock(Duration maxBlock) {
      this.maxBlock = maxBlock;
      return this;
    }

    /** Longest a batch may take to be acknowledged before its reports fail (default 30 s). */
    public Builder deliveryTimeout(Duration deliveryTimeout) {
      this.deliveryTimeout = deliveryTimeout;
      return this;
    }

    /** Interval of scheduled heartbeats (default 1 s; 0 = only {@link #heartbeat()} calls). */
    public Builder heartbeatInterval(Duration heartbeatInterval) {
      this.heartbeatInterval = heartbeatInterval;
      return this;
    }

    /** Where metrics go (default: a private {@link SimpleMeterRegistry}). */
    public Builder meterRegistry(MeterRegistry meters) {
      this.meters = meters;
      return this;
    }

    /** Called (on the producer's I/O thread; keep it short) for every acknowledged batch. */
    public Builder batchListener(Consumer<SentBatch> listener) {
      this.batchListener = listener;
      return this;
    }

    /** Clock of event and creation times (tests). */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /**
     * The first {@code batchSeq} of every partition and the first heartbeat {@code sequence}
     * (default: epoch millis at start × 1000 + 1, so sequences keep increasing across restarts).
     * Set it when the service persists its last sequence, or to 1 in tests.
     */
    public Builder firstBatchSeq(long firstBatchSeq) {
      if (firstBatchSeq < 1) {
        throw new IllegalArgumentException(
            "invalid reporter setting 'firstBatchSeq': expected 1 or more");
      }
      this.firstBatchSeq = firstBatchSeq;
      return this;
    }

    List<String> groups() {
      return groups != null ? groups : List.of(group);
    }

    /** Validates the settings and connects; every problem is named with its setting. */
    public HeraldReporter build() {
      Properties props = producerProperties();
      return build(
          new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer()));
    }

    /**
     * Builds with a producer you made (a shared or instrumented client, or Kafka's {@code
     * MockProducer} in unit tests). It must be idempotent with {@code acks=all} to keep the
     * protocol's guarantees; {@link #producerProperties()} gives the settings the SDK would use.
     */
    public HeraldReporter build(Producer<byte[], byte[]> producer) {
      producerProperties();
      if (meters == null) {
        meters = new SimpleMeterRegistry();
      }
      return new HeraldReporter(this, producer);
    }

    /** The producer settings this configuration implies, after validating it. */
    public Properties producerProperties() {
      require(nodeId != null && !nodeId.isBlank(), "nodeId", "a non-empty node id");
      require(group != null && !group.isBlank(), "group", "a non-empty group");
      validId("nodeId", Identifiers.Kind.NODE, nodeId);
      validId("group", Identifiers.Kind.GROUP, group);
      if (groups != null) {
        groups.forEach(g -> validId("heartbeatGroups", Identifiers.Kind.GROUP, g));
      }
      require(registry != null, "schemaRegistry", "a SchemaRegistryClient");
      if (bootstrapServers == null) {
        Object b = kafka.get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG);
        bootstrapServers = b == null ? null : b.toString();
      }
      require(
          bootstrapServers != null && !bootstrapServers.isBlank(),
          "bootstrapServers",
          "host:port[,host:port]");
      require(!linger.isNegative(), "linger", "0 or more");
      require(maxBatchReports >= 1, "maxBatchReports", "1 or more");
      require(maxBatchBytes >= 1024, "maxBatchBytes", "1024 or more");
      require(maxBufferedReports >= 1, "maxBufferedReports", "1 or more");
      require(!maxBlock.isNegative(), "maxBlock", "0 or more");
      require(deliveryTimeout.toMillis() >= 1000, "deliveryTimeout", "1 s or more");
      require(!heartbeatInterval.isNegative(), "heartbeatInterval", "0 or more");
      Properties p = new Properties();
      p.putAll(kafka);
      p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
      p.put(ProducerConfig.CLIENT_ID_CONFIG, "herald-reporter-" + nodeId);
      p.put(ProducerConfig.ACKS_CONFIG, "all");
      p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
      p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
      p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
      long delivery = deliveryTimeout.toMillis();
      long request = Math.min(30_000, Math.max(500, delivery / 2));
      p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) request);
      p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) delivery);
      p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, maxBlock.toMillis());
      p.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 100);
      p.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1000);
      p.putIfAbsent(ProducerConfig.BUFFER_MEMORY_CONFIG, 8L * 1024 * 1024);
      p.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
      return p;
    }

    /** The auditor dead-letters every batch and heartbeat under an id that breaks the rule. */
    private static void validId(String key, Identifiers.Kind kind, String id) {
      String problem = Identifiers.problem(kind, id);
      if (problem != null) {
        throw new IllegalArgumentException("invalid reporter setting '" + key + "': " + problem);
      }
    }

    private static void require(boolean ok, String key, String allowed) {
      if (!ok) {
        throw new IllegalArgumentException(
            "invalid reporter setting '" + key + "': expected " + allowed);
      }
    }
  }
}
