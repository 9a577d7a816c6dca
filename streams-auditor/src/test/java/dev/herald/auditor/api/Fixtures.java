package dev.herald.auditor.api;

import dev.herald.schema.AlertStatus;
import dev.herald.schema.AlertType;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.Evidence;
import dev.herald.schema.NodeRecord;
import dev.herald.schema.ReportBatch;
import dev.herald.schema.Severity;
import dev.herald.schema.StateChange;
import dev.herald.schema.Topics;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.signing.Ed25519;
import dev.herald.testsupport.Fleet;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Real signed records for the API tests. */
final class Fixtures {
  private Fixtures() {}

  static Ed25519.KeyPair key(int seed) {
    return Fleet.filledKey(seed);
  }

  static NodeRecord node(String id, Ed25519.KeyPair key, String group) {
    return Fleet.node(
        id,
        id,
        key.publicKey(),
        "eu-west",
        List.of(group),
        Instant.parse("2026-01-01T00:00:00Z"),
        null);
  }

  static ReportBatch batch(
      String node, Ed25519.KeyPair key, String group, String entity, long version, String state) {
    Instant at = Instant.parse("2026-01-01T00:00:01Z");
    StateChange sc = Fleet.change(node, group, entity, version, "prev", state, "op-" + version);
    sc.setEventTime(at);
    return Fleet.sign(Fleet.batch(node, key.keyId(), 0, version, at, List.of(sc)), key);
  }

  static Evidence evidence(AvroWireFormat<ReportBatch> format, ReportBatch b, long offset) {
    return Evidence.newBuilder()
        .setTopic(Topics.STATE_CHANGES)
        .setPartition(b.getPartition())
        .setOffset(offset)
        .setNodeId(b.getNodeId())
        .setKeyId(b.getKeyId())
        .setBatchSeq(b.getBatchSeq())
        .setRecord(ByteBuffer.wrap(format.serialize(Topics.STATE_CHANGES, b)))
        .setSignatureValid(true)
        .build();
  }

  static AuditAlert.Builder alert(
      String id, AlertType type, Severity severity, String group, Instant detectedAt) {
    return AuditAlert.newBuilder()
        .setAlertId(id)
        .setType(type)
        .setSeverity(severity)
        .setStatus(AlertStatus.OPEN)
        .setGroup(group)
        .setEntityKey("acct-1")
        .setVersion(7L)
        .setNodes(List.of("node-c"))
        .setDetail(type + " on acct-1 v7")
        .setEvidence(List.of())
        .setDetectedAt(detectedAt)
        .setFirstEventTime(detectedAt.minusMillis(250))
        .setAttributes(Map.of());
  }

  /** An equivocation by node-c: two validly signed batches with different state for acct-1 v7. */
  static AuditAlert equivocation(
      AvroWireFormat<ReportBatch> format, Ed25519.KeyPair key, Instant at) {
    ReportBatch one = batch("node-c", key, "payments", "acct-1", 7, "balance=100");
    ReportBatch two = batch("node-c", key, "payments", "acct-1", 7, "balance=999");
    return alert(
            "eq-" + at.toEpochMilli(), AlertType.EQUIVOCATION, Severity.CRITICAL, "payments", at)
        .setEvidence(List.of(evidence(format, one, 10), evidence(format, two, 11)))
        .build();
  }
}
