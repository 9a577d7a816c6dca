package dev.herald.it.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.infra.broker.EmbeddedKafkaBroker;
import dev.herald.infra.cli.HeraldCli;
import dev.herald.infra.security.HeraldPrincipal;
import dev.herald.infra.topics.TopicAdmin;
import dev.herald.schema.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The secure embedded broker ({@code herald broker --secure}): only SASL_SSL for clients, SCRAM
 * passwords checked, and ACLs that confine each principal to its role — a reporter may write state
 * changes and heartbeats but neither alerts nor the node registry; only the auditor writes alerts.
 */
class SecureBrokerIT {
  @TempDir static Path dir;
  static EmbeddedKafkaBroker broker;

  @BeforeAll
  static void startSecureBroker() {
    broker = EmbeddedKafkaBroker.builder().dataDir(dir).secure(true).build().start();
    try (TopicAdmin admin = new TopicAdmin(broker.clientProperties(HeraldPrincipal.ADMIN))) {
      admin.createAll((short) 1);
    }
  }

  @AfterAll
  static void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void reporterCanWriteStateChangesAndHeartbeats() throws Exception {
    try (KafkaProducer<byte[], byte[]> producer = producer(HeraldPrincipal.REPORTER)) {
      RecordMetadata a = send(producer, Topics.STATE_CHANGES);
      RecordMetadata b = send(producer, Topics.HEARTBEATS);

      assertThat(a.offset()).isGreaterThanOrEqualTo(0);
      assertThat(b.offset()).isGreaterThanOrEqualTo(0);
    }
  }

  @Test
  void reporterCannotWriteAlerts() {
    try (KafkaProducer<byte[], byte[]> producer = producer(HeraldPrincipal.REPORTER)) {
      assertThatThrownBy(() -> send(producer, Topics.ALERTS))
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(TopicAuthorizationException.class);
    }
  }

  @Test
  void reporterCannotWriteTheNodeRegistry() {
    try (KafkaProducer<byte[], byte[]> producer = producer(HeraldPrincipal.REPORTER)) {
      assertThatThrownBy(() -> send(producer, Topics.NODES))
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(TopicAuthorizationException.class);
    }
  }

