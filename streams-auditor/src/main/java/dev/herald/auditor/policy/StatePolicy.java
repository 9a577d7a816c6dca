package dev.herald.auditor.policy;

import java.time.Duration;

/**
 * How much per-entity state the auditor keeps (policy key {@code state}).
 *
 * <pre>{@code
 * StatePolicy state = new StatePolicy(Duration.ofHours(24), Duration.ofDays(30), 500);
 * }</pre>
 *
 * @param entityTtl an entity with no open version and no write for this long (admitted report time)
 *     leaves {@code herald-entities}; a residue (its highest closed version) stays behind
 * @param residueTtl how long the residue of an evicted entity is kept: reports for versions at or
 *     below the residue's highest closed version are dead-lettered as {@code STALE}, never re-voted
 * @param maxOpenEntitiesPerNode entities with an open version a node opened that the node may hold
 *     at once, per partition task; reports of that node opening further entities are dead-lettered
 *     ({@code ENTITY_QUOTA}) and raise a {@code FLOOD} episode naming it
 */
public record StatePolicy(Duration entityTtl, Duration residueTtl, int maxOpenEntitiesPerNode) {

  /** Defaults: a day of quiescence, a residue kept for 30 days, 500 open entities per node. */
  public static final StatePolicy DEFAULT =
      new StatePolicy(Duration.ofHours(24), Duration.ofDays(30), 500);

  public StatePolicy {
    if (entityTtl == null || entityTtl.isNegative() || entityTtl.isZero()) {
      throw new IllegalArgumentException("state.entityTtl must be positive");
    }
    if (residueTtl == null || residueTtl.compareTo(entityTtl) < 0) {
      throw new IllegalArgumentException("state.residueTtl must be at least state.entityTtl");
    }
    if (maxOpenEntitiesPerNode < 1) {
      throw new IllegalArgumentException("state.maxOpenEntitiesPerNode must be at least 1");
    }
  }
}
