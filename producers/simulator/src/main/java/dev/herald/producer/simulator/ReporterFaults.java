package dev.herald.producer.simulator;

import dev.herald.producer.HeraldReporter;
import dev.herald.schema.StateChange;
import dev.herald.schema.canonical.Hashing;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Reports from someone who may not make them, copying a version the members report honestly: a
 * forger signing as a member, an unregistered node, a member of another group.
 */
final class ReporterFaults {
  private ReporterFaults() {}

  /** A batch claiming to be a member's, signed with a key that is not the member's. */
  static final class Forgery implements FaultInjector {
    @Override
    public Injection inject(Fleet fleet, long faultNumber) {
      Fleet.Target t = fleet.target(1);
      if (t == null) {
        return Fleet.NO_ACCOUNT;
      }
      StateChange honest = fleet.honestVersion(t, 60);
      SimulatedNode victim = t.members().get(0);
      HeraldReporter forger =
          fleet.extraReporter(
              "forger:" + victim.nodeId(),
              () ->
                  fleet.reporter(
                      victim.nodeId(),
                      t.group(),
                      victim.region(),
                      fleet.keysFor("forger/" + victim.nodeId()),
                      false));
      StateChange forged = StateChange.newBuilder(honest).build();
      forged.setNodeId(victim.nodeId());
      forged.setEventId(UUID.randomUUID().toString());
      forged.setStateHash(
          ByteBuffer.wrap(
              Hashing.sha256(("forged " + (faultNumber - 1)).getBytes(StandardCharsets.UTF_8))));
      fleet.sendVia(forger, forged);
      return Injected.of(t.group(), List.of(victim.nodeId()));
    }
  }

  /** A validly signed batch from a node id that is not registered. */
  static final class Unregistered implements FaultInjector {
    @Override
    public Injection inject(Fleet fleet, long faultNumber) {
      Fleet.Target t = fleet.target(1);
      if (t == null) {
        return Fleet.NO_ACCOUNT;
      }
      StateChange honest = fleet.honestVersion(t, 70);
      String rogueId = t.group() + "-rogue-" + faultNumber;
      HeraldReporter rogue =
          fleet.extraReporter(
              "rogue:" + rogueId,
              () -> fleet.reporter(rogueId, t.group(), "unknown", fleet.keysFor(rogueId), false));
      StateChange copy = StateChange.newBuilder(honest).build();
      copy.setNodeId(rogueId);
      copy.setEventId(UUID.randomUUID().toString());
      fleet.sendVia(rogue, copy);
      // an unregistered id has no group the auditor could trust (the batch names it): group ""
      return Injected.of("", List.of(rogueId));
    }
  }

  /** A registered replica of another group reports a version of this group. */
  static final class NonMember implements FaultInjector {
    @Override
    public Injection inject(Fleet fleet, long faultNumber) {
      Fleet.Target t = fleet.target(1);
      if (t == null) {
        return Fleet.NO_ACCOUNT;
      }
      StateChange honest = fleet.honestVersion(t, 80);
      List<String> others = new ArrayList<>(fleet.groups());
      others.remove(t.group());
      String otherGroup = others.get(fleet.faultRandom.nextInt(others.size()));
      List<SimulatedNode> outsiders = fleet.members(otherGroup);
      SimulatedNode outsider = outsiders.get(fleet.faultRandom.nextInt(outsiders.size()));
      StateChange copy = StateChange.newBuilder(honest).build();
      copy.setNodeId(outsider.nodeId());
      copy.setEventId(UUID.randomUUID().toString());
      // its own batch: the outsider's honest reports of its own group must not share the batch
      HeraldReporter r = fleet.reporter(outsider.nodeId());
      r.flush();
      fleet.sendVia(r, copy);
      r.flush();
      return Injected.of(t.group(), List.of(outsider.nodeId()));
    }
  }
}
