package dev.herald.testsupport;

import dev.herald.producer.simulator.Scenario;
import dev.herald.schema.Heartbeat;
import dev.herald.schema.NodeRecord;
import dev.herald.schema.ReportBatch;
import dev.herald.schema.StateChange;
import dev.herald.schema.canonical.Hashing;
import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.serde.MalformedRecordException;
import dev.herald.schema.signing.BatchSignatures;
import dev.herald.schema.signing.Ed25519;
import dev.herald.schema.truth.ExpectedAlert;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Confirms that each fault of a ground truth is visible in the raw records the simulator wrote —
 * without any auditor: e.g. two validly signed, different reports of one node for an equivocation,
 * a batch that does not verify against the registered key for a forgery, a heartbeat gap longer
 * than the silence threshold for a silent node. It proves the simulator injected what it claims, so
 * an auditor that misses a fault cannot blame the input.
 *
 * <pre>{@code
 * var witness = new RawEventWitness(registry, scenario, Topics.STATE_CHANGES, Topics.HEARTBEATS,
 *     Topics.NODES);
 * List<RawEventWitness.Finding> findings = witness.check(sim.groundTruth(), recordsReadBack);
 * }</pre>
 */
public final class RawEventWitness {
  /** One record as read from Kafka. */
  public record RawRecord(String topic, int partition, long offset, byte[] key, byte[] value) {}

  /** Whether one fault is visible, and what shows it (or what is missing). */
  public record Finding(ExpectedAlert fault, boolean visible, String detail) {}

  private record Signed(ReportBatch batch, boolean validForRegisteredKey, RawRecord record) {}

  private final AvroWireFormat<ReportBatch> batchFormat;
  private final AvroWireFormat<Heartbeat> heartbeatFormat;
  private final AvroWireFormat<NodeRecord> nodeFormat;
  private final Scenario scenario;
  private final String stateTopic;
  private final String heartbeatTopic;
  private final String nodesTopic;

  public RawEventWitness(
      SchemaRegistryClient registry,
      Scenario scenario,
      String stateTopic,
      String heartbeatTopic,
      String nodesTopic) {
    this.batchFormat = new AvroWireFormat<>(ReportBatch.class, registry);
    this.heartbeatFormat = new AvroWireFormat<>(Heartbeat.class, registry);
    this.nodeFormat = new AvroWireFormat<>(NodeRecord.class, registry);
    this.scenario = scenario;
    this.stateTopic = stateTopic;
    this.heartbeatTopic = heartbeatTopic;
    this.nodesTopic = nodesTopic;
  }

  /** One finding per ground-truth line, in order. */
  public List<Finding> check(List<ExpectedAlert> truth, List<RawRecord> records) {
    Map<String, List<NodeRecord>> registrations = new HashMap<>();
    List<RawRecord> stateRecords = new ArrayList<>();
    Map<String, List<Heartbeat>> heartbeats = new HashMap<>();
    for (RawRecord r : records) {
      if (r.topic().equals(nodesTopic)) {
        NodeRecord n = nodeFormat.deserialize(r.topic(), r.value());
        registrations.computeIfAbsent(n.getNodeId(), k -> new ArrayList<>()).add(n);
      } else if (r.topic().equals(stateTopic)) {
        stateRecords.add(r);
      } else if (r.topic().equals(heartbeatTopic)) {
        Heartbeat h = heartbeatFormat.deserialize(r.topic(), r.value());
        heartbeats.computeIfAbsent(h.getNodeId(), k -> new ArrayList<>()).add(h);
      }
    }
    List<Signed> batches = new ArrayList<>();
    List<RawRecord> malformed = new ArrayList<>();
    for (RawRecord r : stateRecords) {
      ReportBatch b;
      try {
        b = batchFormat.deserialize(r.topic(), r.value());
      } catch (MalformedRecordException e) {
        malformed.add(r);
        continue;
      }
      List<NodeRecord> regs = registrations.get(b.getNodeId());
      boolean valid =
          regs != null
              && BatchSignatures.verify(b, Ed25519.publicKey(bytes(regs.get(0).getPublicKey())));
      batches.add(new Signed(b, valid, r));
    }
    Index index = new Index(batches);
    List<Finding> out = new ArrayList<>();
    for (ExpectedAlert f : truth) {
      out.add(check(f, index, batches, malformed, registrations, heartbeats, stateRecords));
    }
    return out;
  }

  /** Valid reports per (group, entity, version). */
  private static final class Index {
    final Map<String, List<StateChange>> byVersion = new HashMap<>();

    Index(List<Signed> batches) {
      for (Signed s : batches) {
        if (!s.validForRegisteredKey()) {
          continue;
        }
        for (StateChange r : s.batch().getReports()) {
          byVersion
              .computeIfAbsent(
                  key(r.getGroup(), r.getEntityKey(), r.getVersion()), k -> new ArrayList<>())
              .add(r);
        }
      }
    }

    static String key(CharSequence group, CharSequence entity, long version) {
      return group + "/" + entity + "@" + version;
    }

    List<StateChange> at(ExpectedAlert f) {
      return byVersion.getOrDefault(key(f.group(), f.entityKey(), f.version()), List.of());
    }
  }

