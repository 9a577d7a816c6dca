package dev.herald.auditor.topology;

import dev.herald.auditor.identity.NodeHistory;
import dev.herald.auditor.identity.RegisteredNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A task's view of the global registry store (nodeId → {@link NodeHistory}): node histories, and
 * the members of a group (nodes ACTIVE and listing it) as they were at a given time. The histories
 * are re-read when the registry thread applied a change (or a second has passed); members are kept
 * per "epoch" (the interval between two registry changes), so a replay of old input votes with the
 * membership of its time, and live input with the current one, without scanning the store.
 */
final class Registry {
  private static final long REFRESH_MS = 1_000;
  private static final int EPOCHS_CACHED = 16;
  private final KeyValueStore<String, NodeHistory> store;
  private final RegistryChanges changes;
  private long changesSeen = -1;
  private List<NodeHistory> histories = List.of();
  private long[] changeTimes = new long[0];
  private final Map<Integer, Map<String, Set<String>>> membersByEpoch =
      new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, Map<String, Set<String>>> e) {
          return size() > EPOCHS_CACHED;
        }
      };
  private boolean fresh;
  private long readAt;

  Registry(KeyValueStore<String, NodeHistory> store, RegistryChanges changes) {
    this.store = store;
    this.changes = changes;
  }

  /** The node's history, or null when nothing was ever applied to it. */
  NodeHistory history(String nodeId) {
    return nodeId == null ? null : store.get(nodeId);
  }

  /** The node as registered at {@code at}, or null. */
  RegisteredNode node(String nodeId, long at) {
    NodeHistory h = history(nodeId);
    return h == null ? null : h.at(at);
  }

  /** The ACTIVE members of {@code group} at {@code at}. */
  Set<String> members(String group, long at) {
    long wall = System.currentTimeMillis();
    long changed = changes.count();
    if (!fresh || changed != changesSeen || wall - readAt > REFRESH_MS) {
      changesSeen = changed;
      refresh(wall);
    }
    int epoch = epochOf(at);
    Map<String, Set<String>> members = membersByEpoch.get(epoch);
    if (members == null) {
      members = computeMembers(epoch == 0 ? Long.MIN_VALUE : changeTimes[epoch - 1]);
      membersByEpoch.put(epoch, members);
    }
    return members.getOrDefault(group, Set.of());
  }

  /** Forget what was read (after a lookup that suggests the registry changed). */
  void invalidate() {
    fresh = false;
  }

  /** Index of the interval between registry changes that contains {@code at}. */
  private int epochOf(long at) {
    int i = Arrays.binarySearch(changeTimes, at);
    // at a change time the change is in force: the epoch after it
    return i >= 0 ? lastIndexOf(changeTimes, i) + 1 : -i - 1;
  }

  private static int lastIndexOf(long[] sorted, int i) {
    while (i + 1 < sorted.length && sorted[i + 1] == sorted[i]) {
      i++;
    }
    return i;
  }

  private Map<String, Set<String>> computeMembers(long at) {
    Map<String, Set<String>> found = new HashMap<>();
    for (NodeHistory h : histories) {
      RegisteredNode n = h.at(at);
      if (n != null && n.active()) {
        for (String g : n.groups()) {
          found.computeIfAbsent(g, k -> new TreeSet<>()).add(n.nodeId());
        }
      }
    }
    return found;
  }

  private void refresh(long wall) {
    List<NodeHistory> all = new ArrayList<>();
    TreeSet<Long> times = new TreeSet<>();
    try (KeyValueIterator<String, NodeHistory> it = store.all()) {
      while (it.hasNext()) {
        NodeHistory h = it.next().value;
        if (h == null) {
          continue;
        }
        all.add(h);
        // a node's first registration counts from the beginning of time: not a change
        for (int i = 1; i < h.entries().size(); i++) {
          times.add(h.entries().get(i).at());
        }
      }
    }
    histories = all;
    changeTimes = times.stream().mapToLong(Long::longValue).toArray();
    membersByEpoch.clear();
    readAt = wall;
    fresh = true;
  }
}
