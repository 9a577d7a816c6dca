package dev.herald.producer.simulator;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Node registrations that must raise an identity alert: a look-alike id, a second key. */
final class RegistryFaults {
  private RegistryFaults() {}

  /** A new node whose id differs from a member's only by a Cyrillic look-alike letter. */
  static final class ConfusableId implements FaultInjector {
    private final Map<String, Integer> used = new HashMap<>();

    @Override
    public Injection inject(Fleet fleet, long faultNumber) {
      // A fresh victim each time while there are any: a second look-alike of the same id would
      // also be confusable with the first look-alike, i.e. raise two alerts for one fault.
      List<SimulatedNode> fresh =
          fleet.nodes().stream().filter(n -> !used.containsKey(n.nodeId())).toList();
      List<SimulatedNode> pool = fresh.isEmpty() ? fleet.nodes() : fresh;
      SimulatedNode victim = pool.get(fleet.faultRandom.nextInt(pool.size()));
      int variant = used.merge(victim.nodeId(), 1, Integer::sum);
      String id = victim.nodeId();
      // Cyrillic look-alikes: е (U+0435) for e, о (U+043E) for o
      String look =
          switch (variant % 3) {
            case 1 -> id.replaceFirst("e", "\u0435");
            case 2 -> id.replaceFirst("o", "\u043e");
            default -> id.replaceFirst("e", "\u0435").replaceFirst("o", "\u043e");
          };
      fleet.writeNode(
          look, fleet.keysFor("confusable/" + look).publicKey(), victim.region(), List.of());
      return Injected.of("", List.of(victim.nodeId(), look));
    }
  }

  /**
   * A stand-by id registered, then registered again with another key and no declared rotation (a
   * stand-by id, so whichever key the auditor keeps, no honest traffic is affected).
   */
  static final class IdentityConflict implements FaultInjector {
    @Override
    public Injection inject(Fleet fleet, long faultNumber) {
      String id = "standby-" + fleet.scenario.seed() + "-" + faultNumber;
      fleet.writeNode(id, fleet.keysFor("standby/" + id).publicKey(), Fleet.REGIONS[0], List.of());
      fleet.writeNode(
          id, fleet.keysFor("standby-conflict/" + id).publicKey(), Fleet.REGIONS[0], List.of());
      return Injected.of("", List.of(id));
    }
  }
}
