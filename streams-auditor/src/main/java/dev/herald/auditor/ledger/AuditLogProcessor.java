package dev.herald.auditor.ledger;

import dev.herald.schema.AuditAlert;
import dev.herald.schema.LogLeaf;
import dev.herald.schema.TreeHead;
import dev.herald.schema.ledger.AuditorSignatures;
import dev.herald.schema.ledger.CompactRange;
import java.nio.ByteBuffer;
import java.time.Instant;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Merkle log per task: {@code logId = <application.id>/<name>/<partition>}. The log's order is
 * the order in which this task publishes alerts — a single writer (the task's owner, fenced by
 * exactly-once transactions), so no two writers ever append to one log. Its state is the {@link
 * CompactRange} (size and at most 64 subtree roots) and the size of the last published head, in a
 * changelogged store updated in the same transaction as the alert, its leaf and the head: a restart
 * or a task move resumes exactly where the last committed transaction left the log, so the log
 * never forks and never repeats an index.
 */
final class AuditLogProcessor implements Processor<String, AuditAlert, String, SpecificRecord> {
  private static final Logger LOG = LoggerFactory.getLogger(AuditLogProcessor.class);

  private final String storeName;
  private final String name;
  private ProcessorContext<String, SpecificRecord> context;
  private KeyValueStore<String, byte[]> store;
  private AuditorIdentity identity;
  private String logId;

  AuditLogProcessor(String storeName, String name) {
    this.storeName = storeName;
    this.name = name;
  }

  @Override
  public void init(ProcessorContext<String, SpecificRecord> context) {
    this.context = context;
    store = context.getStateStore(storeName);
    Object configured = context.appConfigs().get(AuditLog.CONFIG);
    identity = configured instanceof AuditorIdentity i ? i : null;
    logId = context.applicationId() + "/" + name + "/" + context.taskId().partition();
    if (identity != null) {
      context.schedule(
          identity.treeHeadInterval(), PunctuationType.WALL_CLOCK_TIME, this::publishHead);
    }
  }

  @Override
  public void process(Record<String, AuditAlert> record) {
    AuditAlert alert = record.value();
    if (alert == null || identity == null) {
      context.forward(record.withValue(alert));
      return;
    }
    CompactRange log = range();
    alert.setLogId(logId);
    alert.setLogIndex(log.size());
    AuditorSignatures.sign(alert, identity.key(), identity.auditorId());
    byte[] leaf = AuditorSignatures.leafHash(alert);
    store.put(logId, log.append(leaf).encode());
    context.forward(record.withValue(alert));
    context.forward(
        new Record<String, SpecificRecord>(
            logId,
            LogLeaf.newBuilder()
                .setLogId(logId)
                .setIndex(log.size())
                .setAlertId(alert.getAlertId())
                .setLeafHash(ByteBuffer.wrap(leaf))
                .build(),
            record.timestamp()));
  }

  private CompactRange range() {
    byte[] stored = store.get(logId);
    return stored == null ? CompactRange.EMPTY : CompactRange.decode(stored);
  }

  private void publishHead(long wallNow) {
    CompactRange log = range();
    String headKey = logId + "#head";
    byte[] last = store.get(headKey);
    long published = last == null ? 0 : ByteBuffer.wrap(last).getLong();
    if (log.size() == 0 || log.size() == published) {
      return;
    }
    TreeHead head =
        AuditorSignatures.sign(
            TreeHead.newBuilder()
                .setLogId(logId)
                .setAuditorId(identity.auditorId())
                .setKeyId(identity.key().keyId())
                .setTreeSize(log.size())
                .setRootHash(ByteBuffer.wrap(log.root()))
                .setTimestamp(Instant.ofEpochMilli(wallNow))
                .setSignature(ByteBuffer.allocate(0))
                .build(),
            identity.key());
    store.put(headKey, ByteBuffer.allocate(8).putLong(log.size()).array());
    context.forward(new Record<String, SpecificRecord>(logId, head, wallNow));
    LOG.debug("tree head logId={} size={}", logId, log.size());
  }
}
