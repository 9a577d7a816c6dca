package dev.herald.auditor.alerting;

import dev.herald.auditor.detect.AlertIds;
import dev.herald.auditor.detect.EvidenceRef;
import dev.herald.auditor.detect.Finding;
import dev.herald.auditor.policy.AuditPolicy;
import dev.herald.schema.AlertStatus;
import dev.herald.schema.AlertStatuses;
import dev.herald.schema.AlertType;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.Evidence;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The alert lifecycle as a pure function: (current record of an identity, finding or clock tick) →
 * (new record, alerts to publish).
 *
 * <ul>
 *   <li>One-off findings (a fact about one entity version or one identity) open an alert once; it
 *       stays OPEN until an operator acknowledges it (or, for NO_QUORUM, a late quorum resolves
 *       it).
 *   <li>Episodes (per type, group and node) open an alert, then count further occurrences and
 *       publish them as UPDATED — with the count and the latest evidence — at most once per {@link
 *       AuditPolicy#updateInterval()}, so a first (possibly planted) occurrence never hides later
 *       ones. An episode resolves when its condition clears (a silent node's heartbeat, a lagging
 *       node catching up) or after its type's quiet period ({@code resolveAfter}); an occurrence
 *       after that opens a new episode with a new alert id.
 *   <li>An operator's acknowledgement turns the alert ACKNOWLEDGED (no longer firing); a later
 *       occurrence of an episode type opens a new episode.
 * </ul>
 *
 * <p>Episode boundaries are decided only on the findings' detection times (report time), never on
 * the wall clock, so a replay of the input numbers episodes — and so alert ids — the same way; the
 * wall clock only decides when an UPDATED or a quiet RESOLVED is published ({@link #tick}).
 *
 * <pre>{@code
 * AlertBook.Step step = AlertBook.apply(null, finding, policy, false, wallNow);
 * step.publish().forEach(alert -> send(alert));
 * store.put(finding.identityKey(), step.record());
 * }</pre>
 */
public final class AlertBook {
  private AlertBook() {}

  /** How many evidence records an episode keeps: its first occurrence's and its latest one's. */
  static final int EPISODE_EVIDENCE = 4;

  /**
   * The result of one finding or tick.
   *
   * @param record the identity's new record (null: nothing to store)
   * @param publish the alerts to write to {@code herald.alerts.v1}, in order
   */
  public record Step(AlertRecord record, List<AuditAlert> publish) {
    public Step {
      publish = List.copyOf(publish);
    }

    /** The first alert to publish, if any. */
    public Optional<AuditAlert> first() {
      return publish.isEmpty() ? Optional.empty() : Optional.of(publish.get(0));
    }
  }

  /** {@link #apply(AlertRecord, Finding, AuditPolicy, boolean, long)} at wall time 0. */
  public static Step apply(
      AlertRecord current, Finding finding, AuditPolicy policy, boolean suppressLag) {
    return apply(current, finding, policy, suppressLag, 0);
  }

  /**
   * Applies {@code finding} to {@code current}.
   *
   * @param current the identity's record, or null
   * @param finding what a detector found (or an operator's acknowledgement)
   * @param policy for severities, quiet periods and the update interval
   * @param suppressLag whether the blamed node is silent or flooding (suppresses REPLICA_LAG)
   * @param wallNow the wall clock, for when updates and quiet resolutions are published
   */
  public static Step apply(
      AlertRecord current, Finding finding, AuditPolicy policy, boolean suppressLag, long wallNow) {
    boolean active = current != null && AlertStatuses.active(current.status);
    switch (finding.kind()) {
      case OPEN:
        if (current != null) {
          return new Step(current, List.of());
        }
        AlertRecord created = create(finding, policy, 1, wallNow);
        return new Step(created, List.of(toAlert(created)));
      case EPISODE:
        if (finding.type() == AlertType.REPLICA_LAG && suppressLag) {
          return new Step(current, List.of());
        }
        return episode(current, finding, policy, wallNow);
      case CAUGHT_UP:
        if (!active) {
          return new Step(current, List.of());
        }
        current.outstanding--;
        if (current.outstanding > 0) {
          return new Step(current, List.of());
        }
        return resolve(current, finding.detectedAt(), "resolved: " + finding.detail(), wallNow);
      case RESOLVE:
        if (!active) {
          return new Step(current, List.of());
        }
        return resolve(current, finding.detectedAt(), "resolved: " + finding.detail(), wallNow);
      case ACK:
        String id = finding.attributes().get("alertId");
        if (current == null
            || !current.alertId.equals(id)
            || current.status == AlertStatus.ACKNOWLEDGED) {
          return new Step(current, List.of());
        }
        current.status = AlertStatus.ACKNOWLEDGED;
        current.resolvedAt = finding.detectedAt();
        current.pendingUpdate = false;
        current.resolvedByQuiet = false;
        current.detail = current.detail + "; " + finding.detail();
        current.lastPublishedWall = wallNow;
        return new Step(current, List.of(toAlert(current)));
      default:
        throw new IllegalArgumentException("unknown finding kind " + finding.kind());
    }
  }

  /** One more occurrence of an episode type. */
  private static Step episode(AlertRecord current, Finding f, AuditPolicy policy, long wallNow) {
    Duration quiet = policy.group(f.group()).quietPeriodOf(f.type());
    if (continues(current, f, quiet)) {
      current.count++;
      current.outstanding++;
      current.lastOccurrence = occurrence(f);
      current.lastOccurrenceAt = Math.max(current.lastOccurrenceAt, f.detectedAt());
      current.lastSeenWall = wallNow;
      current.evidence = latestEvidence(current.evidence, f.evidence());
      boolean reopened = current.status == AlertStatus.RESOLVED;
      if (reopened) {
        // an occurrence within the quiet period of an episode already shown as quiet: it goes on
        current.resolvedAt = null;
        current.resolvedByQuiet = false;
      }
      if (reopened || wallNow - current.lastPublishedWall >= policy.updateInterval().toMillis()) {
        current.status = AlertStatus.UPDATED;
        current.pendingUpdate = false;
        current.lastPublishedWall = wallNow;
        return new Step(current, List.of(toAlert(current)));
      }
      current.pendingUpdate = true;
      return new Step(current, List.of());
    }
    List<AuditAlert> publish = new ArrayList<>(2);
    if (current != null && AlertStatuses.active(current.status)) {
      // the previous episode went quiet before this occurrence: it ends, a new one begins
      current.status = AlertStatus.RESOLVED;
      current.resolvedAt = current.lastOccurrenceAt + (quiet == null ? 0 : quiet.toMillis());
      current.resolvedByQuiet = true;
      current.pendingUpdate = false;
      current.detail = current.detail + "; resolved: quiet for " + describe(quiet);
      publish.add(toAlert(current));
    }
    AlertRecord next = create(f, policy, current == null ? 1 : current.episode + 1, wallNow);
    publish.add(toAlert(next));
    return new Step(next, publish);
  }

  /** Whether an occurrence belongs to the current episode (decided on detection times only). */
  private static boolean continues(AlertRecord current, Finding f, Duration quiet) {
    if (current == null || current.status == AlertStatus.ACKNOWLEDGED) {
      return false;
    }
    boolean withinQuiet =
        quiet == null || f.detectedAt() - current.lastOccurrenceAt <= quiet.toMillis();
    if (current.status == AlertStatus.RESOLVED) {
      return current.resolvedByQuiet && quiet != null && withinQuiet;
    }
    return withinQuiet;
  }

  /**
   * What the wall clock alone makes due for {@code current}: a pending UPDATED once the update
   * interval has passed, a quiet RESOLVED once the type's quiet period has passed without an
   * occurrence.
   */
  public static Step tick(AlertRecord current, AuditPolicy policy, long wallNow) {
    if (current == null || !AlertStatuses.active(current.status)) {
      return new Step(current, List.of());
    }
    Duration quiet = policy.group(current.group).quietPeriodOf(current.type);
    if (quiet != null && wallNow - current.lastSeenWall > quiet.toMillis()) {
      current.status = AlertStatus.RESOLVED;
      current.resolvedAt = current.lastOccurrenceAt + quiet.toMillis();
      current.resolvedByQuiet = true;
      current.pendingUpdate = false;
      current.detail = current.detail + "; resolved: quiet for " + describe(quiet);
      current.lastPublishedWall = wallNow;
      return new Step(current, List.of(toAlert(current)));
    }
    if (current.pendingUpdate
        && wallNow - current.lastPublishedWall >= policy.updateInterval().toMillis()) {
      current.status = AlertStatus.UPDATED;
      current.pendingUpdate = false;
      current.lastPublishedWall = wallNow;
      return new Step(current, List.of(toAlert(current)));
    }
    return new Step(current, List.of());
  }

  /** The wall time at which {@link #tick} has something to do for {@code r}, or MAX_VALUE. */
  public static long nextDue(AlertRecord r, AuditPolicy policy) {
    if (r == null || !AlertStatuses.active(r.status)) {
      return Long.MAX_VALUE;
    }
    long due = Long.MAX_VALUE;
    if (r.pendingUpdate) {
      due = r.lastPublishedWall + policy.updateInterval().toMillis();
    }
    Duration quiet = policy.group(r.group).quietPeriodOf(r.type);
    if (quiet != null) {
      due = Math.min(due, r.lastSeenWall + quiet.toMillis() + 1);
    }
    return due;
  }

  private static Step resolve(AlertRecord current, long at, String why, long wallNow) {
    current.status = AlertStatus.RESOLVED;
    current.resolvedAt = at;
    current.resolvedByQuiet = false;
    current.pendingUpdate = false;
    current.detail = current.detail + "; " + why;
    current.lastPublishedWall = wallNow;
    return new Step(current, List.of(toAlert(current)));
  }

  /** The first occurrence's evidence, then the latest occurrence's, bounded. */
  private static List<EvidenceRef> latestEvidence(
      List<EvidenceRef> kept, List<EvidenceRef> latest) {
    if (latest.isEmpty()) {
      return kept;
    }
    List<EvidenceRef> out = new ArrayList<>();
    if (!kept.isEmpty()) {
      out.add(kept.get(0));
    }
    for (EvidenceRef e : latest) {
      if (out.size() >= EPISODE_EVIDENCE) {
        break;
      }
      if (!out.contains(e)) {
        out.add(e);
      }
    }
    return out;
  }

  private static String describe(Duration d) {
    return d == null
        ? "ever"
        : d.toSeconds() % 60 == 0 ? d.toMinutes() + " min" : d.toSeconds() + " s";
  }

  private static AlertRecord create(Finding f, AuditPolicy policy, int episode, long wallNow) {
    AlertRecord r = new AlertRecord();
    r.identityKey = f.identityKey();
    r.episode = episode;
    r.alertId = AlertIds.alertId(r.identityKey, episode);
    r.type = f.type();
    r.severity = policy.group(f.group()).severityOf(f.type());
    r.status = AlertStatus.OPEN;
    r.group = f.group();
    r.entityKey = f.entityKey();
    r.version = f.version();
    r.nodes = new ArrayList<>(f.nodes());
    r.majorityHash = f.majorityHash();
    r.detail = f.detail();
    r.evidence = new ArrayList<>(f.evidence());
    r.firstEventTime = f.firstEventTime();
    r.detectedAt = f.detectedAt();
    r.count = 1;
    r.outstanding = 1;
    r.firstOccurrence = occurrence(f);
    r.lastOccurrence = r.firstOccurrence;
    r.lastOccurrenceAt = f.detectedAt();
    r.lastSeenWall = wallNow;
    r.lastPublishedWall = wallNow;
    return r;
  }

  private static String occurrence(Finding f) {
    String entity = f.attributes().get("entityKey");
    String version = f.attributes().get("version");
    if (entity == null) {
      return null;
    }
    return version == null ? entity : entity + "@" + version;
  }

  /** The Avro alert of a record (what goes to {@code herald.alerts.v1}). */
  public static AuditAlert toAlert(AlertRecord r) {
    Map<String, String> attributes = new LinkedHashMap<>();
    attributes.put("episode", Integer.toString(r.episode));
    attributes.put("count", Long.toString(r.count));
    if (r.type == AlertType.FORGED_REPORT) {
      // the named node is who the input claimed to be, not who made it
      attributes.put("role", "victim");
    }
    if (r.firstOccurrence != null) {
      attributes.put("first", r.firstOccurrence);
      attributes.put("last", r.lastOccurrence);
    }
    if (r.lastOccurrenceAt > 0) {
      attributes.put("lastSeenAt", Instant.ofEpochMilli(r.lastOccurrenceAt).toString());
    }
    List<Evidence> evidence = new ArrayList<>();
    for (EvidenceRef e : r.evidence) {
      evidence.add(
          Evidence.newBuilder()
              .setTopic(e.topic())
              .setPartition(e.partition())
              .setOffset(e.offset())
              .setNodeId(e.nodeId())
              .setKeyId(e.keyId() == null ? "" : e.keyId())
              .setBatchSeq(e.batchSeq())
              .setRecord(ByteBuffer.wrap(e.record() == null ? new byte[0] : e.record()))
              .setSignatureValid(e.signatureValid())
              .setSha256(
                  ByteBuffer.wrap(
                      e.sha256().isEmpty() ? new byte[0] : HexFormat.of().parseHex(e.sha256())))
              .build());
    }
    return AuditAlert.newBuilder()
        .setAlertId(r.alertId)
        .setType(r.type)
        .setSeverity(r.severity)
        .setStatus(r.status)
        .setGroup(r.group == null ? "" : r.group)
        .setEntityKey(r.entityKey)
        .setVersion(r.version)
        .setNodes(new ArrayList<>(r.nodes))
        .setMajorityHash(
            r.majorityHash == null
                ? null
                : ByteBuffer.wrap(HexFormat.of().parseHex(r.majorityHash)))
        .setDetail(r.detail == null ? "" : r.detail)
        .setEvidence(evidence)
        .setDetectedAt(Instant.ofEpochMilli(r.detectedAt))
        .setFirstEventTime(Instant.ofEpochMilli(r.firstEventTime))
        .setResolvedAt(r.resolvedAt == null ? null : Instant.ofEpochMilli(r.resolvedAt))
        .setAttributes(attributes)
        .build();
  }
}
