package dev.herald.auditor.policy;

import java.util.Map;

/**
 * The auditor's policy: defaults, per-group overrides and record limits. Built by {@link
 * PolicyLoader} from YAML and validated there.
 *
 * <pre>{@code
 * AuditPolicy policy = PolicyLoader.load(Path.of("policy.yaml"));
 * GroupPolicy payments = policy.group("payments");
 * int votes = payments.quorumOf(3); // 2
 * }</pre>
 *
 * @param defaults rules for groups without an override
 * @param groups per-group rules (complete, defaults already applied)
 * @param maxRecordBytes records larger than this go to the DLQ as OVERSIZED
 */
public record AuditPolicy(
    GroupPolicy defaults, Map<String, GroupPolicy> groups, int maxRecordBytes) {

  /** The built-in policy used when no file is given. */
  public static final AuditPolicy DEFAULT =
      new AuditPolicy(GroupPolicy.DEFAULTS, Map.of(), 1 << 20);

  public AuditPolicy {
    groups = Map.copyOf(groups);
  }

  /** The rules of {@code group}. */
  public GroupPolicy group(String group) {
    return groups.getOrDefault(group, defaults);
  }
}
