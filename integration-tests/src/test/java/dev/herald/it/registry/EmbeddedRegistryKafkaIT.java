package dev.herald.it.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.infra.registry.EmbeddedSchemaRegistry;
import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.AvailabilityWindow;
import dev.herald.schema.DeadLetter;
import dev.herald.schema.Heartbeat;
import dev.herald.schema.NodeRecord;
import dev.herald.schema.ReportBatch;
import dev.herald.schema.RiskReport;
import dev.herald.schema.StateChange;
import dev.herald.schema.registry.RestSchemaRegistryClient;
import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.serde.HeraldSerde;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The embedded registry on a real KRaft broker: every Herald record type round-trips through {@link
 * HeraldSerde} and Kafka; after a restart the registry rebuilds itself from its topic, so old
 * records still decode with the same ids; two instances writing at once agree on every id.
 */
class EmbeddedRegistryKafkaIT {
  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension(false);

  private static final List<Class<? extends SpecificRecord>> TYPES =
      List.of(
          StateChange.class,
          ReportBatch.class,
          Heartbeat.class,
          NodeRecord.class,
          AuditAlert.class,
          DeadLetter.class,
          AvailabilityWindow.class,
          RiskReport.class);

  private EmbeddedSchemaRegistry start(String topic) {
    return EmbeddedSchemaRegistry.builder()
        .bootstrapServers(KAFKA.bootstrapServers())
        .topic(topic)
        .start();
  }

  @Test
  void everyRecordTypeRoundTripsAndStillDecodesWithTheSameIdsAfterARestart() throws Exception {
    // Given: every type written to Kafka through the embedded registry
    String schemaTopic = "_herald_schemas_" + UUID.randomUUID();
    String prefix = "roundtrip-" + UUID.randomUUID() + "-";
    Map<Class<? extends SpecificRecord>, SpecificRecord> written = new LinkedHashMap<>();
    Map<Class<? extends SpecificRecord>, Integer> idsBefore = new HashMap<>();
    try (EmbeddedSchemaRegistry registry = start(schemaTopic);
        RestSchemaRegistryClient client = new RestSchemaRegistryClient(registry.url(), Map.of());
        KafkaProducer<byte[], byte[]> producer = producer();
        Admin admin = Admin.create(KAFKA.clientProperties())) {
      admin
          .createTopics(
              TYPES.stream()
                  .map(t -> new NewTopic(prefix + t.getSimpleName(), 1, (short) 1))
                  .toList())
          .all()
          .get();
      long seed = 1;
      for (Class<? extends SpecificRecord> type : TYPES) {
        SpecificRecord record = RandomRecords.of(type, seed++);
        byte[] bytes = serialize(type, client, prefix + type.getSimpleName(), record);
        producer.send(new ProducerRecord<>(prefix + type.getSimpleName(), bytes)).get();
        written.put(type, record);
        idsBefore.put(type, AvroWireFormat.schemaId(bytes));
      }
      // When read back before the restart
      assertThat(readAll(client, prefix, idsBefore.keySet())).isEqualTo(written);
    }

    // When: a new registry instance on the same topic, on another port, with empty caches
    try (EmbeddedSchemaRegistry restarted = start(schemaTopic);
        RestSchemaRegistryClient client = new RestSchemaRegistryClient(restarted.url(), Map.of())) {
      // Then: the old records decode, and the same schemas have the same ids
      assertThat(readAll(client, prefix, idsBefore.keySet())).isEqualTo(written);
      for (Class<? extends SpecificRecord> type : TYPES) {
        String subject = AvroWireFormat.valueSubject(prefix + type.getSimpleName());
        assertThat(client.getLatest(subject).id())
            .as(type.getSimpleName())
            .isEqualTo(idsBefore.get(type));
        Schema schema = (Schema) type.getMethod("getClassSchema").invoke(null);
        assertThat(client.register(subject, schema)).isEqualTo(idsBefore.get(type));
      }
    }
  }