  private Finding check(
      ExpectedAlert f,
      Index index,
      List<Signed> batches,
      List<RawRecord> malformed,
      Map<String, List<NodeRecord>> registrations,
      Map<String, List<Heartbeat>> heartbeats,
      List<RawRecord> stateRecords) {
    String blamed = f.nodes().isEmpty() ? null : f.nodes().get(0);
    switch (f.type()) {
      case "DIVERGENCE" -> {
        Map<String, Set<String>> nodesByHash =
            nodesBy(index.at(f), r -> Hashing.hex(r.getStateHash()));
        Set<String> majority = largest(nodesByHash);
        boolean ok =
            majority.size() >= scenario.quorum()
                && !majority.contains(blamed)
                && nodesByHash.values().stream().anyMatch(s -> s.equals(Set.copyOf(f.nodes())));
        return finding(f, ok, "state hashes by node: " + nodesByHash);
      }
      case "NO_QUORUM" -> {
        Map<String, Set<String>> nodesByHash =
            nodesBy(index.at(f), r -> Hashing.hex(r.getStateHash()));
        boolean ok = !nodesByHash.isEmpty() && largest(nodesByHash).size() < scenario.quorum();
        return finding(f, ok, "state hashes by node: " + nodesByHash);
      }
      case "EQUIVOCATION" -> {
        Set<String> hashes =
            index.at(f).stream()
                .filter(r -> r.getNodeId().toString().equals(blamed))
                .map(r -> Hashing.hex(r.getStateHash()) + "/" + r.getOpId())
                .collect(Collectors.toSet());
        return finding(
            f,
            hashes.size() >= 2,
            blamed + " validly signed " + hashes.size() + " different reports");
      }
      case "FORK" -> {
        Map<String, Set<String>> nodesByPrev =
            nodesBy(index.at(f), r -> Hashing.hex(r.getPrevStateHash()));
        Set<String> majority = largest(nodesByPrev);
        return finding(
            f,
            majority.size() >= scenario.quorum()
                && !majority.contains(blamed)
                && nodesByPrev.size() >= 2,
            "prevStateHash by node: " + nodesByPrev);
      }
      case "CONFLICTING_WRITE" -> {
        Map<String, Set<String>> nodesByOp = nodesBy(index.at(f), r -> r.getOpId().toString());
        Set<String> majority = largest(nodesByOp);
        Set<String> minority = new HashSet<>();
        nodesByOp.values().stream().filter(s -> s != majority).forEach(minority::addAll);
        return finding(
            f,
            nodesByOp.size() >= 2 && minority.equals(Set.copyOf(f.nodes())),
            "opIds by node: " + nodesByOp);
      }
      case "DUPLICATE_APPLY" -> {
        List<StateChange> at = index.at(f);
        boolean ok = !at.isEmpty();
        for (StateChange r : at) {
          boolean seenBefore = false;
          for (long v = 1; v < f.version() && !seenBefore; v++) {
            for (StateChange earlier :
                index.byVersion.getOrDefault(Index.key(f.group(), f.entityKey(), v), List.of())) {
              seenBefore |=
                  earlier.getNodeId().toString().equals(r.getNodeId().toString())
                      && earlier.getOpId().toString().equals(r.getOpId().toString());
            }
          }
          ok &= seenBefore;
        }
        Set<String> nodes = nodesBy(at, r -> "").getOrDefault("", Set.of());
        return finding(
            f, ok && nodes.equals(Set.copyOf(f.nodes())), nodes + " re-apply an earlier opId");
      }
      case "FORGED_REPORT" -> {
        long forged =
            batches.stream()
                .filter(
                    s ->
                        s.batch().getNodeId().toString().equals(blamed)
                            && !s.validForRegisteredKey())
                .filter(
                    s ->
                        s.batch().getReports().stream()
                            .anyMatch(r -> r.getGroup().toString().equals(f.group())))
                .count();
        return finding(
            f, forged >= 1, forged + " batch(es) claiming " + blamed + " fail verification");
      }
      case "UNKNOWN_NODE" -> {
        long n =
            batches.stream().filter(s -> s.batch().getNodeId().toString().equals(blamed)).count();
        return finding(
            f,
            n >= 1 && !registrations.containsKey(blamed),
            n + " batch(es) from unregistered " + blamed);
      }
      case "NOT_A_MEMBER" -> {
        List<NodeRecord> regs = registrations.getOrDefault(blamed, List.of());
        boolean member =
            regs.stream()
                .anyMatch(
                    n -> n.getGroups().stream().anyMatch(g -> g.toString().equals(f.group())));
        long n =
            batches.stream()
                .filter(
                    s ->
                        s.validForRegisteredKey()
                            && s.batch().getNodeId().toString().equals(blamed))
                .filter(
                    s ->
                        s.batch().getReports().stream()
                            .anyMatch(r -> r.getGroup().toString().equals(f.group())))
                .count();
        return finding(
            f,
            !regs.isEmpty() && !member && n >= 1,
            n + " valid batch(es) of registered non-member " + blamed);
      }
      case "REPLICA_LAG" -> {
        long late = lateVersions(index, f.group(), blamed);
        return finding(
            f,
            late >= 1,
            late + " version(s) reported by " + blamed + " more than grace after the first report");
      }
      case "FLOOD" -> {
        long copies = mostCopies(batches, blamed);
        return finding(
            f,
            copies > scenario.burst(),
            "one report of " + blamed + " sent " + copies + " times vs burst " + scenario.burst());
      }
      case "NODE_SILENT" -> {
        long gap = longestGap(heartbeats.getOrDefault(blamed, List.of()));
        return finding(
            f,
            gap > scenario.silenceThreshold().toMillis(),
            "longest heartbeat gap of " + blamed + " " + gap + " ms");
      }
      case "CONFUSABLE_IDENTITY" -> {
        boolean ok =
            f.nodes().size() == 2
                && f.nodes().stream().allMatch(registrations::containsKey)
                && skeleton(f.nodes().get(0)).equals(skeleton(f.nodes().get(1)));
        return finding(f, ok, "both ids registered and look alike: " + f.nodes());
      }
      case "IDENTITY_CONFLICT" -> {
        List<NodeRecord> regs = registrations.getOrDefault(blamed, List.of());
        Set<String> keys =
            regs.stream().map(n -> Hashing.hex(n.getPublicKey())).collect(Collectors.toSet());
        boolean undeclared = regs.stream().allMatch(n -> n.getRotatesFrom() == null);
        return finding(
            f,
            keys.size() >= 2 && undeclared,
            blamed + " registered with " + keys.size() + " keys, no rotation");
      }
      case "BENIGN_DUPLICATE" -> {
        Map<String, Integer> copies = new HashMap<>();
        for (RawRecord r : stateRecords) {
          if (new String(r.key(), StandardCharsets.UTF_8).equals(blamed)) {
            copies.merge(Hashing.hex(Hashing.sha256(r.value())), 1, Integer::sum);
          }
        }
        boolean ok = copies.values().stream().anyMatch(c -> c >= 2);
        return finding(f, ok, "a record of " + blamed + " written byte for byte twice: " + ok);
      }
      case "MALFORMED_RECORD" -> {
        long n =
            malformed.stream()
                .filter(r -> new String(r.key(), StandardCharsets.UTF_8).equals(blamed))
                .count();
        return finding(f, n >= 1, n + " undecodable record(s) keyed " + blamed);
      }
      default -> {
        return finding(f, false, "no check for type " + f.type());
      }
    }
  }

