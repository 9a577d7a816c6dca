package dev.herald.producer;

/**
 * Where an acknowledged report was written.
 *
 * @param eventId the report's event id
 * @param partition partition of {@code herald.state-changes.v1}
 * @param batchSeq sequence number of the signed batch that carried it
 * @param offset offset of that batch's record
 */
public record ReportReceipt(String eventId, int partition, long batchSeq, long offset) {}
