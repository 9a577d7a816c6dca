package dev.herald.producer.simulator;

import dev.herald.producer.Operation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The agreed state of one group's accounts, which every honest replica reaches: a deterministic
 * stream of opens, deposits, withdrawals and transfers drawn from the group's own random source.
 * Withdrawals and transfers never overdraw, so a second spend of the same funds is a real conflict.
 */
final class AccountBook {
  /** One account at one version. */
  record Account(String key, long version, long balance) {
    Map<String, Object> state() {
      return state(balance);
    }

    Map<String, Object> state(long newBalance) {
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("account", key);
      s.put("balance", newBalance);
      return s;
    }
  }

  /** An entity moving to a new version. */
  record Update(
      String entityKey,
      long version,
      Map<String, Object> prevState,
      Map<String, Object> newState) {}

  /** One operation and the versions it produced. */
  record Step(Operation op, List<Update> updates) {}

  private final String group;
  private final Random random;
  private final List<String> keys = new ArrayList<>();
  private final Map<String, Account> accounts = new LinkedHashMap<>();
  private final List<String> liveKeys = new ArrayList<>();
  private final String keyPrefix;
  private long opSeq;

  AccountBook(String group, int entities, long seed) {
    this(group, entities, seed, "acct-");
  }

  AccountBook(String group, int entities, long seed, String keyPrefix) {
    this.group = group;
    this.random = new Random(seed);
    this.keyPrefix = keyPrefix;
    for (int i = 1; i <= entities; i++) {
      liveKeys.add(newAccount());
    }
  }

  /** A new, not yet opened account. */
  private String newAccount() {
    String key = String.format("%s%04d", keyPrefix, keys.size() + 1);
    keys.add(key);
    accounts.put(key, new Account(key, 0, 0));
    return key;
  }

  String group() {
    return group;
  }

  /** A new operation id of this group. */
  String nextOpId() {
    return group + "-op-" + (++opSeq);
  }

  /** The next honest operation, applied to the book. Null if every account is quarantined. */
  Step next() {
    List<String> live = live();
    if (live.isEmpty()) {
      return null;
    }
    Account a = accounts.get(live.get(random.nextInt(live.size())));
    int kind = random.nextInt(10);
    if (a.version() == 0) {
      long amount = 100 + random.nextInt(900);
      return single(a, "open", amount, a.balance() + amount);
    }
    if (kind < 4 || a.balance() < 2) {
      long amount = 1 + random.nextInt(200);
      return single(a, "deposit", amount, a.balance() + amount);
    }
    if (kind < 7 || live.size() < 2) {
      long amount = 1 + random.nextInt((int) Math.min(Integer.MAX_VALUE - 1, a.balance() / 2));
      return single(a, "withdraw", amount, a.balance() - amount);
    }
    Account b = accounts.get(live.get(random.nextInt(live.size())));
    if (b.key().equals(a.key()) || b.version() == 0) {
      long amount = 1 + random.nextInt(200);
      return single(a, "deposit", amount, a.balance() + amount);
    }
    long amount = 1 + random.nextInt((int) Math.min(Integer.MAX_VALUE - 1, a.balance() / 2));
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("type", "transfer");
    body.put("from", a.key());
    body.put("to", b.key());
    body.put("amount", amount);
    Operation op = Operation.of(nextOpId(), body);
    Update ua = apply(a, a.balance() - amount);
    Update ub = apply(b, b.balance() + amount);
    return new Step(op, List.of(ua, ub));
  }

  private Step single(Account a, String type, long amount, long newBalance) {
    Operation op = Operation.of(nextOpId(), body(type, a.key(), amount));
    return new Step(op, List.of(apply(a, newBalance)));
  }

  static Map<String, Object> body(String type, String account, long amount) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("type", type);
    body.put("account", account);
    body.put("amount", amount);
    return body;
  }

  private Update apply(Account a, long newBalance) {
    Account next = new Account(a.key(), a.version() + 1, newBalance);
    accounts.put(a.key(), next);
    return new Update(a.key(), next.version(), a.version() == 0 ? null : a.state(), next.state());
  }

  /**
   * Takes an opened, live account out of the honest stream for a fault: it gets no further
   * operations, so the fault's version is the last and the expected alert is unambiguous. A new
   * account takes its place, so a long run never runs out of accounts. Null if none is open yet.
   */
  Account takeForFault(Random faultRandom, long minVersion) {
    List<String> candidates = new ArrayList<>();
    for (String k : live()) {
      if (accounts.get(k).version() >= minVersion) {
        candidates.add(k);
      }
    }
    if (candidates.isEmpty()) {
      return null;
    }
    String key = candidates.get(faultRandom.nextInt(candidates.size()));
    liveKeys.set(liveKeys.indexOf(key), newAccount());
    return accounts.get(key);
  }

  private List<String> live() {
    return liveKeys;
  }
}
