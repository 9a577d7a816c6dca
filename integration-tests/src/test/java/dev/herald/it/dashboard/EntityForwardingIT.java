package dev.herald.it.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.herald.auditor.api.AlertView;
import dev.herald.auditor.api.AuditorHttpServer;
import dev.herald.auditor.api.EntityStateLookup;
import dev.herald.auditor.api.KafkaStreamsEntityLookup;
import dev.herald.auditor.api.NodeView;
import dev.herald.auditor.detect.EntityState;
import dev.herald.it.support.KafkaBrokerExtension;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /api/groups/{g}/entities/{k}} with two Kafka Streams instances of one application on a
 * real broker: every key is answered through either instance, from its own store or forwarded to
 * the instance that owns the key ({@link KafkaStreamsEntityLookup}).
 */
class EntityForwardingIT {
  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension(false);
  private static final String TOPIC = "it-entity-state";
  private static final String STORE = "entity-state";
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void stop() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  private record Instance(AuditorHttpServer http, KafkaStreams streams) {}

  private Instance instance(Path stateDir) {
    AtomicReference<EntityStateLookup> lookup =
        new AtomicReference<>(EntityStateLookup.NOT_RUNNING);
    PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    AuditorHttpServer server =
        AuditorHttpServer.builder()
            .host("127.0.0.1")
            .port(0)
            .alerts(new AlertView(10, meters))
            .nodes(new NodeView(Duration.ofSeconds(10), Clock.systemUTC(), meters))
            .meterRegistry(meters)
            .entityLookup((g, k) -> lookup.get().lookup(g, k))
            .build()
            .start();
    closeables.add(server);
    StreamsBuilder builder = new StreamsBuilder();
    builder.table(
        TOPIC,
        Consumed.with(Serdes.String(), Serdes.String()),
        Materialized.<String, String, KeyValueStore<Bytes, byte[]>>as(STORE));
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, "it-entity-forwarding");
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
    p.put(StreamsConfig.APPLICATION_SERVER_CONFIG, "127.0.0.1:" + server.port());
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
    KafkaStreams streams = new KafkaStreams(builder.build(), p);
    closeables.add(streams);
    lookup.set(
        new KafkaStreamsEntityLookup(
            streams,
            STORE,
            new HostInfo("127.0.0.1", server.port()),
            key ->
                streams
                    .store(
                        StoreQueryParameters.fromNameAndType(
                            STORE, QueryableStoreTypes.<String, String>keyValueStore()))
                    .get(key)));
    streams.start();
    return new Instance(server, streams);
  }

  @Test
  void everyKeyIsServedByEitherInstanceAndForwardedToItsOwner(@TempDir Path a, @TempDir Path b)
      throws Exception {
    try (Admin admin = Admin.create(KAFKA.clientProperties())) {
      admin.createTopics(List.of(new NewTopic(TOPIC, 4, (short) 1))).all().get();
    }
    Properties pp = KAFKA.clientProperties();
    pp.put("key.serializer", StringSerializer.class.getName());
    pp.put("value.serializer", StringSerializer.class.getName());
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(pp)) {
      for (int i = 0; i < 16; i++) {
        // as the auditor keeps entities: stored under the length-prefixed entity id, in the
        // partition of the routing key group/entityKey (producer protocol section 4)
        String routing = EntityState.routingKey("payments", "acct-" + i);
        int partition =
            Utils.toPositive(Utils.murmur2(routing.getBytes(StandardCharsets.UTF_8))) % 4;
        producer
            .send(
                new ProducerRecord<>(
                    TOPIC,
                    partition,
                    EntityState.entityId("payments", "acct-" + i),
                    "{\"version\":" + i + "}"))
            .get();
      }
    }
    Instance first = instance(a);
    Instance second = instance(b);
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                first.streams().state() == KafkaStreams.State.RUNNING
                    && second.streams().state() == KafkaStreams.State.RUNNING);

    Set<String> servedBy = new HashSet<>();
    for (Instance asked : List.of(first, second)) {
      for (int i = 0; i < 16; i++) {
        String url = asked.http().baseUrl() + "/api/groups/payments/entities/acct-" + i;
        int version = i;
        await()
            .atMost(Duration.ofSeconds(60))
            .untilAsserted(
                () -> {
                  HttpResponse<String> r =
                      http.send(
                          HttpRequest.newBuilder(URI.create(url)).build(),
                          HttpResponse.BodyHandlers.ofString());
                  assertThat(r.statusCode()).as(url + " " + r.body()).isEqualTo(200);
                  JsonNode body = new ObjectMapper().readTree(r.body());
                  assertThat(body.get("state").asText()).isEqualTo("{\"version\":" + version + "}");
                  r.headers().firstValue("X-Herald-Served-By").ifPresent(servedBy::add);
                });
      }
    }

    assertThat(servedBy)
        .containsExactlyInAnyOrder(
            "127.0.0.1:" + first.http().port(), "127.0.0.1:" + second.http().port());
  }
}
