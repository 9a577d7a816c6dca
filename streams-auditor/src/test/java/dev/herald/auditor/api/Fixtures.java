package dev.herald.auditor.api;

import dev.herald.schema.AlertStatus;
import dev.herald.schema.AlertType;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.Evidence;
import dev.herald.schema.NodeRecord;
import dev.herald.schema.NodeStatus;
import dev.herald.schema.ReportBatch;
import dev.herald.schema.Severity;
import dev.herald.schema.StateChange;
import dev.herald.schema.Topics;
import dev.herald.schema.canonical.Hashing;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.signing.BatchSignatures;
import dev.herald.schema.signing.Ed25519;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Real signed records for the API tests. */
final class Fixtures {
  private Fixtures() {}

  static Ed25519.KeyPair key(int seed) {
    byte[] s = new byte[32];
    Arrays.fill(s, (byte) seed);
    return Ed25519.fromSeed(s);
  }

  static NodeRecord node(String id, Ed25519.KeyPair key, String group) {
    return NodeRecord.newBuilder()
        .setNodeId(id)
        .setDisplayName(id)
        .setPublicKey(ByteBuffer.wrap(key.publicKey()))
        .setRegion("eu-west")
        .setGroups(List.of(group))
        .setStatus(NodeStatus.ACTIVE)
        .setRegisteredAt(Instant.parse("2026-01-01T00:00:00Z"))
        .build();
  }

  static ReportBatch batch(
      String node, Ed25519.KeyPair key, String group, String entity, long version, String state) {
    StateChange sc =
        StateChange.newBuilder()
            .setEventId(node + "-" + entity + "-" + version + "-" + state)
            .setGroup(group)
            .setEntityKey(entity)
            .setVersion(version)
            .setNodeId(node)
            .setPrevStateHash(
                ByteBuffer.wrap(Hashing.sha256("prev".getBytes(StandardCharsets.UTF_8))))
            .setStateHash(ByteBuffer.wrap(Hashing.sha256(state.getBytes(StandardCharsets.UTF_8))))
            .setOpId("op-" + version)
            .setOpDigest(
                ByteBuffer.wrap(Hashing.sha256(("op-" + version).getBytes(StandardCharsets.UTF_8))))
            .setEventTime(Instant.parse("2026-01-01T00:00:01Z"))
            .setAttributes(Map.of())
            .build();
    ReportBatch b =
        ReportBatch.newBuilder()
            .setNodeId(node)
            .setKeyId(key.keyId())
            .setPartition(0)
            .setBatchSeq(version)
            .setCreatedAt(Instant.parse("2026-01-01T00:00:01Z"))
            .setReports(List.of(sc))
            .setSignature(ByteBuffer.allocate(0))
            .build();
    return BatchSignatures.sign(b, key.privateKey());
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
