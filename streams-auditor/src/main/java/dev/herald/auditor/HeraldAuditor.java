package dev.herald.auditor;

import dev.herald.auditor.api.EntityStateLookup;
import dev.herald.auditor.api.KafkaStreamsEntityLookup;
import dev.herald.auditor.topology.AuditorStores;
import dev.herald.auditor.topology.AuditorTopology;
import dev.herald.schema.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.processor.UsePartitionTimeOnInvalidTimestamp;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running auditor: two Kafka Streams applications with {@code processing.guarantee =
 * exactly_once_v2} — reconciliation ({@code applicationId}) and identity ({@code
 * applicationId-identity}). Start several instances with the same application id to share the
 * partitions.
 *
 * <pre>{@code
 * try (HeraldAuditor auditor = HeraldAuditor.start(config)) {
 *   auditor.awaitRunning(Duration.ofSeconds(60));
 *   AuditorQueries queries = auditor.queries();
 * }
 * }</pre>
 */
public final class HeraldAuditor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HeraldAuditor.class);

  /** Default {@code commit.interval.ms} (override in {@link AuditorConfig#clientProperties()}). */
  static final int COMMIT_INTERVAL_MS = 1_000;

  private final AuditorConfig config;
  private final KafkaStreams reconciliation;
  private final KafkaStreams identity;
  private final EndOffsetWatcher frontier;
  private AuditorStreamsMetrics streamsMetrics;

  private HeraldAuditor(
      AuditorConfig config,
      KafkaStreams reconciliation,
      KafkaStreams identity,
      EndOffsetWatcher frontier) {
    this.frontier = frontier;
    this.config = config;
    this.reconciliation = reconciliation;
    this.identity = identity;
  }

  /** Builds both topologies and starts them. */
  public static HeraldAuditor start(AuditorConfig config) {
    int partitions =
        config.stateChangePartitions() > 0
            ? config.stateChangePartitions()
            : lookUpPartitions(config);
    EndOffsetWatcher frontier =
        new EndOffsetWatcher(
            config.bootstrapServers(),
            config.clientProperties(),
            config.applicationId(),
            List.of(Topics.HEARTBEATS, Topics.STATE_CHANGES),
            Duration.ofMillis(500));
    Topology main =
        AuditorTopology.reconciliation(
            config.policy(), config.schemaRegistry(), config.meters(), partitions, frontier);
    Topology ids =
        AuditorTopology.identity(config.policy(), config.schemaRegistry(), config.meters());
    KafkaStreams reconciliation =
        new KafkaStreams(main, streamsProperties(config, config.applicationId()));
    KafkaStreams identity =
        new KafkaStreams(ids, streamsProperties(config, config.applicationId() + "-identity"));
    for (KafkaStreams s : List.of(reconciliation, identity)) {
      s.setUncaughtExceptionHandler(
          e -> {
            LOG.error("auditor stream thread failed; replacing it: {}", e.toString());
            LOG.debug("stream thread failure", e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
          });
    }
    LOG.info(
        "starting auditor applicationId={} bootstrap={} stateChangePartitions={}",
        config.applicationId(),
        config.bootstrapServers(),
        partitions);
    HeraldAuditor auditor = new HeraldAuditor(config, reconciliation, identity, frontier);
    auditor.streamsMetrics =
        AuditorStreamsMetrics.bind(
            config.meters(), Map.of("reconciliation", reconciliation, "identity", identity));
    reconciliation.start();
    identity.start();
    return auditor;
  }

  /** The Kafka Streams properties the auditor runs with. */
  static Properties streamsProperties(AuditorConfig config, String applicationId) {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
    p.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
    p.put(
        StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
        LogAndContinueExceptionHandler.class);
    p.put(
        StreamsConfig.DEFAULT_TIMESTAMP_EXTRACTOR_CLASS_CONFIG,
        UsePartitionTimeOnInvalidTimestamp.class);
    // An exactly-once commit is a transaction round trip; findings, dead letters and alerts of
    // fresh input ask for an early commit (PromptCommits), so the interval only bounds how long
    // honest traffic and catch-up work wait to be committed.
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, COMMIT_INTERVAL_MS);
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    p.put(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG), 4 << 20);
    // With transactions v2 the first send after a commit often meets CONCURRENT_TRANSACTIONS
    // while the commit completes; retry it quickly instead of after the default 100 ms.
    p.put(StreamsConfig.producerPrefix(ProducerConfig.RETRY_BACKOFF_MS_CONFIG), 10);
    // A stream thread keeps processing what it has buffered before it polls again (for up to half
    // of max.poll.interval.ms), so a task whose buffer ran dry waits for the others: with 1,000
    // buffered report batches per partition (up to 256 reports each) that was tens of seconds on
    // a busy machine, in which that task read no heartbeat. Small buffers bound that wait.
    p.put(StreamsConfig.BUFFERED_RECORDS_PER_PARTITION_CONFIG, 64);
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_POLL_RECORDS_CONFIG), 256);
    p.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, -1L);
    try {
      Path dir =
          config.stateDir() != null
              ? config.stateDir()
              : Files.createTempDirectory("herald-auditor-state");
      p.put(StreamsConfig.STATE_DIR_CONFIG, dir.toAbsolutePath().toString());
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot create a state directory: " + e.getMessage(), e);
    }
    p.putAll(config.clientProperties());
    return p;
  }

  private static int lookUpPartitions(AuditorConfig config) {
    Properties p = new Properties();
    p.putAll(config.clientProperties());
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
    try (Admin admin = Admin.create(p)) {
      TopicDescription d =
          admin
              .describeTopics(List.of(Topics.STATE_CHANGES))
              .allTopicNames()
              .get(30, TimeUnit.SECONDS)
              .get(Topics.STATE_CHANGES);
      return d.partitions().size();
    } catch (Exception e) {
      throw new IllegalStateException(
          "cannot describe topic "
              + Topics.STATE_CHANGES
              + " at "
              + config.bootstrapServers()
              + " ("
              + e.getMessage()
              + "); create the topics first (herald topics)",
          e);
    }
  }

  /** Waits until both applications are RUNNING. */
  public boolean awaitRunning(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (reconciliation.state() == KafkaStreams.State.RUNNING
          && identity.state() == KafkaStreams.State.RUNNING) {
        return true;
      }
      try {
        TimeUnit.MILLISECONDS.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return false;
  }

  /** The states of the two applications, e.g. {@code RUNNING/RUNNING}. */
  public String state() {
    return reconciliation.state() + "/" + identity.state();
  }

  /** Read API over this instance's stores (and routing metadata for the others). */
  public AuditorQueries queries() {
    return new AuditorQueries(reconciliation);
  }

  /**
   * Entity lookups for the REST API: read locally when this instance owns the key, else route to
   * the owner. {@code self} must equal this instance's {@code application.server}.
   */
  public EntityStateLookup entityLookup(HostInfo self) {
    AuditorQueries queries = queries();
    return new KafkaStreamsEntityLookup(
        reconciliation, AuditorStores.ENTITIES, self, queries::entityById);
  }

  public AuditorConfig config() {
    return config;
  }

  /** Stops both applications, committing their work. */
  @Override
  public void close() {
    LOG.info("stopping auditor applicationId={}", config.applicationId());
    reconciliation.close(Duration.ofSeconds(30));
    identity.close(Duration.ofSeconds(30));
    frontier.close();
    streamsMetrics.close();
  }
}
