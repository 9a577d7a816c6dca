package dev.herald.auditor.api;

/**
 * Looks up the reconciled state of one entity for {@code GET /api/groups/{group}/entities/{key}}.
 * The auditor implements it with Kafka Streams interactive queries; {@link
 * KafkaStreamsEntityLookup} does the routing to the instance that owns the key, and the HTTP server
 * forwards {@link Remote} answers there.
 *
 * <pre>{@code
 * EntityStateLookup lookup = (group, key) -> new EntityStateLookup.Local(Map.of("version", 7));
 * }</pre>
 */
@FunctionalInterface
public interface EntityStateLookup {

  /** The answer of one lookup. */
  sealed interface Result permits Local, Remote, NotFound, Unavailable {}

  /** This instance owns the key; {@code state} is serialised as JSON. */
  record Local(Object state) implements Result {}

  /** Another instance owns the key; the request is forwarded to it. */
  record Remote(String host, int port) implements Result {}

  /** The key has no state (never reported, or every version closed and dropped). */
  record NotFound() implements Result {}

  /** The auditor cannot answer now (starting, rebalancing, stopped); a 503 with the reason. */
  record Unavailable(String reason) implements Result {}

  /** The lookup used while no auditor runs in this process. */
  EntityStateLookup NOT_RUNNING =
      (group, key) -> new Unavailable("the auditor is not running in this process");

  Result lookup(String group, String entityKey);
}
