package dev.herald.auditor.topology;

import java.util.concurrent.atomic.AtomicLong;

/**
 * How many registry changes the global-store thread has applied: shared by the {@link
 * RegistryUpdater} of a topology and the {@link Registry} views of its tasks, so a task re-reads
 * group membership as soon as the registry changed instead of a second later.
 */
final class RegistryChanges {
  private final AtomicLong applied = new AtomicLong();

  /** One more change applied. */
  void applied() {
    applied.incrementAndGet();
  }

  /** Changes applied so far. */
  long count() {
    return applied.get();
  }
}
