package dev.herald.auditor.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.herald.schema.AlertStatus;
import dev.herald.schema.AlertType;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.Evidence;
import dev.herald.schema.Severity;
import dev.herald.schema.canonical.Hashing;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The JSON form of an {@link AuditAlert} used by the API, the SSE stream, webhooks and {@code
 * herald alerts -o json}: times as ISO-8601, hashes as hex, evidence records as base64 (so {@code
 * herald verify alert.json} can re-check them).
 *
 * <pre>{@code
 * Map<String, Object> json = AlertJson.toJson(alert, true);
 * AuditAlert back = AlertJson.fromJson(objectMapper.valueToTree(json));
 * }</pre>
 */
public final class AlertJson {
  private AlertJson() {}

  /** The alert as a JSON-ready map; evidence records included only when {@code withEvidence}. */
  public static Map<String, Object> toJson(AuditAlert a, boolean withEvidence) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("alertId", a.getAlertId());
    m.put("type", a.getType().name());
    m.put("severity", a.getSeverity().name());
    m.put("status", a.getStatus().name());
    m.put("group", a.getGroup());
    m.put("entityKey", a.getEntityKey());
    m.put("version", a.getVersion());
    m.put("nodes", List.copyOf(a.getNodes()));
    m.put("majorityHash", a.getMajorityHash() == null ? null : Hashing.hex(a.getMajorityHash()));
    m.put("detail", a.getDetail());
    m.put("detectedAt", a.getDetectedAt().toString());
    m.put("firstEventTime", a.getFirstEventTime().toString());
    m.put("resolvedAt", a.getResolvedAt() == null ? null : a.getResolvedAt().toString());
    m.put("attributes", new TreeMap<>(a.getAttributes()));
    List<Map<String, Object>> evidence = new ArrayList<>();
    for (Evidence e : a.getEvidence()) {
      Map<String, Object> em = new LinkedHashMap<>();
      em.put("topic", e.getTopic());
      em.put("partition", e.getPartition());
      em.put("offset", e.getOffset());
      em.put("nodeId", e.getNodeId());
      em.put("keyId", e.getKeyId());
      em.put("batchSeq", e.getBatchSeq());
      em.put("signatureValid", e.getSignatureValid());
      if (withEvidence) {
        em.put("record", Base64.getEncoder().encodeToString(NodeView.bytes(e.getRecord())));
        em.put("sha256", Hashing.hex(e.getSha256()));
      }
      evidence.add(em);
    }
    m.put("evidence", evidence);
    // the auditor's signature covers every field (CanonicalEncoding.auditAlert): kept verbatim
    if (a.getAuditorSignature() != null) {
      m.put("auditorId", a.getAuditorId());
      m.put("auditorKeyId", a.getAuditorKeyId());
      m.put("logId", a.getLogId());
      m.put("logIndex", a.getLogIndex());
      m.put(
          "auditorSignature",
          Base64.getEncoder().encodeToString(NodeView.bytes(a.getAuditorSignature())));
    }
    return m;
  }

  /**
   * Reads the JSON form back; throws {@link IllegalArgumentException} naming the missing or bad
   * field.
   */
  public static AuditAlert fromJson(JsonNode n) {
    List<Evidence> evidence = new ArrayList<>();
    for (JsonNode e : n.path("evidence")) {
      evidence.add(
          Evidence.newBuilder()
              .setTopic(text(e, "topic"))
              .setPartition(e.path("partition").asInt())
              .setOffset(e.path("offset").asLong())
              .setNodeId(text(e, "nodeId"))
              .setKeyId(text(e, "keyId"))
              .setBatchSeq(e.path("batchSeq").asLong())
              .setSignatureValid(e.path("signatureValid").asBoolean())
              .setRecord(ByteBuffer.wrap(base64(e, "record")))
              .setSha256(ByteBuffer.wrap(HexFormat.of().parseHex(e.path("sha256").asText(""))))
              .build());
    }
    List<String> nodes = new ArrayList<>();
    n.path("nodes").forEach(x -> nodes.add(x.asText()));
    Map<String, String> attributes = new HashMap<>();
    n.path("attributes")
        .fields()
        .forEachRemaining(f -> attributes.put(f.getKey(), f.getValue().asText()));
    try {
      return AuditAlert.newBuilder()
          .setAlertId(text(n, "alertId"))
          .setType(AlertType.valueOf(text(n, "type")))
          .setSeverity(Severity.valueOf(text(n, "severity")))
          .setStatus(AlertStatus.valueOf(text(n, "status")))
          .setGroup(n.path("group").asText(""))
          .setEntityKey(n.hasNonNull("entityKey") ? n.get("entityKey").asText() : null)
          .setVersion(n.hasNonNull("version") ? n.get("version").asLong() : null)
          .setNodes(nodes)
          .setMajorityHash(
              n.hasNonNull("majorityHash")
                  ? ByteBuffer.wrap(HexFormat.of().parseHex(n.get("majorityHash").asText()))
                  : null)
          .setDetail(n.path("detail").asText(""))
          .setEvidence(evidence)
          .setDetectedAt(Instant.parse(text(n, "detectedAt")))
          .setFirstEventTime(Instant.parse(text(n, "firstEventTime")))
          .setResolvedAt(
              n.hasNonNull("resolvedAt") ? Instant.parse(n.get("resolvedAt").asText()) : null)
          .setAttributes(attributes)
          .setAuditorId(n.hasNonNull("auditorId") ? n.get("auditorId").asText() : null)
          .setAuditorKeyId(n.hasNonNull("auditorKeyId") ? n.get("auditorKeyId").asText() : null)
          .setLogId(n.hasNonNull("logId") ? n.get("logId").asText() : null)
          .setLogIndex(n.hasNonNull("logIndex") ? n.get("logIndex").asLong() : null)
          .setAuditorSignature(
              n.hasNonNull("auditorSignature")
                  ? ByteBuffer.wrap(base64(n, "auditorSignature"))
                  : null)
          .build();
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "not an alert in Herald's JSON form: " + e.getMessage(), e);
    }
  }

  private static String text(JsonNode n, String field) {
    if (!n.hasNonNull(field)) {
      throw new IllegalArgumentException("field '" + field + "' is missing");
    }
    return n.get(field).asText();
  }

  private static byte[] base64(JsonNode n, String field) {
    try {
      return Base64.getDecoder().decode(text(n, field));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "evidence field '" + field + "' is not base64: " + e.getMessage(), e);
    }
  }
}
