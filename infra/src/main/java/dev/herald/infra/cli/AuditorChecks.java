package dev.herald.infra.cli;

import dev.herald.schema.AuditAlert;
import dev.herald.schema.TreeHead;
import dev.herald.schema.ledger.AuditLogVerifier;
import dev.herald.schema.ledger.AuditLogVerifier.AuditorKey;
import dev.herald.schema.ledger.AuditLogVerifier.Check;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code herald verify}'s auditor checks: the auditor's signature on the alert and the alert's
 * inclusion in a signed tree head of its log. Registry, leaves and heads are read once, when the
 * first alert needs them.
 */
final class AuditorChecks {
  /** The checks of one alert and whether they let it pass. */
  record Outcome(boolean ok, List<Check> checks) {}

  private final AuditLogSource source;
  private final AuditLogCommand.LogTopics topics;
  private final boolean require;
  private Map<String, AuditorKey> keys;
  private Map<String, List<TreeHead>> heads;
  private final Map<String, List<byte[]>> leaves = new HashMap<>();

  AuditorChecks(AuditLogSource source, AuditLogCommand.LogTopics topics, boolean require) {
    this.source = source;
    this.topics = topics;
    this.require = require;
  }

  Outcome check(AuditAlert alert) {
    if (keys == null) {
      keys = source.auditorKeys();
    }
    Check signature = AuditLogVerifier.alertSignature(alert, keys);
    boolean unknownSigner =
        alert.getAuditorSignature() == null || !keys.containsKey(alert.getAuditorKeyId());
    if (unknownSigner) {
      // an alert of an unregistered (or no) auditor key cannot be vouched for; it fails only
      // when asked to (--require-auditor-signature)
      return new Outcome(!require, List.of(signature));
    }
    if (heads == null) {
      heads = source.heads(topics.heads);
    }
    String logId = alert.getLogId() == null ? "" : alert.getLogId();
    List<byte[]> logLeaves =
        leaves.computeIfAbsent(logId, id -> source.leaves(topics.leaves, id).hashes());
    List<Check> checks =
        AuditLogVerifier.alert(alert, keys, logLeaves, heads.getOrDefault(logId, List.of()));
    boolean ok = checks.stream().allMatch(Check::ok);
    boolean notYetCovered =
        !ok
            && checks.get(0).ok()
            && checks.get(1).detail().startsWith("no signed tree head")
            && !require;
    return new Outcome(ok || notYetCovered, checks);
  }
}
