package dev.herald.auditor.topology;

import dev.herald.auditor.health.RegistryRetry;
import dev.herald.auditor.identity.RegisteredNode;
import dev.herald.schema.NodeRecord;
import dev.herald.schema.Topics;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.serde.MalformedRecordException;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the global registry store from {@code herald.nodes.v1}. Undecodable registrations are
 * skipped here with a warning; the identity application sends them to the DLQ.
 *
 * <p>A registration whose writer schema is not known here while the schema registry is down is
 * never skipped: this thread (the global-store thread, which holds no transaction and no group
 * membership) waits until the registry answers ({@link RegistryRetry#UNTIL_ANSWERED}), so every
 * registration is applied, in order. Herald's own schemas are known without the registry after the
 * first run (see {@code RememberingSchemaRegistryClient}).
 */
final class RegistryUpdater implements Processor<String, byte[], Void, Void> {
  private static final Logger LOG = LoggerFactory.getLogger(RegistryUpdater.class);
  private final AvroWireFormat<NodeRecord> format;
  private KeyValueStore<String, RegisteredNode> store;

  RegistryUpdater(AvroWireFormat<NodeRecord> format) {
    this.format = format;
  }

  @Override
  public void init(ProcessorContext<Void, Void> context) {
    store = context.getStateStore(AuditorStores.REGISTRY);
  }

  @Override
  public void process(Record<String, byte[]> record) {
    if (record.value() == null) {
      if (record.key() != null) {
        store.delete(record.key());
      }
      return;
    }
    try {
      NodeRecord node =
          RegistryRetry.UNTIL_ANSWERED.decode(
              () -> format.deserialize(Topics.NODES, record.value()));
      store.put(node.getNodeId(), RegisteredNode.of(node, record.timestamp()));
    } catch (MalformedRecordException e) {
      LOG.warn("skipping undecodable registration key={} reason={}", record.key(), e.reason());
    }
  }
}