  private long lateVersions(Index index, String group, String node) {
    long graceMs = scenario.grace().toMillis();
    long late = 0;
    for (Map.Entry<String, List<StateChange>> e : index.byVersion.entrySet()) {
      if (!e.getKey().startsWith(group + "/")) {
        continue;
      }
      long first = Long.MAX_VALUE;
      Long mine = null;
      for (StateChange r : e.getValue()) {
        long t = r.getEventTime().toEpochMilli();
        if (r.getNodeId().toString().equals(node)) {
          mine = t;
        } else {
          first = Math.min(first, t);
        }
      }
      if (mine != null && first != Long.MAX_VALUE && mine - first > graceMs) {
        late++;
      }
    }
    return late;
  }

  private static long mostCopies(List<Signed> batches, String node) {
    Map<String, Long> copies = new HashMap<>();
    for (Signed s : batches) {
      if (s.batch().getNodeId().toString().equals(node)) {
        for (StateChange r : s.batch().getReports()) {
          copies.merge(r.getEventId().toString(), 1L, Long::sum);
        }
      }
    }
    return copies.values().stream().mapToLong(Long::longValue).max().orElse(0);
  }

  private static long longestGap(List<Heartbeat> beats) {
    long[] times =
        beats.stream().mapToLong(h -> h.getEventTime().toEpochMilli()).sorted().toArray();
    long gap = 0;
    for (int i = 1; i < times.length; i++) {
      gap = Math.max(gap, times[i] - times[i - 1]);
    }
    return gap;
  }

  /** The look-alike letters the simulator uses, folded to Latin (not a full TR39 skeleton). */
  private static String skeleton(String id) {
    return id.replace('\u0435', 'e').replace('\u043e', 'o');
  }

  private static Map<String, Set<String>> nodesBy(
      List<StateChange> reports, java.util.function.Function<StateChange, String> value) {
    Map<String, Set<String>> out = new HashMap<>();
    for (StateChange r : reports) {
      out.computeIfAbsent(value.apply(r), k -> new HashSet<>()).add(r.getNodeId().toString());
    }
    return out;
  }

  private static Set<String> largest(Map<String, Set<String>> groups) {
    return groups.values().stream()
        .max((a, b) -> Integer.compare(a.size(), b.size()))
        .orElse(Set.of());
  }

  private static Finding finding(ExpectedAlert f, boolean ok, String detail) {
    return new Finding(f, ok, detail);
  }

  private static byte[] bytes(java.nio.ByteBuffer b) {
    java.nio.ByteBuffer d = b.duplicate();
    byte[] out = new byte[d.remaining()];
    d.get(out);
    return out;
  }
}
