package dev.herald.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.schema.Heartbeat;
import dev.herald.schema.ReportBatch;
import dev.herald.schema.StateChange;
import dev.herald.schema.Topics;
import dev.herald.schema.canonical.Hashing;
import dev.herald.schema.registry.InMemorySchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.signing.BatchSignatures;
import dev.herald.schema.signing.Ed25519;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The reporter's batching, signing, partitioning and bounded buffer, on Kafka's MockProducer. */
class HeraldReporterTest {
  private static final int PARTITIONS = 6;
  private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
  private final AvroWireFormat<ReportBatch> batches =
      new AvroWireFormat<>(ReportBatch.class, registry);
  private final Ed25519.KeyPair keys = Ed25519.fromSeed(new byte[32]);
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private HeraldReporter reporter;

  @AfterEach
  void close() {
    if (reporter != null) {
      reporter.close();
    }
  }

  private HeraldReporter.Builder builder() {
    return HeraldReporter.builder()
        .nodeId("node-1")
        .group("payments")
        .region("eu-west")
        .keyPair(keys)
        .bootstrapServers("localhost:9092")
        .schemaRegistry(registry)
        .heartbeatInterval(Duration.ZERO)
        .firstBatchSeq(1)
        .meterRegistry(meters);
  }

  private static MockProducer<byte[], byte[]> mock(boolean autoComplete) {
    return MockKafka.producer(autoComplete, PARTITIONS, Topics.STATE_CHANGES, Topics.HEARTBEATS);
  }

  private List<ReportBatch> sentBatches(MockProducer<byte[], byte[]> producer) {
    List<ReportBatch> out = new ArrayList<>();
    for (ProducerRecord<byte[], byte[]> r : producer.history()) {
      if (r.topic().equals(Topics.STATE_CHANGES)) {
        ReportBatch b = batches.deserialize(r.topic(), r.value());
        assertThat(r.partition()).isEqualTo(b.getPartition());
        assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo(b.getNodeId());
        out.add(b);
      }
    }
    return out;
  }

  private static Map<String, Object> account(long balance) {
    Map<String, Object> state = new LinkedHashMap<>();
    state.put("balance", balance);
    state.put("owner", "ada");
    return state;
  }

