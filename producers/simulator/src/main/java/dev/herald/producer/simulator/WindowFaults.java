package dev.herald.producer.simulator;

import dev.herald.schema.StateChange;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The faults that last a window of time (and so never overlap another fault): a lagging replica, a
 * silent (crashed) node, a flooding node. Each picks a random member of a random group.
 */
final class WindowFaults {
  private WindowFaults() {}

  /** A random member of a random group. */
  private static SimulatedNode pick(Fleet fleet) {
    AccountBook book = fleet.books().get(fleet.faultRandom.nextInt(fleet.books().size()));
    List<SimulatedNode> members = fleet.members(book.group());
    return members.get(fleet.faultRandom.nextInt(members.size()));
  }

  private static long events(Fleet fleet, Duration length) {
    return Math.max(1, FaultPlan.toEvents(length, fleet.scenario.rate()));
  }

  private abstract static class Window implements FaultInjector.OpenWindow {
    final Fleet fleet;
    final SimulatedNode node;
    final Duration length;
    final long events;
    FaultWindow window;

    Window(Fleet fleet, SimulatedNode node, Duration length) {
      this.fleet = fleet;
      this.node = node;
      this.length = length;
      this.events = WindowFaults.events(fleet, length);
    }

    @Override
    public FaultWindow window() {
      return window;
    }

    @Override
    public long events() {
      return events;
    }

    @Override
    public Duration length() {
      return length;
    }
  }

  /** One replica's reports held back longer than the grace, then delivered (agreed hashes). */
  static final class Lag implements FaultInjector {
    @Override
    public Injection inject(Fleet fleet, long faultNumber) {
      SimulatedNode node = pick(fleet);
      Window w =
          new Window(fleet, node, fleet.scenario.lagWindow()) {
            private final List<Runnable> held = new ArrayList<>();

            @Override
            public boolean holds(String nodeId) {
              return nodeId.equals(node.nodeId());
            }

            @Override
            public void hold(Runnable send) {
              held.add(send);
            }

            @Override
            public FaultWindow end() {
              held.forEach(Runnable::run);
              held.clear();
              return window.endedAt(fleet.millisNow());
            }
          };
      w.window =
          new FaultWindow(FaultType.LAG, node.nodeId(), node.group(), fleet.millisNow(), null);
      return new Injected(node.group(), null, null, List.of(node.nodeId()), w);
    }
  }

  /**
   * A crashed node: no heartbeat for the window; its group applies nothing meanwhile, so no version
   * can miss it. The alert is node-level (group empty).
   */
  static final class Silent implements FaultInjector {
    @Override
    public Injection inject(Fleet fleet, long faultNumber) {
      SimulatedNode node = pick(fleet);
      Window w =
          new Window(fleet, node, fleet.scenario.silentWindow()) {
            @Override
            public boolean pauses(String group) {
              return group.equals(node.group());
            }

            @Override
            public FaultWindow end() {
              FaultWindow closed = window.endedAt(fleet.millisNow());
              fleet.resume(node.nodeId());
              return closed;
            }
          };
      // the window starts under the heartbeat lock: no heartbeat of the node is stamped after it
      fleet.silence(
          node.nodeId(),
          () ->
              w.window =
                  new FaultWindow(
                      FaultType.SILENT, node.nodeId(), node.group(), fleet.millisNow(), null));
      return new Injected("", null, null, List.of(node.nodeId()), w);
    }
  }

  /**
   * One replica re-sends copies of its latest report, {@link Scenario#floodCopies()} in all over
   * the window; its group applies nothing meanwhile, so none of its own reports is refused with the
   * copies.
   */
  static final class Flood implements FaultInjector {
    @Override
    public Injection inject(Fleet fleet, long faultNumber) {
      SimulatedNode node = pick(fleet);
      long events = events(fleet, fleet.scenario.floodWindow());
      long copiesPerEvent = (fleet.scenario.floodCopies() + events - 1) / events;
      Window w =
          new Window(fleet, node, fleet.scenario.floodWindow()) {
            @Override
            public boolean pauses(String group) {
              return group.equals(node.group());
            }

            @Override
            public void step() {
              StateChange copy = fleet.lastReport(node.nodeId());
              if (copy == null) {
                return;
              }
              for (long i = 0; i < copiesPerEvent; i++) {
                fleet.send(node.nodeId(), copy);
              }
            }

            @Override
            public FaultWindow end() {
              return window.endedAt(fleet.millisNow());
            }
          };
      w.window =
          new FaultWindow(FaultType.FLOOD, node.nodeId(), node.group(), fleet.millisNow(), null);
      return new Injected(node.group(), null, null, List.of(node.nodeId()), w);
    }
  }
}