  @Test
  void reporterCannotReadOtherReplicasReports() {
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(HeraldPrincipal.REPORTER)) {
      consumer.assign(List.of(new TopicPartition(Topics.STATE_CHANGES, 0)));
      consumer.seekToBeginning(consumer.assignment());

      assertThatThrownBy(() -> consumer.poll(Duration.ofSeconds(10)))
          .isInstanceOf(TopicAuthorizationException.class);
    }
  }

  @Test
  void onlyTheAuditorWritesAlerts() throws Exception {
    try (KafkaProducer<byte[], byte[]> auditor = producer(HeraldPrincipal.AUDITOR);
        KafkaProducer<byte[], byte[]> operator = producer(HeraldPrincipal.OPERATOR)) {
      assertThat(send(auditor, Topics.ALERTS).offset()).isGreaterThanOrEqualTo(0);
      assertThat(send(auditor, Topics.DLQ).offset()).isGreaterThanOrEqualTo(0);
      assertThatThrownBy(() -> send(operator, Topics.ALERTS))
          .hasCauseInstanceOf(TopicAuthorizationException.class);
    }
  }

  @Test
  void auditorCannotRewriteTheNodeRegistryButOperatorCan() throws Exception {
    try (KafkaProducer<byte[], byte[]> auditor = producer(HeraldPrincipal.AUDITOR);
        KafkaProducer<byte[], byte[]> operator = producer(HeraldPrincipal.OPERATOR)) {
      assertThat(send(operator, Topics.NODES).offset()).isGreaterThanOrEqualTo(0);
      assertThatThrownBy(() -> send(auditor, Topics.NODES))
          .hasCauseInstanceOf(TopicAuthorizationException.class);
    }
  }

  @Test
  void aWrongPasswordIsRejected() {
    Properties props = broker.security().clientProperties("reporter", "not-the-password");
    props.put("bootstrap.servers", broker.bootstrapServers());
    props.put("max.block.ms", "15000");
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      assertThatThrownBy(() -> send(producer, Topics.STATE_CHANGES))
          .satisfiesAnyOf(
              e -> assertThat(e).isInstanceOf(SaslAuthenticationException.class),
              e -> assertThat(e).hasCauseInstanceOf(SaslAuthenticationException.class));
    }
  }

  @Test
  void aPlaintextClientGetsNoMetadata() {
    Properties props = new Properties();
    props.put("bootstrap.servers", broker.bootstrapServers());
    props.put("request.timeout.ms", "3000");
    props.put("default.api.timeout.ms", "6000");
    try (Admin admin = Admin.create(props)) {
      assertThatThrownBy(() -> admin.describeCluster().clusterId().get(10, TimeUnit.SECONDS))
          .isInstanceOfAny(ExecutionException.class, java.util.concurrent.TimeoutException.class);
    }
  }

  @Test
  void secretsAndClientPropertiesAreOwnerOnly() throws Exception {
    Path security = broker.security().directory();
    for (HeraldPrincipal p : HeraldPrincipal.values()) {
      Path props = broker.security().clientPropertiesFile(p);
      Path password = security.resolve(p.userName() + ".password");

      assertThat(Files.getPosixFilePermissions(props))
          .isEqualTo(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
      assertThat(Files.getPosixFilePermissions(password))
          .isEqualTo(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
    }
  }

  @Test
  void topicsCommandReachesTheSecureBrokerWithCommandConfig() {
    Path operator = broker.security().clientPropertiesFile(HeraldPrincipal.ADMIN);

    int exit =
        HeraldCli.run(
            "topics",
            "list",
            "--bootstrap-server",
            broker.bootstrapServers(),
            "--command-config",
            operator.toString());

    assertThat(exit).isZero();
  }

  @Test
  void clientPropertiesFileOfTheReporterWorksForItsOwnTopics() throws Exception {
    Properties props =
        dev.herald.infra.security.BrokerSecurity.load(
            broker.security().clientPropertiesFile(HeraldPrincipal.REPORTER));
    props.put("bootstrap.servers", broker.bootstrapServers());
    props.put("max.block.ms", "15000");
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      assertThat(send(producer, Topics.HEARTBEATS).offset()).isGreaterThanOrEqualTo(0);
    }
  }

  @Test
  void auditorReadsWhatTheReporterWrote() throws Exception {
    byte[] marker = ("marker-" + System.nanoTime()).getBytes();
    try (KafkaProducer<byte[], byte[]> producer = producer(HeraldPrincipal.REPORTER)) {
      producer.send(new ProducerRecord<>(Topics.HEARTBEATS, 0, null, marker)).get();
    }
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(HeraldPrincipal.AUDITOR)) {
      consumer.assign(List.of(new TopicPartition(Topics.HEARTBEATS, 0)));
      consumer.seekToBeginning(consumer.assignment());
      boolean seen = false;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (!seen && System.nanoTime() < deadline) {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(500));
        for (var r : records) {
          seen |= java.util.Arrays.equals(r.value(), marker);
        }
      }
      assertThat(seen).isTrue();
    }
  }

  private static KafkaProducer<byte[], byte[]> producer(HeraldPrincipal principal) {
    Properties props = broker.clientProperties(principal);
    props.put("max.block.ms", "15000");
    props.put("delivery.timeout.ms", "20000");
    props.put("request.timeout.ms", "10000");
    return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
  }

  private static KafkaConsumer<byte[], byte[]> consumer(HeraldPrincipal principal) {
    Properties props = broker.clientProperties(principal);
    props.put("enable.auto.commit", "false");
    return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  private static RecordMetadata send(KafkaProducer<byte[], byte[]> producer, String topic)
      throws Exception {
    return producer
        .send(new ProducerRecord<>(topic, 0, "k".getBytes(), "v".getBytes()))
        .get(30, TimeUnit.SECONDS);
  }
}
