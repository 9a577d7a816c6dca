package dev.herald.auditor;

import dev.herald.auditor.alerting.AlertBook;
import dev.herald.auditor.alerting.AlertRecord;
import dev.herald.auditor.detect.EntityState;
import dev.herald.auditor.identity.NodeHistory;
import dev.herald.auditor.identity.RegisteredNode;
import dev.herald.auditor.topology.AuditorStores;
import dev.herald.schema.AlertStatuses;
import dev.herald.schema.AuditAlert;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Read API over the auditor's stores (interactive queries), for the REST API and dashboard.
 *
 * <pre>{@code
 * AuditorQueries q = auditor.queries();
 * Optional<EntityState> state = q.entity("payments", "acct-42");
 * List<AuditAlert> open = q.openAlerts();
 * }</pre>
 */
public final class AuditorQueries {
  private final KafkaStreams streams;

  AuditorQueries(KafkaStreams streams) {
    this.streams = streams;
  }

  /** Where the entity's state lives (host info of the owning instance). */
  public KeyQueryMetadata ownerOf(String group, String entityKey) {
    return streams.queryMetadataForKey(
        AuditorStores.ENTITIES,
        EntityState.routingKey(group, entityKey),
        Serdes.String().serializer());
  }

  /** The entity's state if this instance owns it. */
  public Optional<EntityState> entity(String group, String entityKey) {
    ReadOnlyKeyValueStore<String, EntityState> store =
        streams.store(
            StoreQueryParameters.fromNameAndType(
                AuditorStores.ENTITIES, QueryableStoreTypes.<String, EntityState>keyValueStore()));
    return Optional.ofNullable(store.get(EntityState.entityId(group, entityKey)));
  }

  /**
   * The entity's state by its store key ({@link EntityState#entityId}) if this instance owns it.
   */
  public EntityState entityById(String entityId) {
    ReadOnlyKeyValueStore<String, EntityState> store =
        streams.store(
            StoreQueryParameters.fromNameAndType(
                AuditorStores.ENTITIES, QueryableStoreTypes.<String, EntityState>keyValueStore()));
    return store.get(entityId);
  }

  /** Alerts currently OPEN in this instance's alert book. */
  public List<AuditAlert> openAlerts() {
    ReadOnlyKeyValueStore<String, AlertRecord> store =
        streams.store(
            StoreQueryParameters.fromNameAndType(
                AuditorStores.ALERT_BOOK,
                QueryableStoreTypes.<String, AlertRecord>keyValueStore()));
    List<AuditAlert> open = new ArrayList<>();
    try (KeyValueIterator<String, AlertRecord> it = store.all()) {
      it.forEachRemaining(
          kv -> {
            if (AlertStatuses.active(kv.value.status)) {
              open.add(AlertBook.toAlert(kv.value));
            }
          });
    }
    return open;
  }

  /**
   * The node as this instance's registry (the global store fed by {@code herald.nodes.v1}) knows it
   * now: what its next batch is verified against.
   */
  public Optional<RegisteredNode> registeredNode(String nodeId) {
    return nodeHistory(nodeId).map(NodeHistory::latest);
  }

  /**
   * Every registry change applied to the node, as this instance's registry view holds it: what a
   * record is judged against at its broker time.
   */
  public Optional<NodeHistory> nodeHistory(String nodeId) {
    ReadOnlyKeyValueStore<String, NodeHistory> store =
        streams.store(
            StoreQueryParameters.fromNameAndType(
                AuditorStores.REGISTRY, QueryableStoreTypes.<String, NodeHistory>keyValueStore()));
    return Optional.ofNullable(store.get(nodeId));
  }
}
