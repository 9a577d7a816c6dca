package dev.herald.flink.trust;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.schema.Heartbeat;
import dev.herald.schema.HeartbeatStatus;
import dev.herald.schema.NodeRecord;
import dev.herald.schema.NodeStatus;
import dev.herald.schema.signing.BatchSignatures;
import dev.herald.schema.signing.Ed25519;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which heartbeats availability may count, and what the registry view holds. */
class HeartbeatTrustTest {
  private static final Ed25519.KeyPair OLD = Ed25519.fromSeed(new byte[32]);
  private static final Ed25519.KeyPair NEW = Ed25519.fromSeed(filled(7));
  private static final long SKEW = 5_000;

  private static byte[] filled(int b) {
    byte[] out = new byte[32];
    java.util.Arrays.fill(out, (byte) b);
    return out;
  }

  private static NodeRecord registration(String id, NodeStatus status, byte[] key, byte[] from) {
    return NodeRecord.newBuilder()
        .setNodeId(id)
        .setDisplayName(id)
        .setPublicKey(ByteBuffer.wrap(key))
        .setRegion("eu-west")
        .setGroups(List.of("payments"))
        .setStatus(status)
        .setRegisteredAt(Instant.EPOCH)
        .setRotatesFrom(from == null ? null : ByteBuffer.wrap(from))
        .build();
  }

  private static Heartbeat heartbeat(String id, long time, Ed25519.KeyPair key) {
    Heartbeat h =
        Heartbeat.newBuilder()
            .setNodeId(id)
            .setGroups(List.of("g1", "g2", "g3"))
            .setRegion("moon")
            .setSequence(9)
            .setEventTime(Instant.ofEpochMilli(time))
            .setStatus(HeartbeatStatus.UP)
            .setKeyId(key.keyId())
            .setSignature(ByteBuffer.wrap(new byte[0]))
            .build();
    return BatchSignatures.sign(h, key.privateKey());
  }

  private static NodeRegistry rotated() {
    NodeRegistry r = new NodeRegistry(10, 4);
    r.apply("n1", registration("n1", NodeStatus.ACTIVE, NEW.publicKey(), OLD.publicKey()));
    return r;
  }

  @Test
  void trustsAHeartbeatSignedWithTheCurrentOrDeclaredPreviousKeyWithRegisteredScopes() {
    for (Ed25519.KeyPair key : List.of(NEW, OLD)) {
      HeartbeatTrust.Verdict v =
          HeartbeatTrust.judge(heartbeat("n1", 1_000, key), 1_000, rotated(), SKEW);
      assertThat(v).isInstanceOf(HeartbeatTrust.Trusted.class);
      var event = ((HeartbeatTrust.Trusted) v).event();
      assertThat(event.region()).isEqualTo("eu-west");
      assertThat(event.groups()).containsExactly("payments");
      assertThat(event.sequence()).isEqualTo(9);
    }
  }

  @Test
  void refusesAHeartbeatSignedWithAnotherKeyOrWhoseFieldsChanged() {
    Heartbeat thief = heartbeat("n1", 1_000, Ed25519.generate());
    Heartbeat edited = heartbeat("n1", 1_000, NEW);
    edited.setSequence(10);
    for (Heartbeat h : List.of(thief, edited)) {
      assertThat(HeartbeatTrust.judge(h, 1_000, rotated(), SKEW))
          .isEqualTo(
              new HeartbeatTrust.Refused(
                  HeartbeatTrust.FORGED,
                  "heartbeat of node 'n1' (keyId '"
                      + h.getKeyId()
                      + "') does not verify against its registered key"));
    }
  }

  @Test
  void refusesAHeartbeatOfAnInactiveOrRemovedNode() {
    NodeRegistry r = rotated();
    r.apply("n1", registration("n1", NodeStatus.REVOKED, NEW.publicKey(), null));
    assertThat(HeartbeatTrust.judge(heartbeat("n1", 1_000, NEW), 1_000, r, SKEW))
        .extracting(v -> ((HeartbeatTrust.Refused) v).reason())
        .isEqualTo(HeartbeatTrust.UNKNOWN_NODE);
    r.apply("n1", null);
    assertThat(r.node("n1")).isNull();
  }

  @Test
  void clampsEventTimeToTheRecordTimeWithinTheSkew() {
    long recordTime = 1_000_000;
    long[][] cases = {
      {recordTime + 3_600_000, recordTime + SKEW},
      {recordTime - 3_600_000, recordTime - SKEW},
      {recordTime + 1_234, recordTime + 1_234}
    };
    for (long[] c : cases) {
      var v = HeartbeatTrust.judge(heartbeat("n1", c[0], NEW), recordTime, rotated(), SKEW);
      assertThat(((HeartbeatTrust.Trusted) v).event().eventTime()).isEqualTo(c[1]);
    }
  }

  @Test
  void theRegistryViewIsBoundedAndIgnoresRecordsKeyedByAnotherNode() {
    NodeRegistry r = new NodeRegistry(2, 1);
    r.apply("n1", registration("n1", NodeStatus.ACTIVE, NEW.publicKey(), null));
    r.apply("n2", registration("n1", NodeStatus.ACTIVE, OLD.publicKey(), null));
    r.apply("n2", registration("n2", NodeStatus.ACTIVE, OLD.publicKey(), null));
    r.apply("n3", registration("n3", NodeStatus.ACTIVE, OLD.publicKey(), null));
    r.apply("n4", registration("n4", NodeStatus.ACTIVE, new byte[5], null));
    assertThat(r.size()).isEqualTo(2);
    assertThat(r.ignored()).isEqualTo(3);
    assertThat(r.node("n1").keyId()).isEqualTo(NEW.keyId());
    // an update of a known node is applied even when the view is full
    r.apply("n1", registration("n1", NodeStatus.RETIRED, NEW.publicKey(), null));
    assertThat(r.node("n1").active()).isFalse();
  }
}