  @Test
  void everyReportInABatchMapsToTheBatchPartitionAndEveryBatchVerifies() {
    // Given
    MockProducer<byte[], byte[]> producer = mock(true);
    reporter = builder().linger(Duration.ofMillis(50)).build(producer);
    // When
    List<CompletableFuture<ReportReceipt>> futures = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      String entity = "acct-" + (i % 40);
      futures.add(
          reporter.report(
              entity,
              i / 40 + 1,
              account(i),
              account(i + 1),
              Operation.of("op-" + i, Map.of("n", i))));
    }
    reporter.flush();
    // Then
    List<ReportBatch> sent = sentBatches(producer);
    Map<Integer, Long> lastSeq = new HashMap<>();
    Set<String> eventIds = new HashSet<>();
    for (ReportBatch b : sent) {
      assertThat(BatchSignatures.verify(b, Ed25519.publicKey(keys.publicKey()))).isTrue();
      assertThat(b.getKeyId()).isEqualTo(keys.keyId());
      assertThat(b.getBatchSeq()).isEqualTo(lastSeq.getOrDefault(b.getPartition(), 0L) + 1);
      lastSeq.put(b.getPartition(), b.getBatchSeq());
      for (StateChange r : b.getReports()) {
        assertThat(ReportPartitioner.partitionFor(r.getGroup(), r.getEntityKey(), PARTITIONS))
            .isEqualTo(b.getPartition());
        assertThat(r.getNodeId()).isEqualTo("node-1");
        assertThat(eventIds.add(r.getEventId())).isTrue();
      }
    }
    assertThat(eventIds).hasSize(400);
    assertThat(sent.size()).isLessThan(400);
    assertThat(futures).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
    assertThat(meters.counter("herald.reporter.reports.sent").count()).isEqualTo(400);
  }

  @Test
  void aReportIsSignedAsItWasWhenReportedWhateverTheCallerDoesWithItAfterwards() {
    // Given: a report of the caller's own making, held back by the linger
    MockProducer<byte[], byte[]> producer = mock(true);
    reporter = builder().linger(Duration.ofMinutes(1)).build(producer);
    byte[] prev = Hashing.sha256("state 1".getBytes(StandardCharsets.UTF_8));
    byte[] next = Hashing.sha256("state 2".getBytes(StandardCharsets.UTF_8));
    Map<String, String> attributes = new HashMap<>(Map.of("origin", "api"));
    StateChange mine =
        StateChange.newBuilder()
            .setEventId("e-1")
            .setGroup("payments")
            .setEntityKey("acct-1")
            .setVersion(2)
            .setNodeId("node-1")
            .setPrevStateHash(ByteBuffer.wrap(prev.clone()))
            .setStateHash(ByteBuffer.wrap(next.clone()))
            .setOpId("op-2")
            .setOpDigest(ByteBuffer.wrap(Hashing.sha256(new byte[] {2})))
            .setEventTime(java.time.Instant.ofEpochMilli(1_000))
            .setAttributes(attributes)
            .build();
    reporter.report(mine);

    // When: before the batch is signed, the caller reads its hash the way Avro's deep copy does
    // (position to the end, for a moment), overwrites the other one and reuses the object
    mine.getPrevStateHash().position(mine.getPrevStateHash().limit());
    mine.getStateHash().put(0, (byte) ~next[0]);
    mine.setVersion(3);
    attributes.put("origin", "changed");
    reporter.flush();

    // Then: the signed report is the one reported
    List<ReportBatch> sent = sentBatches(producer);
    assertThat(sent).hasSize(1);
    assertThat(BatchSignatures.verify(sent.get(0), Ed25519.publicKey(keys.publicKey()))).isTrue();
    StateChange signed = sent.get(0).getReports().get(0);
    assertThat(Hashing.hex(signed.getPrevStateHash())).isEqualTo(Hashing.hex(prev));
    assertThat(Hashing.hex(signed.getStateHash())).isEqualTo(Hashing.hex(next));
    assertThat(signed.getVersion()).isEqualTo(2);
    assertThat(signed.getAttributes()).containsEntry("origin", "api");
    // and the caller's buffer was not moved by the copy
    assertThat(mine.getStateHash().position()).isZero();
  }

  @Test
  void lingerZeroSendsOneReportPerBatch() {
    MockProducer<byte[], byte[]> producer = mock(true);
    reporter = builder().linger(Duration.ZERO).build(producer);
    for (int i = 1; i <= 20; i++) {
      reporter.report("acct-1", i, account(i - 1), account(i), Operation.of("op-" + i, "{}"));
    }
    List<ReportBatch> sent = sentBatches(producer);
    assertThat(sent).hasSize(20).allMatch(b -> b.getReports().size() == 1);
    assertThat(sent.stream().map(ReportBatch::getBatchSeq))
        .containsExactly(
            1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L, 12L, 13L, 14L, 15L, 16L, 17L, 18L, 19L,
            20L);
  }

  @Test
  void batchHoldsAtMost256Reports() {
    MockProducer<byte[], byte[]> producer = mock(true);
    reporter = builder().linger(Duration.ofMinutes(1)).build(producer);
    for (int i = 1; i <= 600; i++) {
      reporter.report("acct-1", i, account(i - 1), account(i), Operation.of("op-" + i, "{}"));
    }
    reporter.flush();
    assertThat(sentBatches(producer).stream().map(b -> b.getReports().size()))
        .containsExactly(256, 256, 88);
  }

  @Test
  void batchStaysWithin64KiBOfReports() {
    MockProducer<byte[], byte[]> producer = mock(true);
    reporter = builder().linger(Duration.ofMinutes(1)).build(producer);
    String big = "x".repeat(5000);
    for (int i = 1; i <= 40; i++) {
      StateChange r =
          StateChange.newBuilder()
              .setEventId("ev-" + i)
              .setGroup("payments")
              .setEntityKey("acct-1")
              .setVersion(i)
              .setNodeId("node-1")
              .setPrevStateHash(java.nio.ByteBuffer.allocate(32))
              .setStateHash(java.nio.ByteBuffer.allocate(32))
              .setOpId("op-" + i)
              .setOpDigest(java.nio.ByteBuffer.allocate(32))
              .setEventTime(java.time.Instant.EPOCH)
              .setAttributes(new HashMap<>(Map.of("note", big)))
              .build();
      reporter.report(r);
    }
    reporter.flush();
    List<ReportBatch> sent = sentBatches(producer);
    assertThat(sent).hasSizeGreaterThan(1);
    for (ProducerRecord<byte[], byte[]> r : producer.history()) {
      assertThat(r.value().length).isLessThan(64 * 1024 + 1024);
    }
  }

  @Test
  void statesAreHashedCanonicallyWhateverTheirForm() {
    MockProducer<byte[], byte[]> producer = mock(true);
    reporter = builder().linger(Duration.ZERO).build(producer);
    Map<String, Object> ordered = new LinkedHashMap<>();
    ordered.put("owner", "ada");
    ordered.put("balance", 100);
    reporter.report("a", 1, null, ordered, Operation.of("op", "{\"x\":1}"));
    reporter.report(
        "a",
        1,
        null,
        "{ \"balance\": 100.0, \"owner\": \"ada\" }",
        Operation.of("op", Map.of("x", 1)));
    reporter.report(
        "a",
        1,
        null,
        "{\"balance\":100,\"owner\":\"ada\"}".getBytes(StandardCharsets.UTF_8),
        Operation.of("op", "{\"x\":1}"));
    List<StateChange> reports =
        sentBatches(producer).stream().map(b -> b.getReports().get(0)).toList();
    String expected =
        Hashing.hex(
            Hashing.sha256("{\"balance\":100,\"owner\":\"ada\"}".getBytes(StandardCharsets.UTF_8)));
    assertThat(reports)
        .allSatisfy(
            r -> {
              assertThat(Hashing.hex(r.getStateHash())).isEqualTo(expected);
              assertThat(r.getPrevStateHash().remaining()).isZero();
              assertThat(Hashing.hex(r.getOpDigest()))
                  .isEqualTo(
                      Hashing.hex(Hashing.sha256("{\"x\":1}".getBytes(StandardCharsets.UTF_8))));
            });
  }

  @Test
  void reportFailsFastWhenTheBufferStaysFull() {
    // Given a broker that never acknowledges
    MockProducer<byte[], byte[]> producer = mock(false);
    reporter =
        builder()
            .linger(Duration.ZERO)
            .maxBufferedReports(5)
            .maxBlock(Duration.ofMillis(300))
            .build(producer);
    for (int i = 1; i <= 5; i++) {
      reporter.report("acct-1", i, account(i - 1), account(i), Operation.of("op-" + i, "{}"));
    }
    // When / Then the sixth report is refused once maxBlock has passed (how long it blocked is a
    // figure of the machine, not asserted here)
    assertThatThrownBy(
            () -> reporter.report("acct-1", 6, account(5), account(6), Operation.of("op-6", "{}")))
        .isInstanceOfSatisfying(
            ReporterException.class,
            e -> assertThat(e.reason()).isEqualTo(ReporterException.Reason.BUFFER_FULL))
        .hasMessageContaining("stayed full for maxBlock=300ms");
    assertThat(meters.get("herald.reporter.reports.buffered").gauge().value()).isEqualTo(5.0);
    producer.completeNext();
    assertThat(meters.get("herald.reporter.reports.buffered").gauge().value()).isEqualTo(4.0);
  }

  @Test
  void undeliveredBatchFailsEveryReportWithAClearMessage() throws Exception {
    MockProducer<byte[], byte[]> producer = mock(false);
    // a linger long enough that both reports share one batch even when the first report's
    // class loading and key set-up take a while (with 5 ms they were sometimes two batches)
    reporter =
        builder()
            .linger(Duration.ofSeconds(1))
            .deliveryTimeout(Duration.ofSeconds(2))
            .build(producer);
    CompletableFuture<ReportReceipt> a =
        reporter.report("acct-1", 1, null, account(1), Operation.of("o1", "{}"));
    CompletableFuture<ReportReceipt> b =
        reporter.report("acct-1", 2, account(1), account(2), Operation.of("o2", "{}"));
    // MockProducer.flush() would acknowledge everything; wait for the linger to send instead
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> producer.history().size() == 1);
    producer.errorNext(new TimeoutException("Expiring 1 record(s) for herald.state-changes.v1-3"));
    for (CompletableFuture<ReportReceipt> f : List.of(a, b)) {
      assertThatThrownBy(() -> f.get(1, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOfSatisfying(
              ReporterException.class,
              e -> assertThat(e.reason()).isEqualTo(ReporterException.Reason.DELIVERY_TIMEOUT))
          .hasMessageContaining("was not acknowledged within deliveryTimeout=2000ms")
          .hasMessageContaining("is Kafka reachable at localhost:9092");
    }
    assertThat(meters.counter("herald.reporter.reports.failed").count()).isEqualTo(2);
    assertThat(meters.get("herald.reporter.reports.buffered").gauge().value()).isZero();
  }

  @Test
  void heartbeatIsSignedByTheNode() throws Exception {
    MockProducer<byte[], byte[]> producer = mock(true);
    reporter = builder().build(producer);
    reporter.heartbeat().get(1, TimeUnit.SECONDS);
    reporter.heartbeat().get(1, TimeUnit.SECONDS);
    AvroWireFormat<Heartbeat> format = new AvroWireFormat<>(Heartbeat.class, registry);
    List<Heartbeat> beats =
        producer.history().stream()
            .filter(r -> r.topic().equals(Topics.HEARTBEATS))
            .map(r -> format.deserialize(r.topic(), r.value()))
            .toList();
    assertThat(beats).hasSize(2);
    assertThat(beats.get(1).getSequence()).isEqualTo(2);
    assertThat(beats.get(0).getGroups().stream().map(Object::toString)).containsExactly("payments");
    assertThat(beats).allMatch(h -> BatchSignatures.verify(h, Ed25519.publicKey(keys.publicKey())));
    // the partition is set explicitly: murmur2 of the node id, whatever partitioner is configured
    assertThat(producer.history())
        .filteredOn(r -> r.topic().equals(Topics.HEARTBEATS))
        .extracting(r -> r.partition())
        .containsOnly(ReportPartitioner.heartbeatPartition("node-1", PARTITIONS));
  }

  @Test
  void prevStateHashIsEmptyAtVersionOneAndTheHashOfThePreviousStateAfter() {
    MockProducer<byte[], byte[]> producer = mock(true);
    reporter = builder().linger(Duration.ZERO).build(producer);
    reporter.report("acct-9", 1, account(0), account(1), Operation.of("o1", "{}"));
    reporter.report("acct-9", 2, account(1), account(2), Operation.of("o2", "{}"));
    reporter.report("acct-9", 3, null, account(3), Operation.of("o3", "{}"));
    List<StateChange> reports =
        sentBatches(producer).stream().flatMap(b -> b.getReports().stream()).toList();
    assertThat(reports).hasSize(3);
    assertThat(reports.get(0).getPrevStateHash().remaining()).isZero();
    assertThat(Hashing.hex(reports.get(1).getPrevStateHash()))
        .isEqualTo(Hashing.hex(reports.get(0).getStateHash()));
    // an absent state (null) hashes as zero bytes: SHA-256("")
    assertThat(Hashing.hex(reports.get(2).getPrevStateHash()))
        .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  }

  @Test
  void closeSendsWhatIsBufferedAndRefusesLaterReports() {
    MockProducer<byte[], byte[]> producer = mock(true);
    HeraldReporter r = builder().linger(Duration.ofMinutes(1)).build(producer);
    CompletableFuture<ReportReceipt> pending =
        r.report("acct-1", 1, null, account(1), Operation.of("o1", "{}"));
    r.close();
    assertThat(pending).isCompleted();
    assertThat(sentBatches(producer)).hasSize(1);
    assertThatThrownBy(
            () -> r.report("acct-1", 2, account(1), account(2), Operation.of("o2", "{}")))
        .isInstanceOfSatisfying(
            ReporterException.class,
            e -> assertThat(e.reason()).isEqualTo(ReporterException.Reason.CLOSED));
  }

  @Test
  void sequencesContinueAcrossRestartsByDefault() {
    java.time.Clock t0 =
        java.time.Clock.fixed(java.time.Instant.ofEpochMilli(1_000), java.time.ZoneOffset.UTC);
    java.time.Clock t1 =
        java.time.Clock.fixed(java.time.Instant.ofEpochMilli(2_000), java.time.ZoneOffset.UTC);
    List<Long> firsts = new ArrayList<>();
    for (java.time.Clock clock : List.of(t0, t1)) {
      MockProducer<byte[], byte[]> producer = mock(true);
      try (HeraldReporter r =
          HeraldReporter.builder()
              .nodeId("node-1")
              .group("payments")
              .keyPair(keys)
              .bootstrapServers("localhost:9092")
              .schemaRegistry(registry)
              .heartbeatInterval(Duration.ZERO)
              .linger(Duration.ZERO)
              .clock(clock)
              .build(producer)) {
        r.report("acct-1", 1, null, account(1), Operation.of("o1", "{}"));
        r.report("acct-1", 2, account(1), account(2), Operation.of("o2", "{}"));
      }
      List<ReportBatch> sent = sentBatches(producer);
      assertThat(sent.get(1).getBatchSeq()).isEqualTo(sent.get(0).getBatchSeq() + 1);
      firsts.add(sent.get(0).getBatchSeq());
    }
    assertThat(firsts).containsExactly(1_000_001L, 2_000_001L);
  }

  @Test
  void refusesReportsOfAnotherNode() {
    reporter = builder().build(mock(true));
    StateChange other =
        StateChange.newBuilder()
            .setEventId("e")
            .setGroup("payments")
            .setEntityKey("a")
            .setVersion(1)
            .setNodeId("node-2")
            .setPrevStateHash(java.nio.ByteBuffer.allocate(0))
            .setStateHash(java.nio.ByteBuffer.allocate(32))
            .setOpId("o")
            .setOpDigest(java.nio.ByteBuffer.allocate(32))
            .setEventTime(java.time.Instant.EPOCH)
            .build();
    assertThatThrownBy(() -> reporter.report(other))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("node-2");
  }

  @Test
  void idsOffTheRuleAreRefusedWithTheOffendingCharacter() {
    assertThatThrownBy(() -> builder().nodeId("Node-1").build(mock(true)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'nodeId'")
        .hasMessageContaining("'N' at position 0")
        .hasMessageContaining("use 'node-1'");
    assertThatThrownBy(() -> builder().nodeId("node-1\u200B").build(mock(true)))
        .hasMessageContaining("U+200B ZERO WIDTH SPACE");
    assertThatThrownBy(() -> builder().group("pay/eu").build(mock(true)))
        .hasMessageContaining("'group'")
        .hasMessageContaining("'/'");
    assertThatThrownBy(() -> builder().heartbeatGroups(List.of("ok", "Not-Ok")).build(mock(true)))
        .hasMessageContaining("'heartbeatGroups'");
  }

  @Test
  void aReportForAGroupOffTheRuleIsRefusedBeforeItCanSpoilABatch() {
    reporter = builder().build(mock(true));
    StateChange other =
        StateChange.newBuilder()
            .setEventId("e")
            .setGroup("Payments")
            .setEntityKey("a")
            .setVersion(1)
            .setNodeId("node-1")
            .setPrevStateHash(java.nio.ByteBuffer.allocate(0))
            .setStateHash(java.nio.ByteBuffer.allocate(32))
            .setOpId("o")
            .setOpDigest(java.nio.ByteBuffer.allocate(32))
            .setEventTime(java.time.Instant.EPOCH)
            .build();
    assertThatThrownBy(() -> reporter.report(other))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("group id 'Payments'");
  }

  @Test
  void invalidSettingIsNamed() {
    assertThatThrownBy(() -> builder().linger(Duration.ofMillis(-1)).build(mock(true)))
        .hasMessageContaining("'linger'");
    assertThatThrownBy(() -> HeraldReporter.builder().group("g").build(mock(true)))
        .hasMessageContaining("'nodeId'");
  }
}
