package dev.herald.auditor.api;

import dev.herald.auditor.detect.EntityState;
import java.util.function.Function;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Routes an entity lookup to the auditor instance that owns the key, using Kafka Streams metadata
 * ({@link KafkaStreams#queryMetadataForKey}): answers {@link EntityStateLookup.Local} from the
 * local store when this instance is the active host, {@link EntityStateLookup.Remote} otherwise,
 * and {@link EntityStateLookup.Unavailable} while Streams is not running or rebalancing.
 *
 * <p>The owner is found by the entity's routing key {@code group/entityKey} (the partition its
 * reports go to); the local store is read by its store key ({@link EntityState#entityId}). Each
 * instance must run with {@code application.server} set to its HTTP host:port.
 *
 * <pre>{@code
 * var lookup = new KafkaStreamsEntityLookup(streams, "entity-state", new HostInfo("host-a", 8080),
 *     key -> store(streams).get(key));
 * AuditorHttpServer.builder().entityLookup(lookup)...
 * }</pre>
 */
public final class KafkaStreamsEntityLookup implements EntityStateLookup {
  private final KafkaStreams streams;
  private final String storeName;
  private final HostInfo self;
  private final Function<String, Object> localRead;
  private final StringSerializer keySerializer = new StringSerializer();

  /**
   * @param streams the running auditor
   * @param storeName the entity state store
   * @param self this instance's {@code application.server}
   * @param localRead reads a store key from the local store; null when absent
   */
  public KafkaStreamsEntityLookup(
      KafkaStreams streams, String storeName, HostInfo self, Function<String, Object> localRead) {
    this.streams = streams;
    this.storeName = storeName;
    this.self = self;
    this.localRead = localRead;
  }

  @Override
  public Result lookup(String group, String entityKey) {
    KafkaStreams.State state = streams.state();
    if (state != KafkaStreams.State.RUNNING) {
      return new Unavailable("the auditor is " + state + ", not RUNNING; retry shortly");
    }
    KeyQueryMetadata meta;
    try {
      meta =
          streams.queryMetadataForKey(
              storeName, EntityState.routingKey(group, entityKey), keySerializer);
    } catch (RuntimeException e) {
      return new Unavailable("cannot locate the owner of the key: " + e.getMessage());
    }
    if (meta == null || meta.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
      return new Unavailable("no instance owns the key yet (rebalancing); retry shortly");
    }
    HostInfo owner = meta.activeHost();
    if (!owner.equals(self)) {
      return new Remote(owner.host(), owner.port());
    }
    try {
      Object value = localRead.apply(EntityState.entityId(group, entityKey));
      return value == null ? new NotFound() : new Local(value);
    } catch (RuntimeException e) {
      return new Unavailable(
          "the local store cannot be read now ("
              + e.getClass().getSimpleName()
              + "); retry shortly");
    }
  }
}
