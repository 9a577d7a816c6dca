package dev.herald.auditor.topology;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.herald.auditor.detect.Finding;
import dev.herald.auditor.health.RegistryRetry;
import dev.herald.auditor.identity.IdentityLedger;
import dev.herald.auditor.identity.NodeHistory;
import dev.herald.auditor.identity.RegistryRules;
import dev.herald.auditor.store.JsonSerde;
import dev.herald.schema.NodeRecord;
import dev.herald.schema.Topics;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.serde.MalformedRecordException;
import java.util.Optional;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The registry's audit trail over {@code herald.nodes.v1} (one partition, so one task sees every
 * registration in order): applies {@link RegistryRules} exactly as the reconciliation's registry
 * view does, keeps each node's history in its own changelogged store ({@code herald-identities}),
 * dead-letters what the rules reject ({@code KEY_MISMATCH}, {@code INVALID_ID}, {@code WEAK_KEY},
 * {@code INVALID}) or quarantine ({@code QUARANTINED}), and raises the {@link IdentityLedger}
 * alerts: identity conflicts, confusable names, every status change, reactivation and tombstone,
 * every rejected record. While the schema registry is down a registration with a writer schema not
 * known here waits ({@link RegistryRetry#STREAM_THREADS}); it is never dead-lettered for that.
 *
 * <p>Store entries: {@code node:<id>} → the node's {@link NodeHistory} (JSON); {@code
 * skel:<skeleton>} → the first node whose id or display name has that skeleton.
 */
final class IdentityProcessor implements Processor<String, byte[], String, Emission> {
  private final AvroWireFormat<NodeRecord> format;
  private final AuditorMetrics metrics;
  private ProcessorContext<String, Emission> context;
  private KeyValueStore<String, String> identities;

  IdentityProcessor(AvroWireFormat<NodeRecord> format, AuditorMetrics metrics) {
    this.format = format;
    this.metrics = metrics;
  }

  @Override
  public void init(ProcessorContext<String, Emission> context) {
    this.context = context;
    identities = context.getStateStore(AuditorStores.IDENTITIES);
  }

  @Override
  public void process(Record<String, byte[]> record) {
    long now = Math.max(context.currentStreamTimeMs(), record.timestamp());
    NodeRecord node = null;
    if (record.value() != null) {
      try {
        node =
            RegistryRetry.STREAM_THREADS.decode(
                () -> format.deserialize(Topics.NODES, record.value()));
      } catch (MalformedRecordException e) {
        dead(record, e.reason().name(), e.getMessage(), now);
        return;
      }
    }
    long offset = context.recordMetadata().map(RecordMetadata::offset).orElse(-1L);
    RegistryRules.Decision d =
        RegistryRules.apply(view(), record.key(), node, record.timestamp(), offset);
    if (d instanceof RegistryRules.Applied a) {
      putHistory(a.history());
    } else if (d instanceof RegistryRules.Rejected r) {
      dead(record, r.reason(), r.detail(), now);
    } else if (d instanceof RegistryRules.Quarantined q) {
      dead(record, "QUARANTINED", q.detail(), now);
    } else if (d instanceof RegistryRules.Unchanged u && record.value() == null) {
      dead(record, "EMPTY", u.detail(), now);
    }
    for (Finding f : IdentityLedger.judge(d, skeletons(), now)) {
      context.forward(new Record<>(f.identityKey(), new Emission.Found(f), now));
    }
  }

  private void dead(Record<String, byte[]> record, String reason, String detail, long now) {
    metrics.deadLetter(reason);
    context.forward(
        DeadLetters.of(record, context.recordMetadata().orElse(null), reason, detail, now));
  }

  private void putHistory(NodeHistory h) {
    try {
      identities.put("node:" + h.nodeId(), JsonSerde.MAPPER.writeValueAsString(h));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot store the history of node " + h.nodeId(), e);
    }
  }

  private Optional<NodeHistory> history(String nodeId) {
    String json = identities.get("node:" + nodeId);
    if (json == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(JsonSerde.MAPPER.readValue(json, NodeHistory.class));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("corrupt identity entry for node " + nodeId, e);
    }
  }

  private RegistryRules.View view() {
    return new RegistryRules.View() {
      @Override
      public Optional<NodeHistory> history(String nodeId) {
        return IdentityProcessor.this.history(nodeId);
      }

      @Override
      public Optional<String> otherOwnerOfKey(String publicKeyHex, String except) {
        // every node that ever had the key, in node-id order (as the reconciliation's view scans)
        try (KeyValueIterator<String, String> it = identities.range("node:", "node;")) {
          while (it.hasNext()) {
            var kv = it.next();
            String id = kv.key.substring("node:".length());
            if (!id.equals(except) && history(id).map(h -> h.usedKey(publicKeyHex)).orElse(false)) {
              return Optional.of(id);
            }
          }
        }
        return Optional.empty();
      }
    };
  }

  private IdentityLedger.Skeletons skeletons() {
    return new IdentityLedger.Skeletons() {
      @Override
      public Optional<String> owner(String skeleton) {
        return Optional.ofNullable(identities.get("skel:" + skeleton));
      }

      @Override
      public void put(String skeleton, String nodeId) {
        identities.put("skel:" + skeleton, nodeId);
      }
    };
  }
}
