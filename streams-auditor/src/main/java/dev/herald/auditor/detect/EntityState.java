package dev.herald.auditor.detect;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the auditor remembers about one entity: its open versions (reports per node) and a short
 * window of closed versions (agreed hash and op, each node's hash, who was missing) for late
 * reports, fork and duplicate-apply checks. A version leaves {@link #open} when it closes; {@link
 * #closed} keeps at most {@link #CLOSED_WINDOW} summaries, so state never grows with history.
 *
 * <p>Mutable; stored in the {@code herald-entities} store by the auditor's binary codec ({@code
 * StoreCodecs}); {@link Reconciler} is the only code that changes it.
 */
public final class EntityState {
  /** Closed versions remembered per entity. */
  public static final int CLOSED_WINDOW = 16;

  public String group;
  public String entityKey;
  public TreeMap<Long, VersionSlot> open = new TreeMap<>();
  public TreeMap<Long, ClosedVersion> closed = new TreeMap<>();

  /**
   * Versions below this were forgotten; reports for them are too late to judge. Only an agreed
   * version leaving the closed window moves it, so versions nobody agreed on (a liar's alone, far
   * ahead) can never push the honest versions out of judgement.
   */
  public long forgottenBelow = 0;

  /**
   * The highest version closed so far (0: none). Reports are voted only up to this plus the
   * policy's {@code maxInFlightVersions}: a report far beyond it is a version jump, not a vote.
   */
  public long highestClosed = 0;

  public EntityState() {}

  public EntityState(String group, String entityKey) {
    this.group = group;
    this.entityKey = entityKey;
  }

  /**
   * The store key of an entity: the group's length, ':', the group, '/', the entity key. Length
   * prefixed, so no entity key can make two entities one ({@code pay} + {@code eu/acct-1} vs {@code
   * pay/eu} + {@code acct-1}), whatever ids a writer chose. (The partition of an entity is that of
   * its {@link #routingKey}, the producer protocol's {@code group/entityKey}.)
   */
  public static String entityId(String group, String entityKey) {
    return group.length() + ":" + group + "/" + entityKey;
  }

  /**
   * {@code group/entityKey}: the key whose murmur2 hash picks the entity's partition (producer
   * protocol §4), hence the key to locate the instance that owns the entity.
   */
  public static String routingKey(String group, String entityKey) {
    return group + "/" + entityKey;
  }

  /** Whether nothing is open (only the closed window remains). */
  public boolean quiescent() {
    return open.isEmpty();
  }

  /** One open version: who reported what. */
  public static final class VersionSlot {
    public long version;

    /** Stream time when the first report arrived; the grace counts from here. */
    public long openedAt;

    /** Event time of the first report. */
    public long firstEventTime;

    public TreeMap<String, ReplicaReport> reports = new TreeMap<>();

    /** Nodes caught signing two different claims for this version; they leave the vote. */
    public Set<String> equivocators = new HashSet<>();

    public VersionSlot() {}

    VersionSlot(long version, long openedAt, long firstEventTime) {
      this.version = version;
      this.openedAt = openedAt;
      this.firstEventTime = firstEventTime;
    }
  }

  /** What remains of a closed version. */
  public static final class ClosedVersion {
    public long version;
    public String agreedHash;
    public String agreedOp;
    public Map<String, String> hashes = new TreeMap<>();

    /**
     * Where each node's claim was read (coordinates and batch sequence only: no bytes, no hash), so
     * a second, different claim after the close is an EQUIVOCATION carrying both signed batches,
     * which {@code herald verify} fetches and re-checks.
     */
    public Map<String, EvidenceRef> claims = new TreeMap<>();

    public Set<String> missing = new HashSet<>();

    /**
     * Closed as NO_QUORUM: late reports are still counted, and once a state has a quorum the
     * version is decided after all (the nodes that signed another state are then named).
     */
    public boolean revotable;

    public ClosedVersion() {}
  }
}
