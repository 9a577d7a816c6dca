package dev.herald.auditor.policy;

import java.time.Duration;

/**
 * How long and how many of each node's signed claims the auditor keeps beyond an entity's window of
 * closed versions, to catch a second, different claim for an old version (policy keys {@code
 * claims.retention} and {@code claims.maxPerNode}).
 *
 * <pre>{@code
 * ClaimsPolicy claims = new ClaimsPolicy(Duration.ofDays(7), 100_000);
 * }</pre>
 *
 * @param retention a claim is kept this long after it was admitted, measured on the partition's
 *     admitted clock (broker time of verified batches, clamped to the wall clock + skew)
 * @param maxPerNode claims kept per node and partition task at most; the node's oldest drop first
 */
public record ClaimsPolicy(Duration retention, int maxPerNode) {
  /** Default {@link #retention}. */
  public static final Duration DEFAULT_RETENTION = Duration.ofDays(7);

  /** Default {@link #maxPerNode}. */
  public static final int DEFAULT_MAX_PER_NODE = 100_000;

  /** The built-in claims policy. */
  public static final ClaimsPolicy DEFAULT =
      new ClaimsPolicy(DEFAULT_RETENTION, DEFAULT_MAX_PER_NODE);

  public ClaimsPolicy {
    if (retention == null || retention.isNegative() || retention.isZero()) {
      throw new IllegalArgumentException("claims.retention must be positive");
    }
    if (maxPerNode < 1) {
      throw new IllegalArgumentException("claims.maxPerNode must be at least 1");
    }
  }
}
