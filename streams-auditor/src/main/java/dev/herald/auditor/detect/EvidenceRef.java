package dev.herald.auditor.detect;

import dev.herald.schema.canonical.Hashing;

/**
 * Where a signed batch that proves an alert was read, its SHA-256, and optionally its original
 * bytes. Alerts always carry the coordinates and the hash (anyone can fetch the record and check
 * it); the bytes only while an alert's evidence stays within its size budget, so no alert can grow
 * past what the broker accepts.
 *
 * @param topic topic of the batch
 * @param partition partition
 * @param offset offset
 * @param nodeId signer (or claimed signer)
 * @param keyId key id written in the batch
 * @param batchSeq batch sequence number
 * @param record the original record value (Confluent wire format), or null when only the
 *     coordinates are kept
 * @param signatureValid what the auditor found when it verified the signature
 * @param sha256 lower-case hex SHA-256 of the original record value ("" when unknown)
 */
public record EvidenceRef(
    String topic,
    int partition,
    long offset,
    String nodeId,
    String keyId,
    long batchSeq,
    byte[] record,
    boolean signatureValid,
    String sha256) {

  public EvidenceRef {
    if (sha256 == null || sha256.isEmpty()) {
      sha256 = record == null ? "" : Hashing.hex(Hashing.sha256(record));
    }
  }

  /** A reference whose hash is taken from {@code record} (or unknown when it is null). */
  public EvidenceRef(
      String topic,
      int partition,
      long offset,
      String nodeId,
      String keyId,
      long batchSeq,
      byte[] record,
      boolean signatureValid) {
    this(topic, partition, offset, nodeId, keyId, batchSeq, record, signatureValid, "");
  }

  /** The same reference without the bytes (what open versions keep in state). */
  public EvidenceRef withoutRecord() {
    return record == null
        ? this
        : new EvidenceRef(
            topic, partition, offset, nodeId, keyId, batchSeq, null, signatureValid, sha256);
  }

  /** The same reference carrying {@code bytes} (whose hash must be this reference's). */
  public EvidenceRef withRecord(byte[] bytes) {
    return new EvidenceRef(
        topic, partition, offset, nodeId, keyId, batchSeq, bytes, signatureValid, sha256);
  }
}
