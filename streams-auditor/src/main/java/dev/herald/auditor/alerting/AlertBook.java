package dev.herald.auditor.alerting;

import dev.herald.auditor.detect.AlertIds;
import dev.herald.auditor.detect.EvidenceRef;
import dev.herald.auditor.detect.Finding;
import dev.herald.auditor.policy.AuditPolicy;
import dev.herald.schema.AlertStatus;
import dev.herald.schema.AlertType;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.Evidence;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The alert lifecycle OPEN → RESOLVED as a pure function: (current record of an identity, finding)
 * → (new record, alert to publish). An identity is published OPEN once per episode; episodes only
 * count further occurrences; a one-off alert seen again is ignored; a RESOLVED record keeps the
 * alert id of its OPEN.
 *
 * <pre>{@code
 * AlertBook.Step step = AlertBook.apply(null, finding, policy, false);
 * step.publish().ifPresent(alert -> send(alert));
 * store.put(finding.identityKey(), step.record());
 * }</pre>
 */
public final class AlertBook {
  private AlertBook() {}

  /**
   * The result of one finding.
   *
   * @param record the identity's new record (null: nothing to store)
   * @param publish the alert to write to {@code herald.alerts.v1}, if any
   */
  public record Step(AlertRecord record, Optional<AuditAlert> publish) {}

  /**
   * Applies {@code finding} to {@code current}.
   *
   * @param current the identity's record, or null
   * @param finding what a detector found
   * @param policy for severities
   * @param nodeSilent whether the blamed node is currently NODE_SILENT (suppresses REPLICA_LAG)
   */
  public static Step apply(
      AlertRecord current, Finding finding, AuditPolicy policy, boolean nodeSilent) {
    boolean open = current != null && current.status == AlertStatus.OPEN;
    switch (finding.kind()) {
      case OPEN:
        if (current != null) {
          return new Step(current, Optional.empty());
        }
        AlertRecord created = create(finding, policy, 1);
        return new Step(created, Optional.of(toAlert(created)));
      case EPISODE:
        if (finding.type() == AlertType.REPLICA_LAG && nodeSilent) {
          return new Step(current, Optional.empty());
        }
        if (open) {
          current.count++;
          current.outstanding++;
          current.lastOccurrence = occurrence(finding);
          return new Step(current, Optional.empty());
        }
        AlertRecord episode = create(finding, policy, current == null ? 1 : current.episode + 1);
        return new Step(episode, Optional.of(toAlert(episode)));
      case CAUGHT_UP:
        if (!open) {
          return new Step(current, Optional.empty());
        }
        current.outstanding--;
        if (current.outstanding > 0) {
          return new Step(current, Optional.empty());
        }
        return resolve(current, finding);
      case RESOLVE:
        if (!open) {
          return new Step(current, Optional.empty());
        }
        return resolve(current, finding);
      default:
        throw new IllegalArgumentException("unknown finding kind " + finding.kind());
    }
  }

  private static Step resolve(AlertRecord current, Finding finding) {
    current.status = AlertStatus.RESOLVED;
    current.resolvedAt = finding.detectedAt();
    current.detail = current.detail + "; resolved: " + finding.detail();
    return new Step(current, Optional.of(toAlert(current)));
  }

  private static AlertRecord create(Finding f, AuditPolicy policy, int episode) {
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
        .setDetectedAt(java.time.Instant.ofEpochMilli(r.detectedAt))
        .setFirstEventTime(java.time.Instant.ofEpochMilli(r.firstEventTime))
        .setResolvedAt(r.resolvedAt == null ? null : java.time.Instant.ofEpochMilli(r.resolvedAt))
        .setAttributes(attributes)
        .build();
  }
}
