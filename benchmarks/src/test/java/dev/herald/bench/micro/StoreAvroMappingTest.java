package dev.herald.bench.micro;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.auditor.detect.EntityState;
import dev.herald.auditor.detect.EvidenceRef;
import dev.herald.auditor.detect.NodeLedger;
import dev.herald.auditor.detect.ReplicaReport;
import dev.herald.auditor.store.StoreCodecs;
import dev.herald.bench.store.avro.StoredEntity;
import dev.herald.bench.store.avro.StoredLedger;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

/**
 * The Avro twins hold everything the auditor's binary codec writes: a value read back from Avro is
 * written by {@code StoreCodecs} to the very bytes of the original.
 */
class StoreAvroMappingTest {
  private static final String TOPIC = "t";

  private final Serde<EntityState> binary = StoreCodecs.entityStates();
  private final AvroStoreSerde<EntityState, StoredEntity> avro =
      new AvroStoreSerde<>(
          StoredEntity.class, StoreAvroMapping::toAvro, StoreAvroMapping::fromAvro);

  @Test
  void anEntityWithEveryKindOfFieldSurvivesTheAvroMapping() {
    // Given: the fixtures' entity with the rarer shapes added
    StoreValueFixtures fixtures = new StoreValueFixtures(7);
    EntityState s = fixtures.entity(1, 5, 2);
    EntityState.ClosedVersion c = s.closedVersions().firstEntry().getValue();
    c.hashes.put(StoreValueFixtures.node(2), fixtures.hex()); // a node that disagreed
    c.missing.add(StoreValueFixtures.node(6));
    c.revotable = true;
    c.claims.put(
        StoreValueFixtures.node(3),
        new EvidenceRef("other-topic", 4, 77, StoreValueFixtures.node(3), "", 9, null, true, ""));
    EntityState.ClosedVersion undecided = s.closedVersions().lastEntry().getValue();
    undecided.agreedHash = null;
    undecided.agreedOp = null;
    EntityState.VersionSlot slot = s.openVersions().firstEntry().getValue();
    slot.equivocators.add(StoreValueFixtures.node(4));
    ReplicaReport r = slot.reports.firstEntry().getValue();
    slot.reports.put(
        r.nodeId(),
        new ReplicaReport(
            r.eventId(),
            r.group(),
            r.entityKey(),
            r.version(),
            r.nodeId(),
            "",
            r.stateHash(),
            r.opId(),
            r.opDigest(),
            r.eventTime(),
            new EvidenceRef(
                "other-topic", 1, 2, "someone-else", "k", 3, new byte[] {1, 2}, false)));

    // When
    EntityState back = avro.deserialize(avro.serialize(s));

    // Then
    assertThat(binary.serializer().serialize(TOPIC, back))
        .isEqualTo(binary.serializer().serialize(TOPIC, s));
    assertThat(back.closedVersions().firstEntry().getValue().revotable).isTrue();
    AvroStoreSerde<EntityState, StoredEntity> custom =
        new AvroStoreSerde<>(
            StoredEntity.class, StoreAvroMapping::toAvro, StoreAvroMapping::fromAvro, true);
    assertThat(custom.serialize(s)).isEqualTo(avro.serialize(s));
    assertThat(binary.serializer().serialize(TOPIC, custom.deserialize(custom.serialize(s))))
        .isEqualTo(binary.serializer().serialize(TOPIC, s));
  }

  @Test
  void aLedgerSurvivesTheAvroMapping() {
    // Given
    Serde<NodeLedger> binaryLedgers = StoreCodecs.nodeLedgers();
    AvroStoreSerde<NodeLedger, StoredLedger> avroLedgers =
        new AvroStoreSerde<>(
            StoredLedger.class, StoreAvroMapping::toAvro, StoreAvroMapping::fromAvro);
    NodeLedger l = new StoreValueFixtures(7).ledger();
    l.flooding = true;
    l.unverifiedTokens = 2.5;
    l.unverifiedRefilledAt = 123;

    // When
    NodeLedger back = avroLedgers.deserialize(avroLedgers.serialize(l));

    // Then
    assertThat(binaryLedgers.serializer().serialize(TOPIC, back))
        .isEqualTo(binaryLedgers.serializer().serialize(TOPIC, l));
    assertThat(back.recentBatches).hasSize(NodeLedger.BATCH_WINDOW);
  }
}
