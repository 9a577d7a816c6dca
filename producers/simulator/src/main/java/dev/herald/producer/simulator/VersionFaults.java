package dev.herald.producer.simulator;

import dev.herald.producer.CanonicalValues;
import dev.herald.producer.Operation;
import java.util.ArrayList;
import java.util.List;

/**
 * The faults of one entity version: each takes an account of a random group out of the honest
 * stream (so the fault's version is its last and exactly one alert explains it) and has every
 * member report that version, one or some of them wrongly.
 */
final class VersionFaults {
  private VersionFaults() {}

  /** A deposit of {@code amount} as the target account's next version, and its hashes. */
  private record Deposit(Operation op, AccountBook.Update u, byte[] prev, byte[] agreed) {
    static Deposit of(Fleet.Target t, long amount) {
      Operation op =
          Operation.of(t.book().nextOpId(), AccountBook.body("deposit", t.account().key(), amount));
      AccountBook.Update u = Fleet.deposit(t.account(), amount);
      return new Deposit(
          op, u, CanonicalValues.prevStateHash(u.prevState()), CanonicalValues.hash(u.newState()));
    }
  }

  /** One replica reaches another state: a bit flip, or a local clock stamped into the state. */
  static final class Divergence implements FaultInjector {
    private int seq;

    @Override
    public Injection inject(Fleet fleet, long faultNumber) {
      Fleet.Target t = fleet.target(1);
      if (t == null) {
        return Fleet.NO_ACCOUNT;
      }
      Deposit d = Deposit.of(t, 10);
      Operation op = d.op();
      AccountBook.Update u = d.u();
      byte[] prev = d.prev();
      byte[] agreed = d.agreed();
      SimulatedNode faulty = t.members().get(0);
      byte[] wrong;
      if (seq++ % 2 == 0) {
        wrong = agreed.clone(); // bit flip in memory
        int bit = fleet.faultRandom.nextInt(wrong.length * 8);
        wrong[bit / 8] ^= (byte) (1 << (bit % 8));
      } else { // non-deterministic operation: the replica stamps its local clock into the state
        wrong = CanonicalValues.hash(Fleet.with(u.newState(), "appliedAt", fleet.clock.millis()));
      }
      for (SimulatedNode n : t.members()) {
        fleet.send(
            n.nodeId(),
            fleet.report(n.nodeId(), t.group(), u, prev, n == faulty ? wrong : agreed, op));
      }
      return Injected.at(t.group(), u.entityKey(), u.version(), List.of(faulty.nodeId()));
    }
  }

  /** Split brain: sides smaller than a quorum each reach their own state. */
  static final class Partition implements FaultInjector {
    @Override
    public Injection inject(Fleet fleet, long faultNumber) {
      Fleet.Target t = fleet.target(1);
      if (t == null) {
        return Fleet.NO_ACCOUNT;
      }
      Deposit d = Deposit.of(t, 20);
      Operation op = d.op();
      AccountBook.Update u = d.u();
      byte[] prev = d.prev();
      int side = Math.max(1, fleet.scenario.quorum() - 1);
      for (int i = 0; i < t.members().size(); i++) {
        int s = i / side;
        byte[] hash =
            CanonicalValues.hash(
                s == 0 ? u.newState() : Fleet.with(u.newState(), "partitionSide", s));
        String id = t.members().get(i).nodeId();
        fleet.send(id, fleet.report(id, t.group(), u, prev, hash, op));
      }
      return Injected.at(t.group(), u.entityKey(), u.version(), List.of());
    }
  }

  /** One replica validly signs the agreed state and another one for the same version. */
  static final class Equivocation implements FaultInjector {
    @Override
    public Injection inject(Fleet fleet, long faultNumber) {
      Fleet.Target t = fleet.target(1);
      if (t == null) {
        return Fleet.NO_ACCOUNT;
      }
      Deposit d = Deposit.of(t, 30);
      Operation op = d.op();
      AccountBook.Update u = d.u();
      byte[] prev = d.prev();
      byte[] agreed = d.agreed();
      SimulatedNode liar = t.members().get(0);
      for (SimulatedNode n : t.members()) {
        fleet.send(n.nodeId(), fleet.report(n.nodeId(), t.group(), u, prev, agreed, op));
      }
      byte[] other =
          CanonicalValues.hash(Fleet.with(u.newState(), "balance", t.account().balance() + 3000));
      fleet.send(liar.nodeId(), fleet.report(liar.nodeId(), t.group(), u, prev, other, op));
      return Injected.at(t.group(), u.entityKey(), u.version(), List.of(liar.nodeId()));
    }
  }

