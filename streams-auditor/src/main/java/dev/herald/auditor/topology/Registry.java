package dev.herald.auditor.topology;

import dev.herald.auditor.identity.RegisteredNode;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A task's view of the global registry store: node lookups and group members (active nodes that
 * list the group), the latter cached for a second since the registry changes rarely.
 */
final class Registry {
  private static final long MEMBERS_TTL_MS = 1_000;
  private final KeyValueStore<String, RegisteredNode> store;
  private Map<String, Set<String>> members = Map.of();
  private boolean fresh;
  private long membersAt;

  Registry(KeyValueStore<String, RegisteredNode> store) {
    this.store = store;
  }

  RegisteredNode node(String nodeId) {
    return nodeId == null ? null : store.get(nodeId);
  }

  Set<String> members(String group) {
    long wall = System.currentTimeMillis();
    if (!fresh || wall - membersAt > MEMBERS_TTL_MS) {
      refresh(wall);
    }
    return members.getOrDefault(group, Set.of());
  }

  /** Forget the cached membership (after a lookup that suggests the registry changed). */
  void invalidate() {
    fresh = false;
  }

  private void refresh(long wall) {
    Map<String, Set<String>> found = new HashMap<>();
    try (KeyValueIterator<String, RegisteredNode> it = store.all()) {
      while (it.hasNext()) {
        RegisteredNode n = it.next().value;
        if (n != null && n.active()) {
          for (String g : n.groups()) {
            found.computeIfAbsent(g, k -> new TreeSet<>()).add(n.nodeId());
          }
        }
      }
    }
    members = found;
    membersAt = wall;
    this.fresh = true;
  }
}
