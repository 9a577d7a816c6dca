package dev.herald.auditor.detect;

import dev.herald.auditor.policy.GroupPolicy;
import java.util.TreeMap;

/**
 * Per node (in one partition task): its report token bucket, the versions it has in flight, the
 * canonical digests of its recent verified batches, and the budget of unverifiable input that
 * claims to be this node. Stored in {@code herald-node-ledgers}; one entry per registered node, so
 * this state is O(nodes).
 *
 * <p>The report bucket is refilled by the admitted clock of the partition (the broker times of
 * admitted batches, clamped to wall clock + skew, never going back), so a replay takes the same
 * decisions; never by a report's own {@code eventTime}, which the reporting node chooses, and never
 * by a record that did not verify.
 *
 * <pre>{@code
 * NodeLedger ledger = new NodeLedger();
 * if (!ledger.admit(policy, admittedTime)) { ... FLOOD ... }
 * }</pre>
 */
public final class NodeLedger {
  /** Recent batch digests kept for duplicate detection. */
  public static final int BATCH_WINDOW = 64;

  /** Findings about unverifiable input claiming this node: refill per second and bucket size. */
  static final double UNVERIFIED_PER_SECOND = 1;

  static final double UNVERIFIED_BURST = 5;

  public double tokens = -1;
  public long refilledAt;
  public int inFlight;

  /** Whether the node is over its budget; cleared once its bucket is full again. */
  public boolean flooding;

  /** batchSeq → canonical digest of the verified batch. */
  public TreeMap<Long, String> recentBatches = new TreeMap<>();

  /** Tokens for findings about unverifiable input in this node's name (-1: full). */
  public double unverifiedTokens = -1;

  public long unverifiedRefilledAt;

  public NodeLedger() {}

  /**
   * Whether the bucket has a token for one more report arriving at {@code arrivalTime} (the
   * admitted clock); takes it if so. An earlier arrival time than the last one refills nothing. A
   * bucket that is full again ends the node's {@link #flooding} mark.
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
    if (tokens >= policy.burst()) {
      flooding = false;
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

  /** What a verified batch is to this node's recent batches. */
  public enum BatchCheck {
    /** Not seen: remembered now. */
    NEW,
    /** The same batchSeq with the same canonical digest: a duplicate delivery or a replay. */
    DUPLICATE,
    /** The same batchSeq with another digest: a second, different batch under a used number. */
    SEQUENCE_REUSED,
    /**
     * A batchSeq below every one remembered: a batch older than the window, replayed (a node's
     * sequence per partition only grows, so its own new batches are never below it).
     */
    STALE
  }

  /**
   * Checks a batch that verified against this node's key, by its {@code batchSeq} and the SHA-256
   * of its canonical (signed) encoding — never its wire bytes, which anyone can re-encode — and
   * remembers it if new. Only verified batches may be remembered: a forger must never be able to
   * make the node's real batch look like a duplicate.
   */
  public BatchCheck rememberBatch(long batchSeq, String canonicalDigest) {
    String seen = recentBatches.get(batchSeq);
    if (seen != null) {
      return seen.equals(canonicalDigest) ? BatchCheck.DUPLICATE : BatchCheck.SEQUENCE_REUSED;
    }
    if (!recentBatches.isEmpty() && batchSeq < recentBatches.firstKey()) {
      return BatchCheck.STALE;
    }
    recentBatches.put(batchSeq, canonicalDigest);
    while (recentBatches.size() > BATCH_WINDOW) {
      recentBatches.remove(recentBatches.firstKey());
    }
    return BatchCheck.NEW;
  }

  /**
   * Whether one more finding about unverifiable input in this node's name may be raised at {@code
   * wallNow} (a small bucket: junk in a node's name keeps its one episode counting, never floods
   * the alert path). Beyond it, the input is only dead-lettered.
   */
  public boolean admitUnverified(long wallNow) {
    if (unverifiedTokens < 0) {
      unverifiedTokens = UNVERIFIED_BURST;
      unverifiedRefilledAt = wallNow;
    }
    if (wallNow > unverifiedRefilledAt) {
      unverifiedTokens =
          Math.min(
              UNVERIFIED_BURST,
              unverifiedTokens + (wallNow - unverifiedRefilledAt) * UNVERIFIED_PER_SECOND / 1000.0);
      unverifiedRefilledAt = wallNow;
    }
    if (unverifiedTokens >= 1) {
      unverifiedTokens -= 1;
      return true;
    }
    return false;
  }
}
