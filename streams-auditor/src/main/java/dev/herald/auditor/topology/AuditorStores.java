package dev.herald.auditor.topology;

/**
 * Names of the auditor's state stores, for interactive queries and dashboards.
 *
 * <pre>{@code
 * ReadOnlyKeyValueStore<String, ?> entities = streams.store(
 *     StoreQueryParameters.fromNameAndType(AuditorStores.ENTITIES, QueryableStoreTypes.keyValueStore()));
 * }</pre>
 */
public final class AuditorStores {
  private AuditorStores() {}

  /**
   * Global: the identity registry, nodeId → its {@code NodeHistory} (every applied change, timed by
   * broker time), rebuilt from the append-only {@code herald.nodes.v1} on each start.
   */
  public static final String REGISTRY = "herald-registry";

  /** Per entity {@code group/entityKey}: open versions and the closed window. */
  public static final String ENTITIES = "herald-entities";

  /**
   * Per (entity, version): each node's signed claim (its digest and where it was read), kept beyond
   * the closed window for late equivocation (policy {@code claims.*}; {@code ClaimStore}).
   */
  public static final String CLAIMS = "herald-claims";

  /** Grace deadlines of open versions, ordered by deadline. */
  public static final String DEADLINES = "herald-deadlines";

  /**
   * Per entity: last write time and opener; residues of evicted entities; per-node open-entity
   * counts ({@code EntityLifecycle}).
   */
  public static final String ENTITY_LIFECYCLE = "herald-entity-lifecycle";

  /** Per node (per partition task): rate bucket, in-flight count, recent batch digests. */
  public static final String NODE_LEDGERS = "herald-node-ledgers";

  /** Original bytes of recent batches, for alert evidence, expiring after a few grace periods. */
  public static final String EVIDENCE = "herald-evidence";

  /** Per node: last heartbeat and whether it is silent. */
  public static final String LIVENESS = "herald-liveness";

  /** Per alert identity: its lifecycle record (status, episode, counts). */
  public static final String ALERT_BOOK = "herald-alert-book";

  /** Identity application: node histories and name skeletons (changelogged). */
  public static final String IDENTITIES = "herald-identities";
}
