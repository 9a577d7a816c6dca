package dev.herald.bench.micro;

import dev.herald.auditor.detect.EntityState;
import dev.herald.auditor.detect.EvidenceRef;
import dev.herald.auditor.detect.NodeLedger;
import dev.herald.auditor.detect.ReplicaReport;
import dev.herald.schema.Topics;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Store values shaped as the auditor keeps them during the benchmark's run: an entity of a group of
 * {@code replicas} nodes with a full closed-version window ({@link EntityState#CLOSED_WINDOW}, each
 * with every node's hash and claim coordinates) and {@code openVersions} open versions (the oldest
 * with all reports but one, a newer one with one report), and a node ledger with a full batch
 * window ({@link NodeLedger#BATCH_WINDOW} digests). Ids as the simulator makes them: UUID event and
 * operation ids, {@code <group>-node-<n>} nodes, {@code acct-<n>} entities, 16-hex-digit key ids,
 * hashes as 64 lower-case hex characters. Deterministic for a seed.
 */
public final class StoreValueFixtures {
  static final long T0 = 1_796_000_000_000L;
  private static final String GROUP = "payments";

  private final Random random;

  public StoreValueFixtures(long seed) {
    this.random = new Random(seed);
  }

  /** Node {@code n} (1-based) of the group. */
  public static String node(int n) {
    return GROUP + "-node-" + n;
  }

  /** An entity as described above. */
  public EntityState entity(int index, int replicas, int openVersions) {
    // strings equal to the entity's but not the same objects, as the auditor's reports carry them
    String entityKey = String.format("acct-%05d", index);
    TreeMap<Long, EntityState.ClosedVersion> closed = new TreeMap<>();
    TreeMap<Long, EntityState.VersionSlot> open = new TreeMap<>();
    long first = 17 + random.nextInt(2000);
    long time = T0 + random.nextInt(1_000_000);
    String prevAgreed = hex();
    for (long v = first; v < first + EntityState.CLOSED_WINDOW; v++) {
      String agreedHash = hex();
      TreeMap<String, String> hashes = new TreeMap<>();
      TreeMap<String, EvidenceRef> claims = new TreeMap<>();
      for (int n = 1; n <= replicas; n++) {
        hashes.put(node(n), new String(agreedHash));
        claims.put(
            node(n),
            new EvidenceRef(
                Topics.STATE_CHANGES,
                random.nextInt(6),
                100_000 + random.nextInt(1_000_000),
                node(n),
                "",
                1_000 + random.nextInt(50_000),
                null,
                true,
                ""));
      }
      closed.put(
          v,
          EntityState.ClosedVersion.restore(
              v, agreedHash, UUID.randomUUID().toString(), hashes, claims, new HashSet<>(), false));
      prevAgreed = agreedHash;
    }
    long highestClosed = first + EntityState.CLOSED_WINDOW - 1;
    EntityState s = EntityState.restore(GROUP, entityKey, open, closed, first, highestClosed);
    long v = highestClosed + 1;
    for (int o = 0; o < openVersions; o++, v++) {
      long openedAt = time + 100 * o;
      EntityState.VersionSlot slot =
          EntityState.VersionSlot.restore(
              v, openedAt, openedAt - 40, new TreeMap<>(), new HashSet<>());
      int reporting = o == 0 ? replicas - 1 : 1;
      String stateHash = hex();
      String opId = UUID.randomUUID().toString();
      String opDigest = hex();
      for (int n = 1; n <= reporting; n++) {
        slot.reports()
            .put(node(n), report(s, v, n, prevAgreed, stateHash, opId, opDigest, openedAt));
      }
      open.put(v, slot);
      prevAgreed = stateHash;
    }
    return s;
  }

  /** Another report of node {@code n} for {@code version}: a new claim, as a batch brings it. */
  public ReplicaReport report(
      EntityState s,
      long version,
      int n,
      String prevHash,
      String stateHash,
      String opId,
      String opDigest,
      long time) {
    String node = node(n);
    EvidenceRef evidence =
        new EvidenceRef(
            Topics.STATE_CHANGES,
            random.nextInt(6),
            100_000 + random.nextInt(1_000_000),
            new String(node),
            keyId(n),
            1_000 + random.nextInt(50_000),
            null,
            true,
            hex());
    return new ReplicaReport(
        UUID.randomUUID().toString(),
        new String(s.group()),
        new String(s.entityKey()),
        version,
        new String(node),
        prevHash,
        new String(stateHash),
        opId,
        new String(opDigest),
        time + random.nextInt(50),
        evidence);
  }

  /**
   * The newest report of {@code s} (in its newest open version) and another claim of the same node
   * for the same version: what a benchmark alternates to change the entity before each write.
   */
  public static ReplicaReport[] alternates(StoreValueFixtures fixtures, EntityState s) {
    EntityState.VersionSlot newest = s.openVersions().lastEntry().getValue();
    Map.Entry<String, ReplicaReport> last = newest.reports().lastEntry();
    ReplicaReport r = last.getValue();
    int node = Integer.parseInt(last.getKey().substring(last.getKey().lastIndexOf('-') + 1));
    ReplicaReport other =
        fixtures.report(
            s,
            r.version(),
            node,
            r.prevHash(),
            r.stateHash(),
            r.opId(),
            r.opDigest(),
            r.eventTime());
    return new ReplicaReport[] {r, other};
  }

  /** A ledger as described above. */
  public NodeLedger ledger() {
    NodeLedger l = new NodeLedger();
    l.tokens = 50 + random.nextInt(5000) / 100.0;
    l.refilledAt = T0 + random.nextInt(1_000_000);
    l.inFlight = random.nextInt(6);
    l.flooding = false;
    long seq = 1_000 + random.nextInt(50_000);
    for (int i = 0; i < NodeLedger.BATCH_WINDOW; i++) {
      l.recentBatches.put(seq + i, hex());
    }
    l.unverifiedTokens = -1;
    l.unverifiedRefilledAt = 0;
    return l;
  }

  /** A SHA-256 digest as the auditor keeps it: 64 lower-case hex characters. */
  public String hex() {
    byte[] b = new byte[32];
    random.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  private static String keyId(int n) {
    return String.format("%016x", 0x9c722c07f7d933eeL + n);
  }
}
