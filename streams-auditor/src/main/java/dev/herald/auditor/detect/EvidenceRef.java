package dev.herald.auditor.detect;

/**
 * Where a signed batch that proves an alert was read, and optionally its original bytes.
 *
 * @param topic topic of the batch
 * @param partition partition
 * @param offset offset
 * @param nodeId signer
 * @param keyId key id written in the batch
 * @param batchSeq batch sequence number
 * @param record the original record value (Confluent wire format), or null when only the
 *     coordinates are kept
 * @param signatureValid what the auditor found when it verified the signature
 */
public record EvidenceRef(
    String topic,
    int partition,
    long offset,
    String nodeId,
    String keyId,
    long batchSeq,
    byte[] record,
    boolean signatureValid) {

  /** The same reference without the bytes (what open versions keep in state). */
  public EvidenceRef withoutRecord() {
    return record == null
        ? this
        : new EvidenceRef(topic, partition, offset, nodeId, keyId, batchSeq, null, signatureValid);
  }
}