  @Test
  void twoInstancesWritingAtOnceAgreeOnEveryId() throws Exception {
    // Given two registries on one topic
    String schemaTopic = "_herald_schemas_" + UUID.randomUUID();
    try (EmbeddedSchemaRegistry a = start(schemaTopic);
        EmbeddedSchemaRegistry b = start(schemaTopic);
        RestSchemaRegistryClient clientA = new RestSchemaRegistryClient(a.url(), Map.of());
        RestSchemaRegistryClient clientB = new RestSchemaRegistryClient(b.url(), Map.of())) {
      // When both register different schemas (and some of the same) concurrently
      List<Callable<Map.Entry<Schema, Integer>>> tasks = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        Schema own = record("Own" + i);
        Schema shared = record("Shared" + (i % 5));
        RestSchemaRegistryClient c = i % 2 == 0 ? clientA : clientB;
        String subject = "race-" + i;
        tasks.add(() -> Map.entry(own, c.register(subject, own)));
        tasks.add(() -> Map.entry(shared, c.register(subject + "-shared", shared)));
      }
      ExecutorService pool = Executors.newFixedThreadPool(8);
      List<Map.Entry<Schema, Integer>> results = new ArrayList<>();
      try {
        for (Future<Map.Entry<Schema, Integer>> f : pool.invokeAll(tasks)) {
          results.add(f.get());
        }
      } finally {
        pool.shutdownNow();
      }
      // Then: one id per schema, distinct schemas have distinct ids, and both instances agree
      Map<Schema, Integer> idBySchema = new HashMap<>();
      for (Map.Entry<Schema, Integer> r : results) {
        Integer previous = idBySchema.putIfAbsent(r.getKey(), r.getValue());
        assertThat(previous == null ? r.getValue() : previous).isEqualTo(r.getValue());
      }
      assertThat(new java.util.HashSet<>(idBySchema.values())).hasSize(idBySchema.size());
      for (Map.Entry<Schema, Integer> e : idBySchema.entrySet()) {
        try (SchemaRegistryClient freshA = new RestSchemaRegistryClient(a.url(), Map.of());
            SchemaRegistryClient freshB = new RestSchemaRegistryClient(b.url(), Map.of())) {
          assertThat(freshA.getById(e.getValue())).isEqualTo(e.getKey());
          assertThat(freshB.getById(e.getValue())).isEqualTo(e.getKey());
        }
      }
      assertThat(clientA.subjects()).containsExactlyInAnyOrderElementsOf(clientB.subjects());
    }
  }

  private static Schema record(String name) {
    return SchemaBuilder.record(name)
        .namespace("dev.herald.race")
        .fields()
        .requiredLong("x")
        .endRecord();
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static byte[] serialize(
      Class<? extends SpecificRecord> type,
      SchemaRegistryClient client,
      String topic,
      SpecificRecord record) {
    HeraldSerde serde = HeraldSerde.of((Class) type, client);
    return serde.serializer().serialize(topic, record);
  }

  private static Map<Class<? extends SpecificRecord>, SpecificRecord> readAll(
      SchemaRegistryClient client,
      String prefix,
      java.util.Set<Class<? extends SpecificRecord>> types) {
    Map<Class<? extends SpecificRecord>, SpecificRecord> read = new LinkedHashMap<>();
    try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
      for (Class<? extends SpecificRecord> type : TYPES) {
        if (!types.contains(type)) {
          continue;
        }
        String topic = prefix + type.getSimpleName();
        consumer.subscribe(List.of(topic));
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () -> {
                  consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                  return !records.isEmpty();
                });
        consumer.unsubscribe();
        @SuppressWarnings({"unchecked", "rawtypes"})
        HeraldSerde serde = HeraldSerde.of((Class) type, client);
        read.put(
            type, (SpecificRecord) serde.deserializer().deserialize(topic, records.get(0).value()));
      }
    }
    return read;
  }

  private static KafkaProducer<byte[], byte[]> producer() {
    Properties props = KAFKA.clientProperties();
    props.put("acks", "all");
    return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
  }

  private static KafkaConsumer<byte[], byte[]> consumer() {
    Properties props = KAFKA.clientProperties();
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "roundtrip-" + UUID.randomUUID());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }
}
