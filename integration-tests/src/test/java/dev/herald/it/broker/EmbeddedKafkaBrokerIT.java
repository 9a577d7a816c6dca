package dev.herald.it.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.infra.broker.BrokerStartException;
import dev.herald.infra.broker.EmbeddedKafkaBroker;
import dev.herald.infra.topics.TopicAdmin;
import dev.herald.schema.Topics;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The in-process KRaft broker is a real Kafka broker: clients round-trip, data survives restarts.
 */
class EmbeddedKafkaBrokerIT {

  @TempDir Path dataDir;

  @Test
  void plainClientsRoundTripAndRecordsSurviveARestartOnTheSameDirectory() throws Exception {
    // Given a broker with Herald's topics
    List<String> sent = List.of("a", "b", "c");
    int port;
    try (EmbeddedKafkaBroker broker =
        EmbeddedKafkaBroker.builder().dataDir(dataDir).build().start()) {
      port = Integer.parseInt(broker.bootstrapServers().split(":")[1]);
      try (TopicAdmin admin = new TopicAdmin(props(broker))) {
        admin.createAll((short) 1);
      }
      // When a plain producer writes and a plain consumer reads
      try (KafkaProducer<String, String> producer =
          new KafkaProducer<>(props(broker), new StringSerializer(), new StringSerializer())) {
        for (String value : sent) {
          producer.send(new ProducerRecord<>(Topics.DLQ, 0, value, value)).get();
        }
      }
      // Then the consumer sees every record
      assertThat(readAll(broker, Topics.DLQ, sent.size())).containsExactlyElementsOf(sent);
    }

    // When the broker restarts on the same directory (same port, since clients remember it)
    try (EmbeddedKafkaBroker broker =
        EmbeddedKafkaBroker.builder().dataDir(dataDir).port(port).build().start()) {
      // Then the topics and records are still there
      try (TopicAdmin admin = new TopicAdmin(props(broker))) {
        assertThat(admin.list())
            .extracting(TopicAdmin.Described::name)
            .containsExactlyInAnyOrderElementsOf(
                Topics.all().stream().map(Topics.Spec::name).toList());
      }
      assertThat(readAll(broker, Topics.DLQ, sent.size())).containsExactlyElementsOf(sent);
    }
  }

  @Test
  void topicsAreCreatedWithTheirCleanupPolicies() {
    try (EmbeddedKafkaBroker broker =
            EmbeddedKafkaBroker.builder().dataDir(dataDir).build().start();
        TopicAdmin admin = new TopicAdmin(props(broker))) {
      assertThat(admin.createAll((short) 1)).allMatch(TopicAdmin.Created::created);
      assertThat(admin.createAll((short) 1)).noneMatch(TopicAdmin.Created::created);
      for (TopicAdmin.Described described : admin.list()) {
        Topics.Spec spec = Topics.spec(described.name()).orElseThrow();
        assertThat(described.partitions()).isEqualTo(spec.partitions());
        assertThat(described.configs()).containsAllEntriesOf(spec.configs());
      }
    }
  }

  @Test
  void aPortInUseIsReportedWithAHint() throws Exception {
    try (ServerSocket taken = new ServerSocket(0)) {
      EmbeddedKafkaBroker broker =
          EmbeddedKafkaBroker.builder().dataDir(dataDir).port(taken.getLocalPort()).build();
      assertThatThrownBy(broker::start)
          .isInstanceOf(BrokerStartException.class)
          .hasMessageContaining("already in use")
          .satisfies(e -> assertThat(((BrokerStartException) e).hint()).contains("--port"));
    }
  }

  private static Properties props(EmbeddedKafkaBroker broker) {
    Properties p = new Properties();
    p.put("bootstrap.servers", broker.bootstrapServers());
    return p;
  }

  private static List<String> readAll(EmbeddedKafkaBroker broker, String topic, int expected) {
    Properties p = props(broker);
    p.putAll(
        Map.of(
            "group.id", "it-" + UUID.randomUUID(),
            "auto.offset.reset", "earliest",
            "enable.auto.commit", "false"));
    List<String> values = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (values.size() < expected && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
          values.add(r.value());
        }
      }
    }
    return values;
  }
}
