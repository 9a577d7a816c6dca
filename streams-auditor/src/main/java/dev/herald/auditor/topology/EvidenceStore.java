package dev.herald.auditor.topology;

import dev.herald.auditor.detect.EvidenceRef;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The original bytes of recently admitted batches ({@link AuditorStores#EVIDENCE}, in memory, not
 * logged), so an alert can carry them while they are small: a finding gets the bytes of its
 * evidence only while the alert's evidence stays within {@link #ALERT_EVIDENCE_BUDGET} in total.
 * Beyond it — or for a batch too large to keep, or one already expired — the alert carries the
 * coordinates and the SHA-256 only, and {@code herald verify} fetches the record from the topic. No
 * alert can thereby exceed what the broker accepts.
 *
 * <p>The store is neither logged nor persistent, so its expiry schedule is not either: a queue in
 * memory, in the order the batches were kept (report time never goes back, so that is expiry
 * order). It was once an index in the logged deadlines store, which cost every batch two RocksDB
 * writes and two changelog records for bytes that do not survive a restart anyway.
 */
final class EvidenceStore {
  /** Batches larger than this are never kept (the SDK signs at most 64 KiB per batch). */
  static final int MAX_KEPT_BYTES = 64 * 1024;

  /** Bytes of evidence one alert may embed in total. */
  static final int ALERT_EVIDENCE_BUDGET = 256 * 1024;

  private record Expiry(long at, String key) {}

  private final KeyValueStore<String, byte[]> store;
  private long retentionMs;
  private final ArrayDeque<Expiry> expiries = new ArrayDeque<>();

  /**
   * A fresh view: forgets whatever the store still holds from before (its schedule was not kept),
   * so nothing in it can outlive its retention.
   */
  EvidenceStore(KeyValueStore<String, byte[]> store, long retentionMs) {
    this.store = store;
    this.retentionMs = retentionMs;
    if (store.approximateNumEntries() > 0) {
      List<String> stale = new ArrayList<>();
      try (KeyValueIterator<String, byte[]> it = store.all()) {
        it.forEachRemaining((KeyValue<String, byte[]> kv) -> stale.add(kv.key));
      }
      stale.forEach(store::delete);
    }
  }

  /** Keeps evidence stored from now on for {@code retentionMs} (a reloaded policy). */
  void retainFor(long retentionMs) {
    this.retentionMs = retentionMs;
  }

  /** Keeps {@code value} as the bytes of {@code ref} until {@code now} + retention, if small. */
  void keep(EvidenceRef ref, byte[] value, long now) {
    if (value.length > MAX_KEPT_BYTES) {
      return;
    }
    String k = key(ref);
    store.put(k, value);
    expiries.addLast(new Expiry(now + retentionMs, k));
  }

  /** Drops the evidence whose retention ended by {@code now}. */
  void expire(long now) {
    while (!expiries.isEmpty() && expiries.peekFirst().at() <= now) {
      store.delete(expiries.pollFirst().key());
    }
  }

  /** {@code refs} with their bytes attached, as far as kept and within the alert budget. */
  List<EvidenceRef> attach(List<EvidenceRef> refs) {
    List<EvidenceRef> out = new ArrayList<>(refs.size());
    long budget = ALERT_EVIDENCE_BUDGET;
    for (EvidenceRef e : refs) {
      byte[] bytes = e.record() != null ? e.record() : store.get(key(e));
      if (bytes != null && bytes.length <= budget) {
        budget -= bytes.length;
        out.add(e.withRecord(bytes));
      } else {
        out.add(e.withoutRecord());
      }
    }
    return out;
  }

  private static String key(EvidenceRef e) {
    return e.partition() + "/" + e.offset();
  }
}
