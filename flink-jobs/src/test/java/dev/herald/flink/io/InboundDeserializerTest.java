package dev.herald.flink.io;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.flink.trust.NodeRegistry;
import dev.herald.schema.Heartbeat;
import dev.herald.schema.HeartbeatStatus;
import dev.herald.schema.NodeRecord;
import dev.herald.schema.NodeStatus;
import dev.herald.schema.Topics;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.signing.BatchSignatures;
import dev.herald.schema.signing.Ed25519;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.util.UserCodeClassLoader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/** Decoding Kafka records: good ones to events, any bad one to a rejection, never an exception. */
class InboundDeserializerTest {

  static final Ed25519.KeyPair N1 = Ed25519.fromSeed(new byte[32]);

  /** A registry in which n1 is registered, ACTIVE, in region eu-west and group payments. */
  static NodeRegistry registry() {
    NodeRegistry r = new NodeRegistry(10, 8);
    r.apply(
        "n1",
        NodeRecord.newBuilder()
            .setNodeId("n1")
            .setDisplayName("n1")
            .setPublicKey(ByteBuffer.wrap(N1.publicKey()))
            .setRegion("eu-west")
            .setGroups(List.of("payments"))
            .setStatus(NodeStatus.ACTIVE)
            .setRegisteredAt(Instant.EPOCH)
            .build());
    return r;
  }

  private static InboundDeserializer opened() {
    InboundDeserializer d =
        new InboundDeserializer(RegistrySpec.parse(RegistrySpec.PRELOADED), registry(), 5_000);
    d.open(
        new DeserializationSchema.InitializationContext() {
          @Override
          public MetricGroup getMetricGroup() {
            return new UnregisteredMetricsGroup();
          }

          @Override
          public UserCodeClassLoader getUserCodeClassLoader() {
            throw new UnsupportedOperationException();
          }
        });
    return d;
  }

  static byte[] heartbeat(String node, long time, HeartbeatStatus status) {
    Heartbeat h =
        Heartbeat.newBuilder()
            .setNodeId(node)
            .setGroups(List.of("payments"))
            .setRegion("claimed-region")
            .setSequence(1)
            .setEventTime(Instant.ofEpochMilli(time))
            .setStatus(status)
            .setKeyId(N1.keyId())
            .setSignature(ByteBuffer.wrap(new byte[0]))
            .build();
    BatchSignatures.sign(h, N1.privateKey());
    return new AvroWireFormat<>(Heartbeat.class, RegistrySpec.preloaded())
        .serialize(Topics.HEARTBEATS, h);
  }

  private static ConsumerRecord<byte[], byte[]> record(String topic, byte[] value) {
    return record(topic, value, 1_000);
  }

  private static ConsumerRecord<byte[], byte[]> record(
      String topic, byte[] value, long recordTime) {
    return new ConsumerRecord<>(
        topic,
        2,
        42L,
        recordTime,
        TimestampType.CREATE_TIME,
        1,
        value == null ? 0 : value.length,
        "k".getBytes(),
        value,
        new RecordHeaders(),
        Optional.empty());
  }

  @Test
  void decodesAVerifiedHeartbeatWithTheRegionAndGroupsOfItsRegistration() {
    Inbound in =
        opened()
            .decode(record(Topics.HEARTBEATS, heartbeat("n1", 1_000, HeartbeatStatus.STOPPING)));
    assertThat(in.heartbeat())
        .isEqualTo(new HeartbeatEvent("n1", "eu-west", List.of("payments"), 1_000, true, 1, 1_000));
    assertThat(in.eventTime()).isEqualTo(1_000);
    assertThat(in.offset()).isEqualTo(42);
  }

  @Test
  void rejectsABadMagicByteWithItsReasonAndTheRawBytes() {
    byte[] bad = {1, 2, 3, 4, 5, 6};
    Inbound in = opened().decode(record(Topics.HEARTBEATS, bad));
    assertThat(in.rejected().reason()).isEqualTo("BAD_MAGIC_BYTE");
    assertThat(in.rejected().value()).isEqualTo(bad);
    assertThat(in.rejected().partition()).isEqualTo(2);
    assertThat(in.eventTime()).isEqualTo(Long.MIN_VALUE);
  }

  @Test
  void rejectsAHeartbeatOnTheAlertsTopic() {
    Inbound in = opened().decode(record(Topics.ALERTS, heartbeat("n1", 1, HeartbeatStatus.UP)));
    assertThat(in.rejected().reason()).isEqualTo("INCOMPATIBLE_SCHEMA");
  }

  @Test
  void clampsTheSignedEventTimeToTheRecordTimeWithinTheSkew() {
    long year = 365L * 24 * 3_600_000;
    byte[] future = heartbeat("n1", 1_000 + year, HeartbeatStatus.UP);
    byte[] past = heartbeat("n1", 1_000 - year, HeartbeatStatus.UP);
    assertThat(opened().decode(record(Topics.HEARTBEATS, future, 1_000)).eventTime())
        .isEqualTo(6_000);
    assertThat(opened().decode(record(Topics.HEARTBEATS, past, 1_000)).eventTime())
        .isEqualTo(-4_000);
  }

  @Test
  void refusesAnUnsignedHeartbeatAsForgedKeepingItsBytes() {
    Heartbeat h =
        Heartbeat.newBuilder()
            .setNodeId("n1")
            .setGroups(List.of("payments"))
            .setRegion("eu")
            .setSequence(2)
            .setEventTime(Instant.ofEpochMilli(1_000))
            .setStatus(HeartbeatStatus.UP)
            .setSignature(ByteBuffer.wrap(new byte[64]))
            .build();
    byte[] bytes =
        new AvroWireFormat<>(Heartbeat.class, RegistrySpec.preloaded())
            .serialize(Topics.HEARTBEATS, h);
    Inbound in = opened().decode(record(Topics.HEARTBEATS, bytes));
    assertThat(in.rejected().reason()).isEqualTo("FORGED");
    assertThat(in.rejected().value()).isEqualTo(bytes);
    assertThat(in.eventTime()).isEqualTo(Long.MIN_VALUE);
  }

  @Test
  void refusesAHeartbeatOfAnUnregisteredNode() {
    Inbound in = opened().decode(record(Topics.HEARTBEATS, heartbeat("n2", 1, HeartbeatStatus.UP)));
    assertThat(in.rejected().reason()).isEqualTo("UNKNOWN_NODE");
    assertThat(in.rejected().detail()).contains("n2", "herald nodes register");
  }

  @Property(tries = 300)
  void neverThrowsOnArbitraryBytes(@ForAll byte[] value) {
    InboundDeserializer d = opened();
    Inbound in = d.decode(record(Topics.HEARTBEATS, value));
    assertThat(in.heartbeat() != null || in.rejected() != null).isTrue();
  }
}
