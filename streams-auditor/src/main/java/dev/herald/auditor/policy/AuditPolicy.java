package dev.herald.auditor.policy;

import java.time.Duration;
import java.util.Map;

/**
 * The auditor's policy: defaults, per-group overrides, record limits and the rules of time. Built
 * by {@link PolicyLoader} from YAML and validated there.
 *
 * <pre>{@code
 * AuditPolicy policy = PolicyLoader.load(Path.of("policy.yaml"));
 * GroupPolicy payments = policy.group("payments");
 * int votes = payments.quorumOf(3); // 2
 * }</pre>
 *
 * @param defaults rules for groups without an override
 * @param groups per-group rules (complete, defaults already applied)
 * @param maxRecordBytes records larger than this go to the DLQ as OVERSIZED; the default leaves
 *     room, within a broker's default 1 MiB record limit, for the dead letter that embeds one
 * @param clockSkew how far ahead of the auditor's wall clock a record timestamp may be; later
 *     timestamps are clamped to wall clock + skew, so no writer can push the judging clock ahead
 * @param keyRotationGrace how long after a key rotation (broker time of the registration) batches
 *     and heartbeats signed with the previous key are still honoured
 * @param updateInterval an open episode's new occurrences are published (UPDATED, with the count
 *     and latest evidence) at most once per this interval
 * @param claims how long and how many of each node's signed claims are kept beyond the closed
 *     window (late equivocation)
 * @param state entity eviction and per-node entity quotas
 */
public record AuditPolicy(
    GroupPolicy defaults,
    Map<String, GroupPolicy> groups,
    int maxRecordBytes,
    Duration clockSkew,
    Duration keyRotationGrace,
    Duration updateInterval,
    ClaimsPolicy claims,
    StatePolicy state) {

  /** Default {@link #updateInterval}. */
  public static final Duration DEFAULT_UPDATE_INTERVAL = Duration.ofSeconds(5);

  /** Default {@link #maxRecordBytes}: half of a broker's default record limit. */
  public static final int DEFAULT_MAX_RECORD_BYTES = 512 * 1024;

  /** Default {@link #clockSkew}. */
  public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(2);

  /** Default {@link #keyRotationGrace}. */
  public static final Duration DEFAULT_KEY_ROTATION_GRACE = Duration.ofMinutes(5);

  /** The built-in policy used when no file is given. */
  public static final AuditPolicy DEFAULT =
      new AuditPolicy(GroupPolicy.DEFAULTS, Map.of(), DEFAULT_MAX_RECORD_BYTES);

  public AuditPolicy {
    groups = Map.copyOf(groups);
    if (clockSkew == null || clockSkew.isNegative()) {
      throw new IllegalArgumentException("clockSkew must be zero or positive");
    }
    if (keyRotationGrace == null || keyRotationGrace.isNegative()) {
      throw new IllegalArgumentException("keyRotationGrace must be zero or positive");
    }
    if (updateInterval == null || updateInterval.isNegative()) {
      throw new IllegalArgumentException("updateInterval must be zero or positive");
    }
    claims = claims == null ? ClaimsPolicy.DEFAULT : claims;
    if (state == null) {
      throw new IllegalArgumentException("state must be set (StatePolicy.DEFAULT)");
    }
  }

  /** A policy with the default claims retention and cap and the default state bounds. */
  public AuditPolicy(
      GroupPolicy defaults,
      Map<String, GroupPolicy> groups,
      int maxRecordBytes,
      Duration clockSkew,
      Duration keyRotationGrace,
      Duration updateInterval) {
    this(
        defaults,
        groups,
        maxRecordBytes,
        clockSkew,
        keyRotationGrace,
        updateInterval,
        ClaimsPolicy.DEFAULT,
        StatePolicy.DEFAULT);
  }

  /** A policy with the default rules of time and alert updates. */
  public AuditPolicy(GroupPolicy defaults, Map<String, GroupPolicy> groups, int maxRecordBytes) {
    this(
        defaults,
        groups,
        maxRecordBytes,
        DEFAULT_CLOCK_SKEW,
        DEFAULT_KEY_ROTATION_GRACE,
        DEFAULT_UPDATE_INTERVAL);
  }

  /** A policy with the default alert update interval. */
  public AuditPolicy(
      GroupPolicy defaults,
      Map<String, GroupPolicy> groups,
      int maxRecordBytes,
      Duration clockSkew,
      Duration keyRotationGrace) {
    this(defaults, groups, maxRecordBytes, clockSkew, keyRotationGrace, DEFAULT_UPDATE_INTERVAL);
  }

  /** The rules of {@code group}. */
  public GroupPolicy group(String group) {
    return groups.getOrDefault(group, defaults);
  }

  /** This policy with another key-rotation grace. */
  public AuditPolicy withKeyRotationGrace(Duration grace) {
    return new AuditPolicy(
        defaults, groups, maxRecordBytes, clockSkew, grace, updateInterval, claims, state);
  }

  /** This policy with another clock skew. */
  public AuditPolicy withClockSkew(Duration skew) {
    return new AuditPolicy(
        defaults, groups, maxRecordBytes, skew, keyRotationGrace, updateInterval, claims, state);
  }

  /** This policy with another alert update interval. */
  public AuditPolicy withUpdateInterval(Duration interval) {
    return new AuditPolicy(
        defaults, groups, maxRecordBytes, clockSkew, keyRotationGrace, interval, claims, state);
  }

  /** This policy with another claims retention and cap. */
  public AuditPolicy withClaims(ClaimsPolicy claims) {
    return new AuditPolicy(
        defaults,
        groups,
        maxRecordBytes,
        clockSkew,
        keyRotationGrace,
        updateInterval,
        claims,
        state);
  }

  /** This policy with other state bounds. */
  public AuditPolicy withState(StatePolicy bounds) {
    return new AuditPolicy(
        defaults,
        groups,
        maxRecordBytes,
        clockSkew,
        keyRotationGrace,
        updateInterval,
        claims,
        bounds);
  }
}
