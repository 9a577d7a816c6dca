package dev.herald.auditor.topology;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.herald.auditor.detect.Finding;
import dev.herald.auditor.health.RegistryRetry;
import dev.herald.auditor.identity.IdentityLedger;
import dev.herald.auditor.identity.RegisteredNode;
import dev.herald.schema.NodeRecord;
import dev.herald.schema.Topics;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.serde.MalformedRecordException;
import java.util.Optional;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * IDENTITY_CONFLICT and CONFUSABLE_IDENTITY over the registrations in {@code herald.nodes.v1} (one
 * partition, so one task sees every registration in order). Publishes alerts straight to the alert
 * lifecycle of its own application; undecodable registrations go to the DLQ. While the schema
 * registry is down a registration with a writer schema not known here waits ({@link
 * RegistryRetry#STREAM_THREADS}); it is never dead-lettered for that.
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
    if (record.value() == null) {
      return; // compaction tombstone: the node was deleted; nothing to audit
    }
    NodeRecord node;
    try {
      node =
          RegistryRetry.STREAM_THREADS.decode(
              () -> format.deserialize(Topics.NODES, record.value()));
    } catch (MalformedRecordException e) {
      metrics.deadLetter(e.reason().name());
      context.forward(
          DeadLetters.of(
              record,
              context.recordMetadata().orElse(null),
              e.reason().name(),
              e.getMessage(),
              now));
      return;
    }
    for (Finding f : IdentityLedger.register(view(), RegisteredNode.of(node), now)) {
      context.forward(new Record<>(f.identityKey(), new Emission.Found(f), now));
    }
  }

  private IdentityLedger.View view() {
    return new IdentityLedger.View() {
      @Override
      public Optional<RegisteredNode> node(String nodeId) {
        String json = identities.get("node:" + nodeId);
        if (json == null) {
          return Optional.empty();
        }
        try {
          return Optional.of(JsonSerde.MAPPER.readValue(json, RegisteredNode.class));
        } catch (JsonProcessingException e) {
          throw new IllegalStateException("corrupt identity entry for node " + nodeId, e);
        }
      }

      @Override
      public Optional<String> nodeOfKey(String publicKeyHex) {
        return Optional.ofNullable(identities.get("key:" + publicKeyHex));
      }

      @Override
      public Optional<String> nodeOfSkeleton(String skeleton) {
        return Optional.ofNullable(identities.get("skel:" + skeleton));
      }

      @Override
      public void putNode(RegisteredNode node) {
        try {
          identities.put("node:" + node.nodeId(), JsonSerde.MAPPER.writeValueAsString(node));
        } catch (JsonProcessingException e) {
          throw new IllegalStateException("cannot store node " + node.nodeId(), e);
        }
      }

      @Override
      public void putKey(String publicKeyHex, String nodeId) {
        identities.put("key:" + publicKeyHex, nodeId);
      }

      @Override
      public void putSkeleton(String skeleton, String nodeId) {
        identities.put("skel:" + skeleton, nodeId);
      }
    };
  }
}
