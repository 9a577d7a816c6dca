package dev.herald.bench.micro;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.auditor.detect.EntityState;
import dev.herald.auditor.detect.NodeLedger;
import dev.herald.auditor.store.StoreSerdes;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

/**
 * What {@link StoreValueBenchmarks} measures is the auditor's store serde on realistic values: the
 * fixtures read back through it to equal values and the same bytes, and each benchmark step really
 * changes the value it then writes.
 */
class StoreValueFixturesTest {
  private static final String TOPIC = StoreValueBenchmarks.TOPIC;

  @Test
  void theFixturesEntitiesReadBackEqualThroughTheAuditorsSerde() {
    Serde<EntityState> serde = StoreSerdes.entityStates();
    StoreValueFixtures fixtures = new StoreValueFixtures(7);
    for (int replicas : new int[] {3, 5}) {
      for (int open : new int[] {1, 2}) {
        EntityState s = fixtures.entity(replicas * 10 + open, replicas, open);
        assertThat(s.closedVersions()).hasSize(EntityState.CLOSED_WINDOW);
        assertThat(s.openVersions()).hasSize(open);

        byte[] bytes = serde.serializer().serialize(TOPIC, s);
        EntityState back = serde.deserializer().deserialize(TOPIC, bytes);

        // a closed version's kept store form is a cache of the writer, not part of the value;
        // the closed window compares in its map form (an entity holds it as a map or as arrays)
        s.closedVersions();
        back.closedVersions();
        assertThat(back)
            .usingRecursiveComparison()
            .ignoringFieldsMatchingRegexes(".*storeForm|.*window.*")
            .isEqualTo(s);
        assertThat(StoreValueSizes.roundTrip(serde, s, "entity")).isEqualTo(bytes.length);
      }
    }
  }

  @Test
  void eachEntityWriteOfTheBenchmarkFollowsAChange() {
    StoreValueBenchmarks.Entities entities = new StoreValueBenchmarks.Entities();
    entities.replicas = 3;
    entities.openVersions = 2;
    entities.setUp();
    byte[] before = entities.bytes[0];

    // one full cycle puts each entity's alternate claim in place
    byte[] after = null;
    for (int i = 0; i < StoreValueBenchmarks.ENTITIES * 2; i++) {
      EntityState changed = entities.changed();
      if (i == StoreValueBenchmarks.ENTITIES) {
        after = entities.writer.serialize(TOPIC, changed);
      }
    }

    assertThat(after).isNotNull().isNotEqualTo(before);
    assertThat(entities.reader.deserialize(TOPIC, after).openVersions().lastEntry().getValue())
        .usingRecursiveComparison()
        .isEqualTo(entities.states[0].openVersions().lastEntry().getValue());
  }

  @Test
  void theLedgersReadBackEqualAndANewBatchChangesTheWindow() {
    Serde<NodeLedger> serde = StoreSerdes.nodeLedgers();
    StoreValueBenchmarks.LedgerWrites writes = new StoreValueBenchmarks.LedgerWrites();
    writes.window = "new-batch";
    writes.setUp();
    NodeLedger l = writes.ledgers[0];
    byte[] before = serde.serializer().serialize(TOPIC, l);
    long newestBefore = l.recentBatches.lastKey();

    NodeLedger changed = writes.changed();
    byte[] after = serde.serializer().serialize(TOPIC, changed);

    assertThat(changed).isSameAs(l);
    assertThat(l.recentBatches).hasSize(NodeLedger.BATCH_WINDOW);
    assertThat(l.recentBatches.lastKey()).isEqualTo(newestBefore + 1);
    assertThat(after).isNotEqualTo(before);
    assertThat(serde.deserializer().deserialize(TOPIC, after))
        .usingRecursiveComparison()
        .isEqualTo(l);
  }
}
