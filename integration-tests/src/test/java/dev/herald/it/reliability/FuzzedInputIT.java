package dev.herald.it.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.auditor.HeraldAuditor;
import dev.herald.auditor.policy.AuditPolicy;
import dev.herald.auditor.policy.PolicyLoader;
import dev.herald.infra.registry.EmbeddedSchemaRegistry;
import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.it.support.RunningAuditor;
import dev.herald.schema.DeadLetter;
import dev.herald.schema.Topics;
import dev.herald.schema.registry.RestSchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.testsupport.DetectionScore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Over ten thousand bad records of every kind — random bytes, truncated and over-long Avro, unknown
 * and wrong schema ids, valid Avro with absurd values, forged and unknown heartbeats, oversized
 * records — interleaved with honest signed traffic, against the real auditor on a real broker.
 * Every bad record ends in {@code herald.dlq.v1} with a reason of its kind, or is refused by Kafka
 * with an error; the auditor stays RUNNING; the honest traffic's alerts equal its ground truth.
 */
@Tag("slow")
class FuzzedInputIT {
  private static final Logger LOG = LoggerFactory.getLogger(FuzzedInputIT.class);
  static final int BAD_RECORDS = Integer.getInteger("herald.fuzz.records", 10_000);
  static final int REFUSED_RECORDS = 20;

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @TempDir Path stateDir;

  /**
   * Silence detection is not under test here and is judged against the wall clock: on a shared,
   * overloaded CI machine (load average 20 on 2 cores was seen) the heartbeat task can lag 30 s
   * behind while it dead-letters the fuzz, which raised false NODE_SILENTs. Hence a long threshold.
   */
  static final AuditPolicy POLICY =
      PolicyLoader.parse(
          """
          defaults:
            heartbeat:
              silenceThreshold: 5m
          limits:
            maxRecordBytes: %d
          """
              .formatted(BadRecords.OVERSIZED_LIMIT));

