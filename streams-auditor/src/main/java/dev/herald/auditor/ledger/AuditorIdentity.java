package dev.herald.auditor.ledger;

import dev.herald.schema.signing.Ed25519;
import java.time.Duration;
import java.util.Objects;

/**
 * Who the auditor is: its node id in the registry (registered with role {@code auditor}), the
 * Ed25519 key it signs alerts and tree heads with, and how often it publishes a signed tree head of
 * each of its logs.
 *
 * <pre>{@code
 * var me = new AuditorIdentity("auditor-1", Ed25519.readPem(Path.of("auditor.pem")),
 *     AuditorIdentity.DEFAULT_TREE_HEAD_INTERVAL);
 * }</pre>
 *
 * @param auditorId node id of the auditor in {@code herald.nodes.v1}
 * @param key the auditor's key pair
 * @param treeHeadInterval how often a log that grew gets a new signed tree head
 */
public record AuditorIdentity(String auditorId, Ed25519.KeyPair key, Duration treeHeadInterval) {
  /** Tree heads every 10 s (a log that did not grow gets none). */
  public static final Duration DEFAULT_TREE_HEAD_INTERVAL = Duration.ofSeconds(10);

  public AuditorIdentity {
    if (auditorId == null || auditorId.isBlank()) {
      throw new IllegalArgumentException("the auditor id is required, e.g. auditor-1");
    }
    Objects.requireNonNull(key, "the auditor key is required");
    if (treeHeadInterval == null || treeHeadInterval.isNegative() || treeHeadInterval.isZero()) {
      throw new IllegalArgumentException(
          "the tree head interval must be positive, not " + treeHeadInterval);
    }
  }

  /**
   * A fresh key that no registry knows, for an auditor started without one: its alerts are signed
   * and logged, but {@code herald verify} reports the key as unregistered.
   */
  public static AuditorIdentity ephemeral() {
    Ed25519.KeyPair key = Ed25519.generate();
    return new AuditorIdentity("unregistered-" + key.keyId(), key, DEFAULT_TREE_HEAD_INTERVAL);
  }
}
