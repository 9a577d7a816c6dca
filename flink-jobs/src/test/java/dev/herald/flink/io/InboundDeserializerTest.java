package dev.herald.flink.io;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.schema.Heartbeat;
import dev.herald.schema.HeartbeatStatus;
import dev.herald.schema.Topics;
import dev.herald.schema.serde.AvroWireFormat;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.util.UserCodeClassLoader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** Decoding Kafka records: good ones to events, any bad one to a rejection, never an exception. */
class InboundDeserializerTest {

  private static InboundDeserializer opened() {
    InboundDeserializer d = new InboundDeserializer(RegistrySpec.parse(RegistrySpec.PRELOADED));
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
            .setRegion("eu")
            .setSequence(1)
            .setEventTime(Instant.ofEpochMilli(time))
            .setStatus(status)
            .setSignature(ByteBuffer.wrap(new byte[64]))
            .build();
    return new AvroWireFormat<>(Heartbeat.class, RegistrySpec.preloaded())
        .serialize(Topics.HEARTBEATS, h);
  }

  private static ConsumerRecord<byte[], byte[]> record(String topic, byte[] value) {
    return new ConsumerRecord<>(topic, 2, 42L, "k".getBytes(), value);
  }

  @Test
  void decodesAHeartbeatWrittenByAnotherPreloadedRegistry() {
    Inbound in =
        opened()
            .decode(record(Topics.HEARTBEATS, heartbeat("n1", 1_000, HeartbeatStatus.STOPPING)));
    assertThat(in.heartbeat())
        .isEqualTo(new HeartbeatEvent("n1", "eu", List.of("payments"), 1_000, true));
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

  @Property(tries = 300)
  void neverThrowsOnArbitraryBytes(@ForAll byte[] value) {
    InboundDeserializer d = opened();
    Inbound in = d.decode(record(Topics.HEARTBEATS, value));
    assertThat(in.heartbeat() != null || in.rejected() != null).isTrue();
  }
}
