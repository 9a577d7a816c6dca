package dev.herald.auditor.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.auditor.detect.EvidenceRef;
import dev.herald.auditor.detect.SignedClaim;
import dev.herald.schema.Topics;
import dev.herald.schema.canonical.Hashing;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ClaimStore}: lookups, one entry per version, retention, the per-node cap, sweeps, old
 * entries.
 */
class ClaimStoreTest {
  private KeyValueStore<Bytes, byte[]> store;
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final AuditorMetrics metrics = new AuditorMetrics(meters);

  @BeforeEach
  void open() {
    store =
        Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore("claims"), Serdes.Bytes(), Serdes.ByteArray())
            .withLoggingDisabled()
            .build();
    MockProcessorContext<Object, Object> context = new MockProcessorContext<>();
    store.init(context.getStateStoreContext(), store);
  }

  private static byte[] digest(String s) {
    return Hashing.sha256(s.getBytes(StandardCharsets.UTF_8));
  }

  private static EvidenceRef at(long offset) {
    return new EvidenceRef(
        Topics.STATE_CHANGES,
        3,
        offset,
        "n1",
        "k1",
        40 + offset,
        null,
        true,
        Hashing.hex(digest("b" + offset)));
  }

  private double dropped(String reason) {
    var c = meters.find("herald_claims_dropped").tag("reason", reason).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void aRecordedClaimIsFoundWithItsCoordinates() {
    ClaimStore claims = new ClaimStore(store, metrics, 60_000, 10);
    claims.record("1:g/acct", 5, "n1", digest("c"), at(7), 100);

    SignedClaim c = claims.get("1:g/acct", 5, "n1", 200);
    assertThat(c.sameAs(digest("c"))).isTrue();
    assertThat(c.recordedAt()).isEqualTo(100);
    assertThat(c.where().partition()).isEqualTo(3);
    assertThat(c.where().offset()).isEqualTo(7);
    assertThat(c.where().batchSeq()).isEqualTo(47);
    assertThat(c.where().sha256()).isEqualTo(at(7).sha256());
    assertThat(claims.get("1:g/acct", 5, "n2", 200)).isNull();
    assertThat(claims.get("1:g/acct", 6, "n1", 200)).isNull();
  }

  @Test
  void keysOfAnEntityOrderItsVersionsNumerically() {
    assertThat(ClaimStore.key("e", 9).compareTo(ClaimStore.key("e", 10))).isNegative();
    assertThat(ClaimStore.key("e", 9, "n").compareTo(ClaimStore.key("e", 10, "n"))).isNegative();
    assertThat(ClaimStore.nodeOf(ClaimStore.key("1:g/a", 10, "node-7").get())).isEqualTo("node-7");
    assertThat(ClaimStore.versionOf(ClaimStore.key("1:g/a", 10, "node-7")))
        .isEqualTo(ClaimStore.key("1:g/a", 10));
  }

  @Test
  void theReplicasClaimsOfAVersionShareOneEntryAndEachKeepsItsOwn() {
    ClaimStore claims = new ClaimStore(store, metrics, 60_000, 10);
    claims.record("e", 1, "n1", digest("a"), at(1), 100);
    claims.record("e", 1, "n2", digest("b"), at(2), 101);
    claims.record("e", 1, "node-three", digest("c"), at(3), 102);
    claims.record("e", 2, "n1", digest("d"), at(4), 103);

    assertThat(store.approximateNumEntries()).isEqualTo(2);
    assertThat(claims.get("e", 1, "n1", 200).sameAs(digest("a"))).isTrue();
    assertThat(claims.get("e", 1, "n2", 200).sameAs(digest("b"))).isTrue();
    assertThat(claims.get("e", 1, "node-three", 200).where().offset()).isEqualTo(3);
    assertThat(claims.get("e", 1, "node-thre", 200)).isNull();
    assertThat(claims.get("e", 1, "n3", 200)).isNull();
    assertThat(claims.get("e", 2, "n2", 200)).isNull();

    // a restarted task reads every claim of a shared entry back
    ClaimStore after = new ClaimStore(store, metrics, 60_000, 10);
    assertThat(after.count("n1")).isEqualTo(2);
    assertThat(after.count("node-three")).isEqualTo(1);
    assertThat(after.get("e", 1, "n2", 200).recordedAt()).isEqualTo(101);
  }

  @Test
  void aSweepDeletesTheDeadClaimsOfAnEntryAndKeepsTheLiveOnes() {
    ClaimStore claims = new ClaimStore(store, metrics, 1_000, 10);
    claims.record("e", 1, "n1", digest("a"), at(1), 100);
    claims.record("e", 1, "n2", digest("b"), at(2), 800);
    claims.record("e", 1, "n3", digest("c"), at(3), 150);

    claims.sweep(1_200);

    assertThat(store.approximateNumEntries()).isEqualTo(1);
    assertThat(claims.count("n1")).isZero();
    assertThat(claims.count("n2")).isEqualTo(1);
    assertThat(claims.count("n3")).isZero();
    ClaimStore after = new ClaimStore(store, metrics, 1_000_000, 10);
    assertThat(after.count("n1")).isZero();
    assertThat(after.get("e", 1, "n2", 1_200).sameAs(digest("b"))).isTrue();

    claims.sweep(1_900);
    assertThat(store.approximateNumEntries()).isZero();
  }

  @Test
  void theOneClaimEntriesOfAnOlderAuditorAreReadAndMovedIntoTheirVersion() {
    // as an auditor before round 7 wrote them: one entry per (entity, version, node)
    store.put(ClaimStore.key("e", 1, "n1"), ClaimStore.encode(digest("a"), 100, at(1)));
    store.put(ClaimStore.key("e", 1, "n2"), ClaimStore.encode(digest("b"), 110, at(2)));
    store.put(ClaimStore.key("e", 2, "n1"), ClaimStore.encode(digest("c"), 120, at(3)));
    store.put(ClaimStore.key("e", 3, "n1"), ClaimStore.encode(digest("old"), 10, at(4)));
    ClaimStore claims = new ClaimStore(store, metrics, 1_000, 10);
    assertThat(claims.count("n1")).isEqualTo(3);

    // read as they are
    assertThat(claims.get("e", 1, "n2", 200).sameAs(digest("b"))).isTrue();
    assertThat(claims.get("e", 2, "n1", 200).where().offset()).isEqualTo(3);
    // a new claim of a node for a version with an old entry of the node replaces it
    claims.record("e", 3, "n1", digest("new"), at(5), 1_050);
    assertThat(store.get(ClaimStore.key("e", 3, "n1"))).isNull();
    assertThat(claims.count("n1")).isEqualTo(3);

    // one pass of the sweep moves the rest into their versions' entries
    claims.sweep(1_060);
    assertThat(store.approximateNumEntries()).isEqualTo(3);
    assertThat(store.get(ClaimStore.key("e", 1, "n1"))).isNull();
    assertThat(claims.get("e", 1, "n1", 1_060).recordedAt()).isEqualTo(100);
    assertThat(claims.get("e", 1, "n2", 1_060).sameAs(digest("b"))).isTrue();
    assertThat(claims.get("e", 3, "n1", 1_060).sameAs(digest("new"))).isTrue();
    assertThat(new ClaimStore(store, metrics, 1_000, 10).count("n1")).isEqualTo(3);

    // the moved claims expire like any other
    claims.sweep(1_115);
    assertThat(claims.count("n1")).isEqualTo(2);
    assertThat(claims.count("n2")).isZero();
    assertThat(store.approximateNumEntries()).isEqualTo(2);
  }

  @Test
  void aClaimOlderThanTheRetentionIsGoneAndSweptAway() {
    ClaimStore claims = new ClaimStore(store, metrics, 1_000, 10);
    claims.record("e", 1, "n1", digest("a"), at(1), 100);
    claims.record("e", 2, "n1", digest("b"), at(2), 900);

    assertThat(claims.get("e", 1, "n1", 1_100)).isNull();
    assertThat(claims.get("e", 2, "n1", 1_100)).isNotNull();

    claims.sweep(1_100);
    assertThat(store.approximateNumEntries()).isEqualTo(1);
    assertThat(claims.count("n1")).isEqualTo(1);
    assertThat(dropped("retention")).isEqualTo(1);
  }

  @Test
  void aNodeOverItsCapLosesItsOldestClaimsFirstAndOthersKeepTheirs() {
    ClaimStore claims = new ClaimStore(store, metrics, 1_000_000, 3);
    for (int v = 1; v <= 5; v++) {
      claims.record("e", v, "n1", digest("a" + v), at(v), 100 + v);
    }
    claims.record("e", 1, "n2", digest("x"), at(9), 100);

    assertThat(claims.count("n1")).isEqualTo(3);
    assertThat(claims.get("e", 1, "n1", 200)).isNull();
    assertThat(claims.get("e", 2, "n1", 200)).isNull();
    assertThat(claims.get("e", 3, "n1", 200)).isNotNull();
    assertThat(claims.get("e", 5, "n1", 200)).isNotNull();
    assertThat(claims.get("e", 1, "n2", 200)).isNotNull();
    assertThat(dropped("cap")).isEqualTo(2);

    claims.sweep(200);
    assertThat(store.approximateNumEntries()).isEqualTo(4);
  }

  @Test
  void aRestartedTaskRebuildsItsCountsAndCapFromTheStore() {
    ClaimStore before = new ClaimStore(store, metrics, 1_000_000, 10);
    for (int v = 1; v <= 5; v++) {
      before.record("e", v, "n1", digest("a" + v), at(v), 100 + v);
    }

    ClaimStore after = new ClaimStore(store, metrics, 1_000_000, 2);

    assertThat(after.count("n1")).isEqualTo(2);
    assertThat(after.get("e", 3, "n1", 200)).isNull();
    assertThat(after.get("e", 4, "n1", 200)).isNotNull();
  }

  @Test
  void aSweepVisitsABoundedChunkAndGoesOnWhereItStopped() {
    ClaimStore claims = new ClaimStore(store, metrics, 1_000, 1_000_000);
    int n = ClaimStore.SWEEP_CHUNK + 500;
    for (int v = 1; v <= n; v++) {
      claims.record("e", v, "n1", digest("a" + v), at(v), 0);
    }
    // a first sweep while all are live visits them all (twice the recorded, at least) and resets
    claims.sweep(0);
    assertThat(store.approximateNumEntries()).isEqualTo(n);

    claims.sweep(5_000);
    assertThat(store.approximateNumEntries()).isEqualTo(500);
    claims.sweep(5_000);
    assertThat(store.approximateNumEntries()).isZero();
    assertThat(claims.count("n1")).isZero();
  }

  @Test
  void aSweepAfterManyRecordingsVisitsTwiceAsManySoTheStoreCannotOutgrowIt() {
    ClaimStore claims = new ClaimStore(store, metrics, 1_000, 1_000_000);
    int n = ClaimStore.SWEEP_CHUNK + 500;
    for (int v = 1; v <= n; v++) {
      claims.record("e", v, "n1", digest("a" + v), at(v), 0);
    }

    claims.sweep(5_000);

    assertThat(store.approximateNumEntries()).isZero();
  }

  /** The store, counting the calls of each method. */
  private KeyValueStore<Bytes, byte[]> counting(java.util.Map<String, Integer> calls) {
    KeyValueStore<Bytes, byte[]> real = store;
    @SuppressWarnings("unchecked")
    KeyValueStore<Bytes, byte[]> proxy =
        (KeyValueStore<Bytes, byte[]>)
            java.lang.reflect.Proxy.newProxyInstance(
                KeyValueStore.class.getClassLoader(),
                new Class<?>[] {KeyValueStore.class},
                (p, m, args) -> {
                  calls.merge(m.getName(), 1, Integer::sum);
                  try {
                    return m.invoke(real, args);
                  } catch (java.lang.reflect.InvocationTargetException e) {
                    throw e.getCause();
                  }
                });
    return proxy;
  }

  @Test
  void aClaimJudgedAfterItsLookupIsReadFromTheStoreOnce() {
    java.util.Map<String, Integer> calls = new java.util.HashMap<>();
    ClaimStore claims = new ClaimStore(counting(calls), metrics, 60_000, 10);
    calls.clear();

    assertThat(claims.get("e", 1, "n1", 100)).isNull();
    claims.record("e", 1, "n1", digest("a"), at(1), 100);
    assertThat(calls.get("get")).isEqualTo(1);
    // the next replica's claim of the same version: the value just written
    assertThat(claims.get("e", 1, "n2", 100)).isNull();
    claims.record("e", 1, "n2", digest("b"), at(1), 100);
    assertThat(calls.get("get")).isEqualTo(1);
    assertThat(calls.get("put")).isEqualTo(2);

    // another version is read; after a sweep, everything is read again
    claims.record("e", 2, "n1", digest("b"), at(2), 100);
    assertThat(calls.get("get")).isEqualTo(2);
    claims.sweep(100);
    claims.record("e", 2, "n2", digest("c"), at(3), 100);
    assertThat(calls.get("get")).isEqualTo(3);
    assertThat(claims.get("e", 2, "n2", 100).sameAs(digest("c"))).isTrue();
  }

  @Test
  void theClaimsOfOneBatchKeepTheirOwnCoordinatesAndTimes() {
    ClaimStore claims = new ClaimStore(store, metrics, 60_000, 10);
    EvidenceRef batch = at(7);
    claims.record("e", 1, "n1", digest("a"), batch, 100);
    claims.record("e", 2, "n1", digest("b"), batch, 101);
    claims.record("e", 1, "n2", digest("c"), at(8), 102);

    assertThat(claims.get("e", 1, "n1", 200).where().offset()).isEqualTo(7);
    assertThat(claims.get("e", 2, "n1", 200).recordedAt()).isEqualTo(101);
    assertThat(claims.get("e", 2, "n1", 200).sameAs(digest("b"))).isTrue();
    assertThat(claims.get("e", 1, "n2", 200).where().offset()).isEqualTo(8);
    assertThat(claims.get("e", 1, "n2", 200).where().sha256()).isEqualTo(at(8).sha256());
    assertThat(ClaimStore.decode("n1", ClaimStore.encode(digest("a"), 100, batch)))
        .isEqualTo(claims.get("e", 1, "n1", 200));
  }

  @Test
  void aSweepScansNothingWhileNoClaimCanBeDeadAndDeletesOnceOneCan() {
    java.util.Map<String, Integer> calls = new java.util.HashMap<>();
    ClaimStore claims = new ClaimStore(counting(calls), metrics, 1_000, 3);
    for (int v = 1; v <= 3; v++) {
      claims.record("e", v, "n1", digest("a" + v), at(v), 100 + v);
    }
    calls.clear();

    claims.sweep(500); // all live, nothing dropped
    assertThat(calls).doesNotContainKey("range");

    claims.record("e", 4, "n1", digest("a4"), at(4), 600); // over the cap: v1 is dropped
    claims.sweep(600);
    assertThat(calls.get("range")).isEqualTo(1);
    assertThat(store.approximateNumEntries()).isEqualTo(3);
    claims.sweep(700); // the pass that began after the drop is complete
    assertThat(calls.get("range")).isEqualTo(1);

    claims.sweep(1_102); // v2 (recorded at 102) is past the retention, v3 (103) is not
    assertThat(calls.get("range")).isEqualTo(2);
    assertThat(store.approximateNumEntries()).isEqualTo(2);
    assertThat(claims.count("n1")).isEqualTo(2);
  }
}
