package dev.herald.auditor.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.auditor.detect.EntityState;
import dev.herald.auditor.store.StoreSerdes;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.HashSet;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link EntityLifecycle}: quiescent entities leave the entity store one TTL after their last
 * write, leaving a residue that refuses their closed versions; open ones stay; each walk looks at a
 * bounded number of index entries; a node's open-entity count follows the entities it opened.
 */
class EntityLifecycleTest {
  private static final long TTL = 10_000;
  private static final long RESIDUE_TTL = 100_000;

  private KeyValueStore<String, EntityState> entities;
  private KeyValueStore<Bytes, byte[]> index;
  private EntityLifecycle lifecycle;
  private final AtomicInteger ranges = new AtomicInteger();

  @BeforeEach
  void stores() {
    MockProcessorContext<Object, Object> context = new MockProcessorContext<>();
    entities =
        Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore("entities"),
                Serdes.String(),
                StoreSerdes.entityStates())
            .withLoggingDisabled()
            .build();
    entities.init(context.getStateStoreContext(), entities);
    index =
        Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore("lifecycle"), Serdes.Bytes(), Serdes.ByteArray())
            .withLoggingDisabled()
            .build();
    index.init(context.getStateStoreContext(), index);
    lifecycle = new EntityLifecycle(countingRanges(index));
  }

  private static EntityState closedUpTo(String key, long highestClosed) {
    EntityState s = new EntityState("g", key);
    s.inheritHorizon(highestClosed, 0);
    return s;
  }

  private static EntityState openAt(String key, long version) {
    EntityState s = new EntityState("g", key);
    EntityState.VersionSlot slot =
        EntityState.VersionSlot.restore(version, 0, 0, new TreeMap<>(), new HashSet<>());
    s.openVersions().put(version, slot);
    return s;
  }

  private void write(String key, EntityState s, long now, String writer) {
    String id = EntityState.entityId("g", key);
    entities.put(id, s);
    lifecycle.written(id, s, now, writer);
  }

  private EntityLifecycle.Swept sweep(long now, int limit) {
    return lifecycle.evictDue(now, TTL, RESIDUE_TTL, limit, entities);
  }

  @Test
  void quiescentEntityLeavesOneTtlAfterItsLastWriteAndLeavesAResidue() {
    // Given
    write("a", closedUpTo("a", 7), 1_000, "n1");
    assertThat(lifecycle.entityCount()).isEqualTo(1);
    // When / Then: not before the TTL
    assertThat(sweep(10_999, 100).evicted()).isZero();
    assertThat(entities.get(EntityState.entityId("g", "a"))).isNotNull();
    // When / Then: at the TTL
    assertThat(sweep(11_000, 100).evicted()).isEqualTo(1);
    assertThat(entities.get(EntityState.entityId("g", "a"))).isNull();
    assertThat(lifecycle.entityCount()).isZero();
    EntityState fresh = new EntityState("g", "a");
    assertThat(lifecycle.revive(EntityState.entityId("g", "a"), fresh)).isTrue();
    assertThat(fresh.highestClosed()).isEqualTo(7);
    assertThat(fresh.forgottenBelow()).isEqualTo(8);
  }

  @Test
  void aLaterWriteDefersEvictionToItsOwnTtl() {
    write("a", closedUpTo("a", 1), 1_000, null);
    write("a", closedUpTo("a", 2), 8_000, null);
    assertThat(sweep(11_000, 100).evicted()).isZero();
    assertThat(sweep(17_999, 100).evicted()).isZero();
    assertThat(sweep(18_000, 100).evicted()).isEqualTo(1);
  }

  @Test
  void anEntityWithAnOpenVersionIsNeverEvicted() {
    write("a", openAt("a", 3), 1_000, "n1");
    assertThat(sweep(50_000, 100).evicted()).isZero();
    assertThat(entities.get(EntityState.entityId("g", "a"))).isNotNull();
    // once it is quiescent, one TTL after its last write
    write("a", closedUpTo("a", 3), 60_000, null);
    assertThat(sweep(69_999, 100).evicted()).isZero();
    assertThat(sweep(70_000, 100).evicted()).isEqualTo(1);
  }

  @Test
  void eachWalkLooksAtNoMoreThanItsLimit() {
    for (int i = 0; i < 10; i++) {
      write("e" + i, closedUpTo("e" + i, 1), 1_000 + i, null);
    }
    assertThat(sweep(20_000, 3).evicted()).isEqualTo(3);
    assertThat(sweep(20_000, 3).evicted()).isEqualTo(3);
    assertThat(sweep(20_000, 100).evicted()).isEqualTo(4);
    assertThat(lifecycle.entityCount()).isZero();
  }

  @Test
  void aResidueIsDroppedAfterItsOwnTtlAndAReEvictionRenewsIt() {
    String id = EntityState.entityId("g", "a");
    write("a", closedUpTo("a", 4), 0, null);
    sweep(TTL, 100);
    assertThat(lifecycle.residueOf(id)).isNotNull();
    // revived and evicted again later: the old expiry entry must not drop the new residue
    EntityState again = closedUpTo("a", 9);
    write("a", again, 50_000, null);
    sweep(60_000, 100);
    assertThat(sweep(TTL + RESIDUE_TTL, 100).residuesExpired()).isZero();
    assertThat(lifecycle.residueOf(id).highestClosed()).isEqualTo(9);
    assertThat(sweep(60_000 + RESIDUE_TTL, 100).residuesExpired()).isEqualTo(1);
    assertThat(lifecycle.residueOf(id)).isNull();
  }

  @Test
  void aNodesOpenEntitiesCountWhatItOpenedUntilTheyAreQuiescent() {
    // Given n1 opened a and b, n2 joined a
    write("a", openAt("a", 1), 1_000, "n1");
    write("b", openAt("b", 1), 1_000, "n1");
    write("a", openAt("a", 1), 1_100, "n2");
    // Then
    assertThat(lifecycle.open("n1")).isEqualTo(2);
    assertThat(lifecycle.open("n2")).isZero();
    assertThat(lifecycle.mayOpen("n1", 0, 3)).isTrue();
    assertThat(lifecycle.mayOpen("n1", 1, 3)).isFalse();
    // When a closes (by deadline, no writer): n1's quota is released
    write("a", closedUpTo("a", 1), 3_000, null);
    assertThat(lifecycle.open("n1")).isEqualTo(1);
    // and an eviction leaves no count behind
    write("b", closedUpTo("b", 1), 3_000, null);
    sweep(20_000, 100);
    assertThat(lifecycle.open("n1")).isZero();
    assertThat(lifecycle.entityCount()).isZero();
  }

  @Test
  void aMemberRunningAheadAloneCarriesTheEntityInsteadOfItsHonestOpener() {
    // Given n1 opened e at version 1
    EntityState s = openAt("e", 1);
    s.openVersions().get(1L).reports().put("n1", null);
    write("e", s, 1_000, "n1");
    assertThat(lifecycle.open("n1")).isEqualTo(1);
    // When version 1 closed and only b keeps e open, at version 2
    s.openVersions().remove(1L);
    s.inheritHorizon(1, 0);
    EntityState.VersionSlot ahead =
        EntityState.VersionSlot.restore(2, 0, 0, new TreeMap<>(), new HashSet<>());
    ahead.reports().put("b", null);
    s.openVersions().put(2L, ahead);
    write("e", s, 2_000, "b");
    // Then b carries e, and n1's quota is free again
    assertThat(lifecycle.open("n1")).isZero();
    assertThat(lifecycle.open("b")).isEqualTo(1);
    // And when b's version closes by deadline (no writer), b's charge is released
    s.openVersions().clear();
    s.inheritHorizon(2, 0);
    write("e", s, 3_000, null);
    assertThat(lifecycle.open("b")).isZero();
  }

  /** {@code store}, counting the range reads (each one writes a write-back cache through). */
  @SuppressWarnings("unchecked")
  private KeyValueStore<Bytes, byte[]> countingRanges(KeyValueStore<Bytes, byte[]> store) {
    return (KeyValueStore<Bytes, byte[]>)
        Proxy.newProxyInstance(
            getClass().getClassLoader(),
            new Class<?>[] {KeyValueStore.class},
            (proxy, method, args) -> {
              if (method.getName().equals("range")) {
                ranges.incrementAndGet();
              }
              try {
                return method.invoke(store, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  @Test
  void aWalkWithNothingDueOpensNoIteratorUntilSomethingIs() {
    // Given one entity written at 20 s, and a walk that learnt the oldest index entries
    write("a", closedUpTo("a", 1), 20_000, null);
    sweep(25_000, 100);
    int walked = ranges.get();
    assertThat(walked).isPositive();
    // When / Then: nothing is due before 30 s, and no walk reads the store
    assertThat(sweep(26_000, 100).evicted()).isZero();
    assertThat(sweep(29_999, 100).evicted()).isZero();
    assertThat(ranges.get()).isEqualTo(walked);
    // When / Then: at 30 s it is
    assertThat(sweep(30_000, 100).evicted()).isEqualTo(1);
    assertThat(ranges.get()).isGreaterThan(walked);
  }

  @Test
  void anEntryOlderThanTheOldestOneKnownIsStillEvictedOnTime() {
    // Given a walk that found the oldest entry at 20 s
    write("a", closedUpTo("a", 1), 20_000, null);
    sweep(25_000, 100);
    // When an entity gets an index entry older than that (as the walk gives an entity it looks
    // at again, at its last write): the known bound must follow
    write("b", closedUpTo("b", 1), 2_000, null);
    // Then it leaves one TTL after that write, and a a TTL after its own
    assertThat(sweep(12_000, 100).evicted()).isEqualTo(1);
    assertThat(entities.get(EntityState.entityId("g", "b"))).isNull();
    assertThat(entities.get(EntityState.entityId("g", "a"))).isNotNull();
    assertThat(sweep(30_000, 100).evicted()).isEqualTo(1);
  }

  @Test
  void aWalkStoppedByItsLimitLooksAgainAtTheNextCheck() {
    // Given three entities due and a limit of two
    for (int i = 0; i < 3; i++) {
      write("e" + i, closedUpTo("e" + i, 1), 1_000 + i, null);
    }
    assertThat(sweep(20_000, 2).evicted()).isEqualTo(2);
    // When / Then: the next check, even before any new write, finds the third
    assertThat(sweep(20_001, 2).evicted()).isEqualTo(1);
    assertThat(lifecycle.entityCount()).isZero();
  }
}
