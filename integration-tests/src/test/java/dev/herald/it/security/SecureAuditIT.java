package dev.herald.it.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.auditor.HeraldAuditor;
import dev.herald.auditor.policy.PolicyLoader;
import dev.herald.infra.broker.EmbeddedKafkaBroker;
import dev.herald.infra.registry.EmbeddedSchemaRegistry;
import dev.herald.infra.security.HeraldPrincipal;
import dev.herald.infra.topics.TopicAdmin;
import dev.herald.it.reliability.AlertLog;
import dev.herald.it.reliability.Background;
import dev.herald.it.reliability.SignedFleet;
import dev.herald.it.support.AuditedBroker;
import dev.herald.it.support.RunningAuditor;
import dev.herald.schema.registry.RestSchemaRegistryClient;
import dev.herald.testsupport.DetectionScore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole pipeline on the secure broker, each part under its own least-privilege principal: the
 * replicas as {@code reporter}, registrations and the schema registry as {@code operator}, the
 * auditor (Kafka Streams, exactly-once, with its internal topics and transactions) as {@code
 * auditor}. Proves the ACLs are enough for the real auditor, and that a replayed batch and a forged
 * one are never counted: the alerts equal the ground truth.
 */
@Tag("slow")
class SecureAuditIT {
  @TempDir Path dir;
  @TempDir Path stateDir;

  @Test
  void auditingWorksUnderLeastPrivilegeAndReplaysAndForgeriesAreNotCounted() throws Exception {
    try (EmbeddedKafkaBroker broker =
        EmbeddedKafkaBroker.builder()
            .dataDir(dir)
            .secure(true)
            .auditorApplicationId("herald-it-secure")
            .build()
            .start()) {
      try (TopicAdmin admin = new TopicAdmin(broker.clientProperties(HeraldPrincipal.ADMIN))) {
        admin.createAll((short) 1);
      }
      Properties operator = broker.clientProperties(HeraldPrincipal.OPERATOR);
      Properties auditorProps = broker.clientProperties(HeraldPrincipal.AUDITOR);
      auditorProps.remove("bootstrap.servers");
      Map<String, Object> registryKafka = new HashMap<>();
      operator.stringPropertyNames().forEach(k -> registryKafka.put(k, operator.getProperty(k)));
      registryKafka.remove("bootstrap.servers");
      try (EmbeddedSchemaRegistry registry =
              EmbeddedSchemaRegistry.builder()
                  .bootstrapServers(broker.bootstrapServers())
                  .kafkaProperties(registryKafka)
                  .port(0)
                  .start();
          KafkaProducer<String, byte[]> reporter =
              producer(broker.clientProperties(HeraldPrincipal.REPORTER));
          KafkaProducer<String, byte[]> registrar = producer(operator);
          AlertLog alerts =
              new AlertLog(operator, new RestSchemaRegistryClient(registry.url(), Map.of()));
          Background clock = new Background()) {
        SignedFleet fleet =
            new SignedFleet(
                reporter, registrar, new RestSchemaRegistryClient(registry.url(), Map.of()), 12, 4);

        // Given: three registered replicas and a running auditor (started after the registrations,
        // so that it knows the nodes before their first report)
        fleet.registerAll();
        try (HeraldAuditor auditor =
            RunningAuditor.start(
                RunningAuditor.config(
                        broker.bootstrapServers(),
                        "herald-it-secure",
                        stateDir,
                        PolicyLoader.parse("defaults:\n  heartbeat:\n    silenceThreshold: 90s\n"),
                        registry.url())
                    .clientProperties(auditorProps))) {
          fleet.keepAlive(clock);

          // When: honest rounds with faults, a replayed batch and a forged one (last round)
          fleet.playRound(1);
          fleet.playRound(2);
          fleet.replayFirstBatch();
          fleet.playRound(3);
          fleet.playRound(4);

          // Then
          DetectionScore score =
              alerts.awaitGroundTruth(
                  fleet::groundTruth, Duration.ofSeconds(120), Duration.ofSeconds(4));
          System.out.println("SECURE audit under least privilege:\n" + score.table());
          assertThat(score.perfect()).as(score.table()).isTrue();
          alerts.assertNoAlertIdOpenTwice();
          assertThat(auditor.state()).isEqualTo("RUNNING/RUNNING");
        }
      }
    }
  }

  private static KafkaProducer<String, byte[]> producer(Properties clientProps) {
    return AuditedBroker.producer(clientProps, Map.of(ProducerConfig.MAX_BLOCK_MS_CONFIG, "30000"));
  }
}
