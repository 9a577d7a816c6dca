package dev.herald.auditor.admission;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.auditor.detect.NodeLedger;
import dev.herald.auditor.identity.KeyCache;
import dev.herald.auditor.identity.NodeHistory;
import dev.herald.auditor.identity.TestHistories;
import dev.herald.auditor.policy.AuditPolicy;
import dev.herald.schema.NodeStatus;
import dev.herald.schema.ReportBatch;
import dev.herald.schema.StateChange;
import dev.herald.schema.Topics;
import dev.herald.schema.registry.InMemorySchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.signing.BatchSignatures;
import dev.herald.schema.signing.Ed25519;
import dev.herald.testsupport.Fleet;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/**
 * {@link BatchAdmission} without Kafka: every outcome, and properties over arbitrary bytes and bit
 * flips — nothing but a batch its node signed for its partition is ever admitted, and nothing
 * throws.
 */
class BatchAdmissionTest {
  private static final int PARTITIONS = 6;
  private static final long ROTATED_AT = 1_000_000;

  private final InMemorySchemaRegistryClient schemas = new InMemorySchemaRegistryClient();
  private final AvroWireFormat<ReportBatch> format =
      new AvroWireFormat<>(ReportBatch.class, schemas);
  private final Ed25519.KeyPair key = Fleet.seededKey("n1");
  private final Ed25519.KeyPair oldKey = Fleet.seededKey("n1-old");
  private final Map<String, NodeHistory> registry = new HashMap<>();
  private final Map<String, NodeLedger> ledgers = new HashMap<>();
  private final AuditPolicy policy =
      AuditPolicy.DEFAULT.withKeyRotationGrace(Duration.ofSeconds(60));
  private final BatchAdmission admission =
      new BatchAdmission(
          policy, PARTITIONS, v -> format.deserialize(Topics.STATE_CHANGES, v), new KeyCache(16));

  BatchAdmissionTest() {
    registry.put("n1", node("n1", key, null, NodeStatus.ACTIVE));
  }

  private static NodeHistory node(
      String id, Ed25519.KeyPair current, Ed25519.KeyPair previous, NodeStatus status) {
    return previous == null
        ? TestHistories.registered(id, current, status, List.of("g"))
        : TestHistories.rotated(id, status, List.of("g"), List.of(previous, current), ROTATED_AT);
  }

  private static StateChange report(String entity, long v) {
    StateChange sc = Fleet.change("n1", "g", entity, v, new byte[0], Fleet.hash("s" + v), "op" + v);
    sc.setEventId("e-" + entity + v);
    sc.setEventTime(Instant.ofEpochMilli(v));
    return sc;
  }

  /** An entity of partition {@code p} of {@code herald.state-changes.v1}. */
  private static String entityOf(int p) {
    for (int i = 0; ; i++) {
      if (BatchAdmission.partitionOf("g", "acct-" + i, PARTITIONS) == p) {
        return "acct-" + i;
      }
    }
  }

  private ReportBatch batch(int partition, long seq, long createdAt, Ed25519.KeyPair signer) {
    return Fleet.sign(
        Fleet.batch(
            "n1",
            signer.keyId(),
            partition,
            seq,
            Instant.ofEpochMilli(createdAt),
            List.of(report(entityOf(partition), 1))),
        signer);
  }

  private byte[] bytes(ReportBatch b) {
    return format.serialize(Topics.STATE_CHANGES, b);
  }

  private BatchAdmission.Outcome admit(byte[] value, int partition, long arrival) {
    return admission.admit(
        value,
        partition,
        arrival,
        registry::get,
        n -> ledgers.computeIfAbsent(n, k -> new NodeLedger()));
  }

  private static String reasonOf(BatchAdmission.Outcome o) {
    if (o instanceof BatchAdmission.Dead d) {
      return d.reason();
    }
    if (o instanceof BatchAdmission.Unverified u) {
      return "unverified:" + u.reason();
    }
    return "admitted";
  }

  @Test
  void aSignedBatchInItsPartitionIsAdmittedOnceThenAReplay() {
    byte[] v = bytes(batch(2, 1, 5, key));
    BatchAdmission.Outcome first = admit(v, 2, 10);
    assertThat(first).isInstanceOf(BatchAdmission.Admitted.class);
    assertThat(((BatchAdmission.Admitted) first).previousKey()).isFalse();
    assertThat(reasonOf(admit(v, 2, 11))).isEqualTo("REPLAY");
  }

  @Test
  void aCopyInAnotherPartitionIsMisplacedAndRemembersNothing() {
    byte[] v = bytes(batch(2, 1, 5, key));
    assertThat(reasonOf(admit(v, 3, 10))).isEqualTo("MISPLACED");
    // the original, read later, is still admitted: the copy did not poison the dedup window
    assertThat(admit(v, 2, 11)).isInstanceOf(BatchAdmission.Admitted.class);
  }

  @Test
  void aBatchWhoseEntitiesBelongElsewhereIsMisplaced() {
    ReportBatch b = batch(2, 1, 5, key);
    b.setReports(List.of(report(entityOf(4), 1)));
    BatchSignatures.sign(b, key.privateKey());
    assertThat(reasonOf(admit(bytes(b), 2, 10))).isEqualTo("MISPLACED");
  }

  @Test
  void aForgedBatchNamesTheClaimedNodeAsUnverifiedAndRemembersNothing() {
    ReportBatch forged = batch(2, 1, 5, Fleet.seededKey("attacker"));
    forged.setKeyId(key.keyId());
    BatchSignatures.sign(forged, Fleet.seededKey("attacker").privateKey());
    BatchAdmission.Outcome o = admit(bytes(forged), 2, 10);
    assertThat(o).isInstanceOf(BatchAdmission.Unverified.class);
    assertThat(((BatchAdmission.Unverified) o).claimedNode()).isEqualTo("n1");
    assertThat(ledgers).doesNotContainKey("n1");
  }

