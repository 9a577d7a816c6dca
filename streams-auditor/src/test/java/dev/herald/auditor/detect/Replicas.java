package dev.herald.auditor.detect;

import dev.herald.schema.canonical.Hashing;
import java.nio.charset.StandardCharsets;

/** Test vocabulary: hashes of named states and reports of replicas. */
final class Replicas {
  static final String GROUP = "payments";
  static final String ENTITY = "acct-1";

  private Replicas() {}

  static String hash(String state) {
    return Hashing.hex(Hashing.sha256(state.getBytes(StandardCharsets.UTF_8)));
  }

  /** The honest history: state "s<v>" after op "op<v>". */
  static String state(long v) {
    return v == 0 ? "" : hash("s" + v);
  }

  static ReplicaReport honest(String node, long v) {
    return report(node, v, state(v - 1), state(v), "op" + v);
  }

  static ReplicaReport report(String node, long v, String prev, String stateHash, String op) {
    return new ReplicaReport(
        node + "-" + v + "-" + stateHash.hashCode() + "-" + op,
        GROUP,
        ENTITY,
        v,
        node,
        prev,
        stateHash,
        op,
        hash(op),
        1_000 * v,
        new EvidenceRef("t", 0, v, node, "k", v, null, true));
  }
}
