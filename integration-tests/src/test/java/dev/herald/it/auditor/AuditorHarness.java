package dev.herald.it.auditor;

import static org.awaitility.Awaitility.await;

import dev.herald.auditor.HeraldAuditor;
import dev.herald.auditor.policy.AuditPolicy;
import dev.herald.infra.registry.EmbeddedSchemaRegistry;
import dev.herald.it.reliability.Background;
import dev.herald.it.support.AuditedBroker;
import dev.herald.it.support.RunningAuditor;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.DeadLetter;
import dev.herald.schema.Topics;
import dev.herald.schema.registry.RestSchemaRegistryClient;
import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.truth.ExpectedAlert;
import dev.herald.testsupport.DetectionScore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.awaitility.core.ConditionTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Auditor instances, a producer, a heartbeat/tick clock and read-committed readers of the alert and
 * dead-letter topics, against one real broker. One shared in-memory schema registry stands in for
 * the registry service (same JVM).
 */
final class AuditorHarness implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AuditorHarness.class);
  static final AuditPolicy POLICY =
      dev.herald.auditor.policy.PolicyLoader.parse(
          """
          defaults:
            heartbeat:
              silenceThreshold: 6s
          groups:
            ops:
              rateBudget:
                reportsPerSecond: 10
                burst: 50
          """);

  private EmbeddedSchemaRegistry registry;
  private int registryPort;
  final SchemaRegistryClient schemas;
  final KafkaProducer<String, byte[]> producer;
  final ReplicaFleet fleet;
  private final String bootstrap;
  private final String applicationId;
  private final KafkaConsumer<String, byte[]> alertReader;
  private final KafkaConsumer<String, byte[]> dlqReader;
  private final AvroWireFormat<AuditAlert> alertFormat;
  private final AvroWireFormat<DeadLetter> dlqFormat;
  private final List<AuditAlert> alerts = new ArrayList<>();
  private final List<DeadLetter> deadLetters = new ArrayList<>();
  private Background clock;

  private final AuditPolicy policy;

  AuditorHarness(String bootstrap, String applicationId) {
    this(bootstrap, applicationId, POLICY);
  }

  AuditorHarness(String bootstrap, String applicationId, AuditPolicy policy) {
    this.policy = policy;
    this.bootstrap = bootstrap;
    this.applicationId = applicationId;
    this.registry = EmbeddedSchemaRegistry.builder().bootstrapServers(bootstrap).port(0).start();
    this.registryPort = registry.port();
    this.schemas = new RestSchemaRegistryClient(registry.url(), Map.of());
    producer = AuditedBroker.producer(bootstrap);
    fleet = new ReplicaFleet(producer, schemas);
    alertFormat = new AvroWireFormat<>(AuditAlert.class, schemas);
    dlqFormat = new AvroWireFormat<>(DeadLetter.class, schemas);
    alertReader = reader(Topics.ALERTS);
    dlqReader = reader(Topics.DLQ);
  }

  private KafkaConsumer<String, byte[]> reader(String topic) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.GROUP_ID_CONFIG, applicationId + "-reader-" + topic);
    KafkaConsumer<String, byte[]> c =
        new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    c.subscribe(List.of(topic));
    return c;
  }

  HeraldAuditor startInstance(Path stateDir) {
    HeraldAuditor auditor =
        HeraldAuditor.start(
            RunningAuditor.config(bootstrap, applicationId, stateDir, policy, registry.url())
                .build());
    return auditor;
  }

  /** The schema registry's URL (for CLI commands run against this harness). */
  String registryUrl() {
    return registry.url();
  }

  /** Stops the schema registry (an outage); {@link #startRegistry} brings it back on its port. */
  void stopRegistry() {
    registry.close();
  }

  /** Starts the schema registry again on the same port (its schemas are in Kafka). */
  void startRegistry() {
    registry =
        EmbeddedSchemaRegistry.builder().bootstrapServers(bootstrap).port(registryPort).start();
  }

  /**
   * Heartbeats of the live nodes and stream-time ticks every 300 ms, in the background, on two
   * threads: heartbeats never wait for the fleet (whose rounds hold its lock). A failed heartbeat
   * or tick fails the test ({@link Background}), at {@link #close()} at the latest.
   */
  void startClock() {
    clock = new Background();
    clock.every(
        Duration.ofMillis(300),
        () -> {
          for (String n : ReplicaFleet.heartbeating()) {
            fleet.heartbeat(n);
          }
        });
    clock.every(
        Duration.ofMillis(300),
        () -> {
          synchronized (fleet) {
            fleet.tick();
          }
        });
  }

  /** Everything read from herald.alerts.v1 so far (committed records only). */
  synchronized List<AuditAlert> alerts() {
    for (ConsumerRecord<String, byte[]> r : alertReader.poll(Duration.ofMillis(200))) {
      alerts.add(alertFormat.deserialize(Topics.ALERTS, r.value()));
    }
    return List.copyOf(alerts);
  }

  synchronized List<DeadLetter> deadLetters() {
    for (ConsumerRecord<String, byte[]> r : dlqReader.poll(Duration.ofMillis(200))) {
      deadLetters.add(dlqFormat.deserialize(Topics.DLQ, r.value()));
    }
    return List.copyOf(deadLetters);
  }

  /**
   * Waits until the alerts equal the ground truth and stay equal for {@code stable}; returns the
   * score (the last one seen, with what is missing or unexpected, when the wait times out).
   */
  DetectionScore awaitGroundTruth(Duration atMost, Duration stable) {
    return awaitGroundTruth(fleet::groundTruth, atMost, stable);
  }

  /** {@link #awaitGroundTruth(Duration, Duration)} against another ground truth (a simulator's). */
  DetectionScore awaitGroundTruth(
      Supplier<List<ExpectedAlert>> truth, Duration atMost, Duration stable) {
    AtomicReference<DetectionScore> score = new AtomicReference<>();
    Callable<Boolean> perfect =
        () -> {
          score.set(DetectionScore.of(truth.get(), alerts()));
          return score.get().perfect();
        };
    try {
      await().atMost(atMost).pollInterval(Duration.ofMillis(500)).until(perfect);
      await()
          .during(stable)
          .atMost(stable.multipliedBy(3))
          .pollInterval(Duration.ofMillis(500))
          .until(perfect);
    } catch (ConditionTimeoutException e) {
      LOG.error("alerts differ from the ground truth:\n{}", score.get().table());
    }
    return score.get();
  }

  /** Closes everything; fails if a background heartbeat or tick failed. */
  @Override
  public void close() throws InterruptedException {
    try {
      if (clock != null) {
        clock.close();
      }
    } finally {
      alertReader.close();
      dlqReader.close();
      producer.close();
      registry.close();
    }
  }
}
