package dev.herald.auditor.admission;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.auditor.identity.KeyCache;
import dev.herald.auditor.identity.NodeHistory;
import dev.herald.auditor.identity.TestHistories;
import dev.herald.auditor.policy.AuditPolicy;
import dev.herald.schema.Heartbeat;
import dev.herald.schema.HeartbeatStatus;
import dev.herald.schema.NodeStatus;
import dev.herald.schema.Topics;
import dev.herald.schema.registry.InMemorySchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.signing.Ed25519;
import dev.herald.testsupport.Fleet;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/** {@link HeartbeatAdmission} without Kafka: placement, sequence, clamped time, signatures. */
class HeartbeatAdmissionTest {
  private static final int PARTITIONS = 6;
  private static final long SKEW = AuditPolicy.DEFAULT_CLOCK_SKEW.toMillis();

  private final InMemorySchemaRegistryClient schemas = new InMemorySchemaRegistryClient();
  private final AvroWireFormat<Heartbeat> format = new AvroWireFormat<>(Heartbeat.class, schemas);
  private final Ed25519.KeyPair key = Fleet.seededKey("hb");
  private final NodeHistory n1 =
      TestHistories.registered("n1", key, NodeStatus.ACTIVE, List.of("g"));
  private final HeartbeatAdmission admission =
      new HeartbeatAdmission(
          AuditPolicy.DEFAULT,
          PARTITIONS,
          v -> format.deserialize(Topics.HEARTBEATS, v),
          new KeyCache(16));
  private final int home = HeartbeatAdmission.partitionOf("n1", PARTITIONS);

  private byte[] heartbeat(long seq, long eventTime, HeartbeatStatus status) {
    Heartbeat hb =
        Fleet.signedHeartbeat(
            "n1", key, List.of("g"), "eu", seq, Instant.ofEpochMilli(eventTime), status);
    return format.serialize(Topics.HEARTBEATS, hb);
  }

  private HeartbeatAdmission.Outcome admit(byte[] v, int partition, long arrival, long last) {
    return admission.admit(v, partition, arrival, Map.of("n1", n1)::get, n -> last);
  }

  @Test
  void aHeartbeatOnItsNodesPartitionWithANewSequenceIsAdmitted() {
    assertThat(admit(heartbeat(5, 1_000, HeartbeatStatus.UP), home, 1_000, 4))
        .isInstanceOf(HeartbeatAdmission.Admitted.class);
  }

  @Test
  void aReplayedOrOutOfOrderSequenceProvesNothing() {
    byte[] stopping = heartbeat(5, 1_000, HeartbeatStatus.STOPPING);
    assertThat(admit(stopping, home, 9_000, 7))
        .isEqualTo(
            new HeartbeatAdmission.Dead(
                "REPLAY",
                "heartbeat sequence 5 of node n1 is not above the last one received (7)"));
  }

  @Test
  void aHeartbeatOnAnotherPartitionIsMisplaced() {
    int other = (home + 1) % PARTITIONS;
    HeartbeatAdmission.Outcome o = admit(heartbeat(1, 0, HeartbeatStatus.UP), other, 0, -1);
    assertThat(o).isInstanceOf(HeartbeatAdmission.Dead.class);
    assertThat(((HeartbeatAdmission.Dead) o).reason()).isEqualTo("MISPLACED");
  }

  @Test
  void aTamperedHeartbeatIsForged() {
    byte[] v = heartbeat(1, 0, HeartbeatStatus.UP);
    v[v.length - 1] ^= 1;
    assertThat(((HeartbeatAdmission.Dead) admit(v, home, 0, -1)).reason()).isEqualTo("FORGED");
  }

  @Property(tries = 300)
  void eventTimeIsClampedToArrivalPlusOrMinusTheSkew(
      @ForAll @LongRange(min = 0, max = 4_000_000_000_000L) long signed,
      @ForAll @LongRange(min = 0, max = 4_000_000_000_000L) long arrival) {
    HeartbeatAdmission.Outcome o =
        admit(heartbeat(1, signed, HeartbeatStatus.UP), home, arrival, Long.MIN_VALUE);
    assertThat(o).isInstanceOf(HeartbeatAdmission.Admitted.class);
    long t = ((HeartbeatAdmission.Admitted) o).eventTime();
    assertThat(t).isBetween(arrival - SKEW, arrival + SKEW);
    if (Math.abs(signed - arrival) <= SKEW) {
      assertThat(t).isEqualTo(signed);
    }
  }

  @Property(tries = 300)
  void arbitraryBytesAreNeverAdmitted(@ForAll @Size(max = 256) byte[] junk) {
    assertThat(admit(junk, home, 0, Long.MIN_VALUE))
        .isNotInstanceOf(HeartbeatAdmission.Admitted.class);
  }
}
