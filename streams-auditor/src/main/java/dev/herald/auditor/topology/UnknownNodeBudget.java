package dev.herald.auditor.topology;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How often a task may raise a finding about input from node ids nobody registered: each id at most
 * once a minute, and all ids together at most one a second (a burst of {@link #BURST}). Ids are
 * free to invent, so beyond this such input is only dead-lettered — it can neither flood the alert
 * path nor grow the alert book without bound. In memory, per task: after a restart an unknown id
 * may be named once more, which only counts its already open episode again.
 */
final class UnknownNodeBudget {
  static final int REMEMBERED_IDS = 1_024;
  static final double BURST = 20;
  static final long PER_ID_INTERVAL_MS = 60_000;

  private final Map<String, Long> recent =
      new LinkedHashMap<>(64, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
          return size() > REMEMBERED_IDS;
        }
      };

  private double tokens = BURST;
  private long refilledAt = Long.MIN_VALUE;

  /** Whether a finding about {@code nodeId} may be raised at wall time {@code now}. */
  boolean admit(String nodeId, long now) {
    Long last = recent.get(nodeId);
    if (last != null && now - last < PER_ID_INTERVAL_MS) {
      return false;
    }
    if (refilledAt != Long.MIN_VALUE && now > refilledAt) {
      tokens = Math.min(BURST, tokens + (now - refilledAt) / 1000.0);
    }
    refilledAt = Math.max(refilledAt, now);
    if (tokens < 1) {
      return false;
    }
    tokens -= 1;
    recent.put(nodeId, now);
    return true;
  }
}
