package dev.herald.auditor.topology;

import dev.herald.auditor.detect.EvidenceRef;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The original bytes of recently admitted batches ({@link AuditorStores#EVIDENCE}, in memory, not
 * logged), so an alert can carry them while they are small: a finding gets the bytes of its
 * evidence only while the alert's evidence stays within {@link #ALERT_EVIDENCE_BUDGET} in total.
 * Beyond it — or for a batch too large to keep, or one already expired — the alert carries the
 * coordinates and the SHA-256 only, and {@code herald verify} fetches the record from the topic. No
 * alert can thereby exceed what the broker accepts.
 */
final class EvidenceStore {
  /** Batches larger than this are never kept (the SDK signs at most 64 KiB per batch). */
  static final int MAX_KEPT_BYTES = 64 * 1024;

  /** Bytes of evidence one alert may embed in total. */
  static final int ALERT_EVIDENCE_BUDGET = 256 * 1024;

  private final KeyValueStore<String, byte[]> store;
  private final DeadlineIndex index;
  private long retentionMs;

  EvidenceStore(KeyValueStore<String, byte[]> store, DeadlineIndex index, long retentionMs) {
    this.store = store;
    this.index = index;
    this.retentionMs = retentionMs;
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
    index.addExpiry(now + retentionMs, k);
  }

  /** Drops the evidence whose retention ended by {@code now}. */
  void expire(long now) {
    if (!index.expiriesDue(now)) {
      return;
    }
    List<String> expired = new ArrayList<>();
    index.takeExpired(now, expired);
    expired.forEach(store::delete);
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
