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

/** {@link ClaimStore}: lookups, one write batch per flush, retention, the per-node cap, sweeps. */
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
  void aRecordedClaimIsFoundWithItsCoordinatesAfterFlush() {
    ClaimStore claims = new ClaimStore(store, metrics, 60_000, 10);
    claims.record("1:g/acct", 5, "n1", digest("c"), at(7), 100);
    assertThat(store.approximateNumEntries()).isZero();
    assertThat(claims.get("1:g/acct", 5, "n1", 100)).isNotNull(); // pending, same batch

    claims.flush();

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
    assertThat(ClaimStore.key("e", 9, "n").compareTo(ClaimStore.key("e", 10, "n"))).isNegative();
    assertThat(ClaimStore.nodeOf(ClaimStore.key("1:g/a", 10, "node-7").get())).isEqualTo("node-7");
  }

  @Test
  void aClaimOlderThanTheRetentionIsGoneAndSweptAway() {
    ClaimStore claims = new ClaimStore(store, metrics, 1_000, 10);
    claims.record("e", 1, "n1", digest("a"), at(1), 100);
    claims.record("e", 2, "n1", digest("b"), at(2), 900);
    claims.flush();

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
    claims.flush();

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
    before.flush();

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
    claims.flush();
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

    // another key, or a lookup before a flush, is read again
    claims.record("e", 2, "n1", digest("b"), at(2), 100);
    assertThat(calls.get("get")).isEqualTo(2);
    claims.flush();
    claims.get("e", 3, "n1", 100);
    claims.flush();
    claims.record("e", 3, "n1", digest("c"), at(3), 100);
    assertThat(calls.get("get")).isEqualTo(4);
    claims.flush();
    assertThat(claims.get("e", 3, "n1", 100).sameAs(digest("c"))).isTrue();
  }

  @Test
  void theClaimsOfOneBatchKeepTheirOwnCoordinatesAndTimes() {
    ClaimStore claims = new ClaimStore(store, metrics, 60_000, 10);
    EvidenceRef batch = at(7);
    claims.record("e", 1, "n1", digest("a"), batch, 100);
    claims.record("e", 2, "n1", digest("b"), batch, 101);
    claims.record("e", 1, "n2", digest("c"), at(8), 102);
    claims.flush();

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
    claims.flush();
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
