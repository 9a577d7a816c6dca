package dev.herald.auditor.identity;

import dev.herald.schema.NodeStatus;
import dev.herald.schema.canonical.Hashing;
import dev.herald.schema.signing.Ed25519;
import java.util.ArrayList;
import java.util.List;

/** Node histories for unit tests: a registration and declared rotations at given times. */
public final class TestHistories {
  private TestHistories() {}

  /** {@code id} registered with {@code key} (from the beginning of time). */
  public static NodeHistory registered(
      String id, Ed25519.KeyPair key, NodeStatus status, List<String> groups) {
    return rotated(id, status, groups, List.of(key));
  }

  /**
   * {@code id} registered with {@code keys[0]}, rotated to {@code keys[i]} at {@code
   * rotatedAt[i-1]}.
   */
  public static NodeHistory rotated(
      String id,
      NodeStatus status,
      List<String> groups,
      List<Ed25519.KeyPair> keys,
      long... rotatedAt) {
    if (rotatedAt.length != keys.size() - 1) {
      throw new IllegalArgumentException("one rotation time per key after the first");
    }
    List<NodeHistory.Entry> entries = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      entries.add(
          new NodeHistory.Entry(
              i == 0 ? 0 : rotatedAt[i - 1],
              -1,
              i == 0 ? NodeHistory.Change.REGISTERED : NodeHistory.Change.ROTATED,
              Hashing.hex(keys.get(i).publicKey()),
              id,
              "eu",
              groups,
              status));
    }
    return new NodeHistory(id, entries);
  }

  /** {@code history} with a status change to {@code status} at {@code at}. */
  public static NodeHistory withStatus(NodeHistory history, NodeStatus status, long at) {
    NodeHistory.Entry last = history.last();
    return history.with(
        new NodeHistory.Entry(
            at,
            -1,
            status == NodeStatus.ACTIVE
                ? NodeHistory.Change.REACTIVATED
                : NodeHistory.Change.STATUS_CHANGED,
            last.publicKeyHex(),
            last.displayName(),
            last.region(),
            last.groups(),
            status));
  }
}
