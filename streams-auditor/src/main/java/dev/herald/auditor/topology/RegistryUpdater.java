package dev.herald.auditor.topology;

import dev.herald.auditor.health.RegistryRetry;
import dev.herald.auditor.identity.NodeHistory;
import dev.herald.auditor.identity.RegistryRules;
import dev.herald.schema.NodeRecord;
import dev.herald.schema.Topics;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.serde.MalformedRecordException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the global registry store (nodeId → {@link NodeHistory}) from {@code herald.nodes.v1} by
 * {@link RegistryRules}: every applied registration, rotation, status change and tombstone is an
 * entry timed by its broker time, so admission can judge a record against the node as it was when
 * the record arrived. Rejected and quarantined records are skipped here; the identity application
 * (the same rules on the same topic) dead-letters them and raises their alerts. The topic is
 * append-only, so this store is rebuilt, history included, from the topic alone on every start.
 *
 * <p>A registration whose writer schema is not known here while the schema registry is down is
 * never skipped: this thread (the global-store thread, which holds no transaction and no group
 * membership) waits until the registry answers ({@link RegistryRetry#UNTIL_ANSWERED}), so every
 * registration is applied, in order. Herald's own schemas are known without the registry after the
 * first run (see {@code RememberingSchemaRegistryClient}).
 */
final class RegistryUpdater implements Processor<byte[], byte[], Void, Void> {
  private static final Logger LOG = LoggerFactory.getLogger(RegistryUpdater.class);
  private final AvroWireFormat<NodeRecord> format;
  private final RegistryChanges changes;
  private ProcessorContext<Void, Void> context;
  private KeyValueStore<String, NodeHistory> store;

  RegistryUpdater(AvroWireFormat<NodeRecord> format, RegistryChanges changes) {
    this.format = format;
    this.changes = changes;
  }

  @Override
  public void init(ProcessorContext<Void, Void> context) {
    this.context = context;
    store = context.getStateStore(AuditorStores.REGISTRY);
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
    NodeRecord node = null;
    if (record.value() != null) {
      try {
        node =
            RegistryRetry.UNTIL_ANSWERED.decode(
                () -> format.deserialize(Topics.NODES, record.value()));
      } catch (MalformedRecordException e) {
        LOG.warn("skipping undecodable registration key={} reason={}", key, e.reason());
        return;
      }
    }
    long offset = context.recordMetadata().map(RecordMetadata::offset).orElse(-1L);
    RegistryRules.Decision d =
        RegistryRules.apply(view(store), key, node, record.timestamp(), offset);
    if (d instanceof RegistryRules.Applied a) {
      store.put(a.history().nodeId(), a.history());
      changes.applied();
    } else if (d instanceof RegistryRules.Rejected r) {
      LOG.warn(
          "registration not applied reason={} nodeId={} detail={}",
          r.reason(),
          r.nodeId(),
          r.detail());
    } else if (d instanceof RegistryRules.Quarantined q) {
      LOG.warn("registration quarantined nodeId={} detail={}", q.nodeId(), q.detail());
    }
  }

  /** The rules' view of a registry store (key owners found by a scan: registrations are rare). */
  static RegistryRules.View view(KeyValueStore<String, NodeHistory> store) {
    return new RegistryRules.View() {
      @Override
      public Optional<NodeHistory> history(String nodeId) {
        return Optional.ofNullable(store.get(nodeId));
      }

      @Override
      public Optional<String> otherOwnerOfKey(String publicKeyHex, String except) {
        try (KeyValueIterator<String, NodeHistory> it = store.all()) {
          while (it.hasNext()) {
            NodeHistory h = it.next().value;
            if (h != null && !h.nodeId().equals(except) && h.usedKey(publicKeyHex)) {
              return Optional.of(h.nodeId());
            }
          }
        }
        return Optional.empty();
      }
    };
  }
}
