package dev.herald.producer;

/**
 * A signed batch as the broker acknowledged it, for listeners that keep or audit what was sent.
 *
 * @param topic topic written to
 * @param partition partition written to
 * @param offset offset of the record
 * @param batchSeq the batch's sequence number
 * @param reports number of reports in it
 * @param key record key bytes (UTF-8 nodeId)
 * @param value record value bytes (Confluent wire format of the {@code ReportBatch})
 */
public record SentBatch(
    String topic,
    int partition,
    long offset,
    long batchSeq,
    int reports,
    byte[] key,
    byte[] value) {}
