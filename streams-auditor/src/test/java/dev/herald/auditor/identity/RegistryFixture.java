package dev.herald.auditor.identity;

import dev.herald.auditor.detect.Finding;
import dev.herald.schema.NodeRecord;
import dev.herald.schema.NodeStatus;
import dev.herald.schema.signing.Ed25519;
import dev.herald.schema.signing.RotationSignatures;
import dev.herald.testsupport.Fleet;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** An in-memory registry driven through {@link RegistryRules} and {@link IdentityLedger}. */
final class RegistryFixture {
  final Map<String, NodeHistory> histories = new TreeMap<>();
  final Map<String, String> skeletons = new HashMap<>();
  final List<RegistryRules.Decision> decisions = new ArrayList<>();
  private long offset;

  final RegistryRules.View view =
      new RegistryRules.View() {
        @Override
        public Optional<NodeHistory> history(String nodeId) {
          return Optional.ofNullable(histories.get(nodeId));
        }

        @Override
        public Optional<String> otherOwnerOfKey(String hex, String except) {
          return histories.values().stream()
              .filter(h -> !h.nodeId().equals(except) && h.usedKey(hex))
              .map(NodeHistory::nodeId)
              .findFirst();
        }
      };

  final IdentityLedger.Skeletons names =
      new IdentityLedger.Skeletons() {
        @Override
        public Optional<String> owner(String skeleton) {
          return Optional.ofNullable(skeletons.get(skeleton));
        }

        @Override
        public void put(String skeleton, String nodeId) {
          skeletons.put(skeleton, nodeId);
        }
      };

  static Ed25519.KeyPair key(String seed) {
    return Fleet.seededKey(seed);
  }

  static NodeRecord record(String id, String display, Ed25519.KeyPair key, NodeStatus status) {
    NodeRecord r =
        Fleet.node(id, display, key.publicKey(), "eu", List.of("g"), Instant.ofEpochMilli(1), null);
    r.setStatus(status);
    return r;
  }

  static NodeRecord record(String id, Ed25519.KeyPair key) {
    return record(id, id, key, NodeStatus.ACTIVE);
  }

  /** A rotation of {@code id} from {@code from} to {@code to}, signed by {@code signer}. */
  static NodeRecord rotation(
      String id, Ed25519.KeyPair from, Ed25519.KeyPair to, Ed25519.KeyPair signer, long at) {
    NodeRecord r = record(id, to);
    r.setRotatesFrom(ByteBuffer.wrap(from.publicKey()));
    r.setRegisteredAt(Instant.ofEpochMilli(at));
    if (signer != null) {
      r.setRotationSignature(
          ByteBuffer.wrap(
              Ed25519.sign(
                  signer.privateKey(),
                  RotationSignatures.message(id, from.publicKey(), to.publicKey(), at))));
    }
    return r;
  }

  /** Applies a record keyed by its node id at broker time {@code at}; returns its alerts. */
  List<Finding> write(NodeRecord r, long at) {
    return write(r.getNodeId(), r, at);
  }

  List<Finding> write(String key, NodeRecord r, long at) {
    RegistryRules.Decision d = RegistryRules.apply(view, key, r, at, offset++);
    decisions.add(d);
    if (d instanceof RegistryRules.Applied a) {
      histories.put(a.history().nodeId(), a.history());
    }
    return IdentityLedger.judge(d, names, at);
  }

  RegistryRules.Decision last() {
    return decisions.get(decisions.size() - 1);
  }

  static List<String> summary(List<Finding> found) {
    return found.stream().map(f -> f.type() + " " + f.nodes()).toList();
  }
}