  @Test
  void unregisteredAndRevokedNodesAreUnverified() {
    registry.put("n2", node("n2", key, null, NodeStatus.REVOKED));
    ReportBatch b = batch(2, 1, 5, key);
    b.setNodeId("ghost");
    b.getReports().get(0).setNodeId("ghost");
    assertThat(reasonOf(admit(bytes(b), 2, 10))).isEqualTo("unverified:UNKNOWN_NODE");
    b.setNodeId("n2");
    b.getReports().get(0).setNodeId("n2");
    BatchAdmission.Outcome o = admit(bytes(b), 2, 10);
    assertThat(reasonOf(o)).isEqualTo("unverified:UNKNOWN_NODE");
    assertThat(((BatchAdmission.Unverified) o).registered().status()).isEqualTo(NodeStatus.REVOKED);
  }

  @Test
  void theFormerKeyIsHonouredWithinTheGraceThenAStaleReplayOrAForgery() {
    registry.put("n1", node("n1", key, oldKey, NodeStatus.ACTIVE));
    byte[] inFlight = bytes(batch(2, 1, ROTATED_AT - 10, oldKey));
    BatchAdmission.Outcome o = admit(inFlight, 2, ROTATED_AT + 1_000);
    assertThat(o).isInstanceOf(BatchAdmission.Admitted.class);
    assertThat(((BatchAdmission.Admitted) o).previousKey()).isTrue();
    byte[] stale = bytes(batch(2, 2, ROTATED_AT - 10, oldKey));
    assertThat(reasonOf(admit(stale, 2, ROTATED_AT + 61_000))).isEqualTo("STALE_REPLAY");
    byte[] thief = bytes(batch(2, 3, ROTATED_AT + 30_000, oldKey));
    assertThat(reasonOf(admit(thief, 2, ROTATED_AT + 61_000))).isEqualTo("unverified:FORGED");
  }

  @Test
  void aNodeOrGroupIdOffTheRuleIsAnInvalidIdDeadLetterThatBlamesNobody() {
    registry.put("N1", node("N1", key, null, NodeStatus.ACTIVE));
    ReportBatch upper = batch(2, 1, 5, key);
    upper.setNodeId("N1");
    upper.getReports().get(0).setNodeId("N1");
    BatchSignatures.sign(upper, key.privateKey());
    assertThat(admit(bytes(upper), 2, 10))
        .isInstanceOfSatisfying(
            BatchAdmission.Dead.class,
            d -> {
              assertThat(d.reason()).isEqualTo("INVALID_ID");
              assertThat(d.detail()).contains("node id 'N1'");
            });
    ReportBatch group = batch(2, 2, 5, key);
    group.getReports().get(0).setGroup("g\u200B");
    BatchSignatures.sign(group, key.privateKey());
    assertThat(reasonOf(admit(bytes(group), 2, 10))).isEqualTo("INVALID_ID");
    assertThat(ledgers).doesNotContainKey("n1");
  }

  @Test
  void aBatchIsJudgedAgainstTheRegistryAsItWasWhenItArrived() {
    registry.put(
        "n1",
        TestHistories.withStatus(
            TestHistories.registered("n1", key, NodeStatus.ACTIVE, List.of("g")),
            NodeStatus.REVOKED,
            ROTATED_AT));
    assertThat(admit(bytes(batch(2, 1, 5, key)), 2, ROTATED_AT - 1))
        .isInstanceOf(BatchAdmission.Admitted.class);
    assertThat(reasonOf(admit(bytes(batch(2, 2, 5, key)), 2, ROTATED_AT)))
        .isEqualTo("unverified:UNKNOWN_NODE");
  }

  @Test
  void aReportOfAnotherNodeInsideABatchIsInvalid() {
    ReportBatch b = batch(2, 1, 5, key);
    b.getReports().get(0).setNodeId("n2");
    BatchSignatures.sign(b, key.privateKey());
    assertThat(reasonOf(admit(bytes(b), 2, 10))).isEqualTo("INVALID");
  }

  @Test
  void anOversizedRecordIsRefusedBeforeDecoding() {
    byte[] big = new byte[policy.maxRecordBytes() + 1];
    assertThat(reasonOf(admit(big, 0, 10))).isEqualTo("OVERSIZED");
  }

  @Property(tries = 500)
  void arbitraryBytesAreNeverAdmittedAndNeverThrow(
      @ForAll @Size(max = 512) byte[] junk, @ForAll @IntRange(min = 0, max = 5) int partition) {
    BatchAdmission.Outcome o = admit(junk, partition, 10);
    assertThat(o).isNotInstanceOf(BatchAdmission.Admitted.class);
  }

  @Property(tries = 500)
  void aFlippedBitInASignedBatchIsNeverAdmittedAsAnotherClaim(
      @ForAll @IntRange(min = 5, max = 10_000) int position,
      @ForAll @IntRange(min = 0, max = 7) int bit) {
    ReportBatch original = batch(2, 1, 5, key);
    byte[] v = bytes(original);
    int at = AvroWireFormat.HEADER_SIZE + position % (v.length - AvroWireFormat.HEADER_SIZE);
    v[at] ^= (byte) (1 << bit);
    BatchAdmission.Outcome o = admit(v, 2, 10);
    if (o instanceof BatchAdmission.Admitted a) {
      // only a flip Avro decodes back to the very same signed content may pass
      assertThat(a.batch()).isEqualTo(original);
    }
  }
}