  @Test
  void everyBadRecordIsDeadLetteredOrRefusedAndHonestTrafficIsStillAudited() throws Exception {
    String bootstrap = KAFKA.bootstrapServers();
    try (EmbeddedSchemaRegistry registry =
            EmbeddedSchemaRegistry.builder().bootstrapServers(bootstrap).port(0).start();
        KafkaProducer<String, byte[]> honest = producer(bootstrap, true);
        KafkaProducer<String, byte[]> fuzz = producer(bootstrap, false);
        Background clock = new Background()) {
      RestSchemaRegistryClient schemas = new RestSchemaRegistryClient(registry.url(), Map.of());
      SignedFleet fleet = new SignedFleet(honest, schemas, 40, 6);
      BadRecords generator = new BadRecords(20261126L, fleet);

      // Given: a running auditor, started after the registrations so that it knows the three
      // nodes, that has audited a first round
      fleet.registerAll();
      try (HeraldAuditor auditor =
          RunningAuditor.start(
              RunningAuditor.config(bootstrap, "herald-it-fuzz", stateDir, POLICY, registry.url()),
              Duration.ofSeconds(90))) {
        fleet.keepAlive(clock);
        fleet.playRound(1);
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> auditor.queries().entity(SignedFleet.GROUP, "h0").isPresent());

        // When: bad records between the honest rounds, and records Kafka must refuse
        Map<String, BadRecords.Bad> sent = new ConcurrentHashMap<>();
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        int perRound = BAD_RECORDS / (fleet.versions() - 1) + 1;
        for (int v = 2; v <= fleet.versions(); v++) {
          for (BadRecords.Bad bad : generator.next(perRound)) {
            sent.put(bad.key(), bad);
            acks.add(
                fuzz.send(
                    new ProducerRecord<>(
                        bad.topic(), null, bad.timestamp(), bad.key(), bad.value())));
          }
          fleet.playRound(v);
        }
        fuzz.flush();
        for (Future<RecordMetadata> ack : acks) {
          ack.get(60, TimeUnit.SECONDS);
        }
        Map<String, String> refusals = new TreeMap<>();
        for (BadRecords.Bad bad : generator.refusedByKafka(REFUSED_RECORDS)) {
          try {
            RecordMetadata written =
                fuzz.send(
                        new ProducerRecord<>(
                            bad.topic(), null, bad.timestamp(), bad.key(), bad.value()))
                    .get(60, TimeUnit.SECONDS);
            // The input topics run on broker time (LogAppendTime): a writer's far-future
            // timestamp is not refused but replaced by the broker's clock.
            refusals.put(
                bad.key(),
                Math.abs(written.timestamp() - System.currentTimeMillis()) < 60_000
                    ? "RESTAMPED_BY_BROKER"
                    : "ACCEPTED");
            if (bad.fate() == BadRecords.Fate.DEAD_LETTER) {
              sent.put(bad.key(), bad);
            }
          } catch (java.util.concurrent.ExecutionException e) {
            refusals.put(bad.key(), e.getCause().getClass().getSimpleName());
          }
        }

        // Then: every dead-lettered kind arrives, each with a reason of its kind
        Map<String, DeadLetter> dead = new HashMap<>();
        AvroWireFormat<DeadLetter> dlqFormat = new AvroWireFormat<>(DeadLetter.class, schemas);
        try (KafkaConsumer<byte[], byte[]> dlq =
            AlertLog.reader(KAFKA.clientProperties(), Topics.DLQ)) {
          await()
              .atMost(Duration.ofSeconds(180))
              .pollInterval(Duration.ofMillis(500))
              .until(
                  () -> {
                    for (ConsumerRecord<byte[], byte[]> r : dlq.poll(Duration.ofMillis(500))) {
                      String key =
                          r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
                      if (key.startsWith("fuzz-")) {
                        dead.put(key, dlqFormat.deserialize(Topics.DLQ, r.value()));
                      }
                    }
                    return dead.size() >= sent.size();
                  });
        }
        assertThat(sent).hasSizeGreaterThanOrEqualTo(BAD_RECORDS);
        assertThat(dead.keySet()).isEqualTo(sent.keySet());
        Map<String, Long> byReason =
            dead.values().stream()
                .collect(
                    Collectors.groupingBy(
                        DeadLetter::getReason, TreeMap::new, Collectors.counting()));
        Map<String, Long> byKind =
            sent.values().stream()
                .collect(
                    Collectors.groupingBy(
                        BadRecords.Bad::kind, TreeMap::new, Collectors.counting()));
        LOG.info(
            "fuzz: sent={} deadLettered={} byKind={} byReason={}",
            sent.size(),
            dead.size(),
            byKind,
            byReason);
        System.out.println("FUZZ sent=" + sent.size() + " dead-lettered=" + dead.size());
        System.out.println("FUZZ by kind: " + byKind);
        System.out.println("FUZZ by reason: " + byReason);
        System.out.println(
            "FUZZ refused by Kafka: "
                + refusals.values().stream()
                    .collect(Collectors.groupingBy(s -> s, TreeMap::new, Collectors.counting())));
        for (Map.Entry<String, DeadLetter> e : dead.entrySet()) {
          BadRecords.Bad bad = sent.get(e.getKey());
          assertThat(e.getValue().getReason())
              .as("reason of %s (%s): %s", e.getKey(), bad.kind(), e.getValue().getDetail())
              .isIn(bad.reasons());
          assertThat(e.getValue().getTopic()).isEqualTo(bad.topic());
        }
        assertThat(refusals.values())
            .as("records Kafka must refuse, or restamp with its own clock")
            .allSatisfy(r -> assertThat(r).isIn("RESTAMPED_BY_BROKER", "RecordTooLargeException"));

        // ... the auditor is still up, and the honest traffic was audited exactly
        assertThat(auditor.state()).isEqualTo("RUNNING/RUNNING");
        try (AlertLog alerts = new AlertLog(KAFKA.clientProperties(), schemas)) {
          DetectionScore score =
              alerts.awaitGroundTruth(
                  fleet::groundTruth, Duration.ofSeconds(120), Duration.ofSeconds(3));
          System.out.println("FUZZ honest traffic:\n" + score.table());
          assertThat(score.perfect()).as(score.table()).isTrue();
          alerts.assertNoAlertIdOpenTwice();
        }
        assertThat(auditor.state()).isEqualTo("RUNNING/RUNNING");
      }
    }
  }

  private static KafkaProducer<String, byte[]> producer(String bootstrap, boolean idempotent) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, idempotent);
    p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000");
    return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
  }
}