  /** One replica reports a version on top of a rewritten history. */
  static final class Fork implements FaultInjector {
    @Override
    public Injection inject(Fleet fleet, long faultNumber) {
      Fleet.Target t = fleet.target(1);
      if (t == null) {
        return Fleet.NO_ACCOUNT;
      }
      Deposit d = Deposit.of(t, 40);
      Operation op = d.op();
      AccountBook.Update u = d.u();
      byte[] prev = d.prev();
      byte[] agreed = d.agreed();
      SimulatedNode forker = t.members().get(0);
      byte[] rewrittenPrev = CanonicalValues.hash(Fleet.with(u.prevState(), "rewritten", true));
      byte[] rewrittenNext = CanonicalValues.hash(Fleet.with(u.newState(), "rewritten", true));
      for (SimulatedNode n : t.members()) {
        boolean f = n == forker;
        fleet.send(
            n.nodeId(),
            fleet.report(
                n.nodeId(),
                t.group(),
                u,
                f ? rewrittenPrev : prev,
                f ? rewrittenNext : agreed,
                op));
      }
      return Injected.at(t.group(), u.entityKey(), u.version(), List.of(forker.nodeId()));
    }
  }

  /** A quorum applies one withdrawal as version v, the others another of the same funds. */
  static final class DoubleSpend implements FaultInjector {
    @Override
    public Injection inject(Fleet fleet, long faultNumber) {
      Fleet.Target t = fleet.target(1);
      if (t == null) {
        return Fleet.NO_ACCOUNT;
      }
      AccountBook.Account a = t.account();
      long balance = Math.max(1, a.balance());
      long first = Math.max(1, (balance * 7 + 9) / 10);
      long second = Math.max(1, (balance * 6 + 9) / 10);
      Operation op1 =
          Operation.of(t.book().nextOpId(), AccountBook.body("withdraw", a.key(), first));
      Operation op2 =
          Operation.of(t.book().nextOpId(), AccountBook.body("withdraw", a.key(), second));
      AccountBook.Update u1 =
          new AccountBook.Update(a.key(), a.version() + 1, a.state(), a.state(a.balance() - first));
      AccountBook.Update u2 =
          new AccountBook.Update(
              a.key(), a.version() + 1, a.state(), a.state(a.balance() - second));
      byte[] prev = CanonicalValues.prevStateHash(a.state());
      List<String> minority = new ArrayList<>();
      for (int i = 0; i < t.members().size(); i++) {
        String id = t.members().get(i).nodeId();
        boolean majority = i < fleet.scenario.quorum();
        AccountBook.Update u = majority ? u1 : u2;
        if (!majority) {
          minority.add(id);
        }
        fleet.send(
            id,
            fleet.report(
                id, t.group(), u, prev, CanonicalValues.hash(u.newState()), majority ? op1 : op2));
      }
      return Injected.at(t.group(), a.key(), a.version() + 1, minority);
    }
  }

  /** Every replica applies the same operation again as the next version. */
  static final class DuplicateApply implements FaultInjector {
    @Override
    public Injection inject(Fleet fleet, long faultNumber) {
      Fleet.Target t = fleet.target(1);
      if (t == null) {
        return Fleet.NO_ACCOUNT;
      }
      AccountBook.Account a = t.account();
      Operation op = Operation.of(t.book().nextOpId(), AccountBook.body("deposit", a.key(), 50));
      AccountBook.Update once = Fleet.deposit(a, 50);
      AccountBook.Update twice =
          new AccountBook.Update(
              a.key(), a.version() + 2, once.newState(), a.state(a.balance() + 100));
      List<String> all = new ArrayList<>();
      for (AccountBook.Update u : List.of(once, twice)) {
        byte[] prev = CanonicalValues.prevStateHash(u.prevState());
        byte[] next = CanonicalValues.hash(u.newState());
        for (SimulatedNode n : t.members()) {
          fleet.send(n.nodeId(), fleet.report(n.nodeId(), t.group(), u, prev, next, op));
          if (u == twice) {
            all.add(n.nodeId());
          }
        }
      }
      return Injected.at(t.group(), a.key(), twice.version(), all);
    }
  }
}
