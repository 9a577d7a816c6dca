package dev.herald.auditor.flood;

import dev.herald.auditor.policy.GroupPolicy;
import java.util.TreeMap;

/**
 * Per node (in one partition task): its report token bucket, the versions it has in flight, and the
 * digests of its recent batches (duplicate batches are idempotent). Stored as JSON in {@code
 * herald-node-ledgers}; one entry per node, so this state is O(nodes).
 *
 * <p>The bucket is refilled by the stream time of arrival (the record timestamps of the partition,
 * never going back), not by wall-clock time, so a replay takes the same decisions; and never by a
 * report's own {@code eventTime}, which the reporting node chooses: ever-later event times would
 * refill its bucket at will.
 *
 * <pre>{@code
 * NodeLedger ledger = new NodeLedger();
 * if (!ledger.admit(policy, streamTime)) { ... FLOOD ... }
 * }</pre>
 */
public final class NodeLedger {
  /** Recent batch digests kept for duplicate detection. */
  public static final int BATCH_WINDOW = 64;

  public double tokens = -1;
  public long refilledAt;
  public int inFlight;

  /** Whether the node ever exceeded its budget (its FLOOD episode never resolves by itself). */
  public boolean flooding;

  public TreeMap<Long, String> recentBatches = new TreeMap<>();

  public NodeLedger() {}

  /**
   * Whether the bucket has a token for one more report arriving at {@code arrivalTime} (stream
   * time); takes it if so. An earlier arrival time than the last one refills nothing.
   */
  public boolean admit(GroupPolicy policy, long arrivalTime) {
    if (tokens < 0) {
      tokens = policy.burst();
      refilledAt = arrivalTime;
    }
    if (arrivalTime > refilledAt) {
      tokens =
          Math.min(
              policy.burst(),
              tokens + (arrivalTime - refilledAt) * policy.reportsPerSecond() / 1000.0);
      refilledAt = arrivalTime;
    }
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }

  /** Whether the node may open one more version slot. */
  public boolean mayOpen(GroupPolicy policy) {
    return inFlight < policy.maxInFlightVersions();
  }

  /**
   * Remembers a batch: returns false when the same {@code batchSeq} was already seen with the same
   * digest (a duplicate delivery).
   */
  public boolean rememberBatch(long batchSeq, String digest) {
    String seen = recentBatches.get(batchSeq);
    if (digest.equals(seen)) {
      return false;
    }
    if (seen == null) {
      recentBatches.put(batchSeq, digest);
      while (recentBatches.size() > BATCH_WINDOW) {
        recentBatches.remove(recentBatches.firstKey());
      }
    }
    return true;
  }
}
