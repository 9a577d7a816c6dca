package dev.herald.auditor.detect;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.Collections;
import java.util.HashSet;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the auditor remembers about one entity: its open versions (reports per node) and a short
 * window of closed versions (agreed hash and op, each node's hash, who was missing) for late
 * reports, fork and duplicate-apply checks. A version leaves {@link #openVersions} when it closes;
 * {@link #closedVersions} keeps at most {@link #CLOSED_WINDOW} summaries, so state never grows with
 * history.
 *
 * <p>Mutable; stored in the {@code herald-entities} store in Avro ({@code StoreMapping}, which
 * rebuilds it with {@link #restore}). Only {@link Reconciler} opens and closes versions
 * (package-private mutators); the entity lifecycle may only raise the horizon ({@link
 * #inheritHorizon}). The slots and summaries it holds ({@link VersionSlot}, {@link ClosedVersion})
 * are read through accessors.
 */
@JsonAutoDetect(
    fieldVisibility = JsonAutoDetect.Visibility.ANY,
    getterVisibility = JsonAutoDetect.Visibility.NONE,
    isGetterVisibility = JsonAutoDetect.Visibility.NONE)
public final class EntityState {
  /** Closed versions remembered per entity. */
  public static final int CLOSED_WINDOW = 16;

  // @JsonAutoDetect above keeps the entity API's JSON of these private fields what it was when
  // they were public.
  private String group;
  private String entityKey;
  private TreeMap<Long, VersionSlot> open;
  private TreeMap<Long, ClosedVersion> closed;

  /**
   * Versions below this were forgotten; reports for them are too late to judge. Only an agreed
   * version leaving the closed window moves it, so versions nobody agreed on (a liar's alone, far
   * ahead) can never push the honest versions out of judgement.
   */
  private long forgottenBelow;

  /**
   * The highest version closed so far (0: none). Reports are voted only up to this plus the
   * policy's {@code maxInFlightVersions}: a report far beyond it is a version jump, not a vote.
   */
  private long highestClosed;

  /**
   * The highest version in {@link #closed}, found on first use (so whatever filled the map, a codec
   * or a JSON reader, it holds): a report above it needs no lookup in the closed window.
   */
  @JsonIgnore private transient long closedTop;

  @JsonIgnore private transient boolean closedTopKnown;

  public EntityState() {
    this(null, null);
  }

  public EntityState(String group, String entityKey) {
    this(group, entityKey, new TreeMap<>(), new TreeMap<>(), 0, 0);
  }

  private EntityState(
      String group,
      String entityKey,
      TreeMap<Long, VersionSlot> open,
      TreeMap<Long, ClosedVersion> closed,
      long forgottenBelow,
      long highestClosed) {
    this.group = group;
    this.entityKey = entityKey;
    this.open = open;
    this.closed = closed;
    this.forgottenBelow = forgottenBelow;
    this.highestClosed = highestClosed;
  }

  /**
   * An entity state as the store codec read it, taking ownership of the maps (no copy; either may
   * be null when it was written null).
   */
  public static EntityState restore(
      String group,
      String entityKey,
      TreeMap<Long, VersionSlot> open,
      TreeMap<Long, ClosedVersion> closed,
      long forgottenBelow,
      long highestClosed) {
    return new EntityState(group, entityKey, open, closed, forgottenBelow, highestClosed);
  }

  public String group() {
    return group;
  }

  public String entityKey() {
    return entityKey;
  }

  /**
   * The open versions by version: the live map, not a copy (the codec and the hot path read it on
   * every report). Read only; {@link Reconciler} opens and closes versions.
   */
  public NavigableMap<Long, VersionSlot> openVersions() {
    return open;
  }

  /**
   * The closed window by version: the live map, not a copy. Read only, like {@link #openVersions}.
   */
  public NavigableMap<Long, ClosedVersion> closedVersions() {
    return closed;
  }

  /** The open version {@code version}, or null. */
  public VersionSlot openVersion(long version) {
    return open.get(version);
  }

  /** What remains of closed version {@code version} while it is in the window, or null. */
  public ClosedVersion closedVersion(long version) {
    // Most reports are of a version above every closed one (open, or new): no tree lookup.
    if (!closedTopKnown) {
      closedTop = closed.isEmpty() ? Long.MIN_VALUE : closed.lastKey();
      closedTopKnown = true;
    }
    return version > closedTop ? null : closed.get(version);
  }

  /** Versions below this are too late to judge. */
  public long forgottenBelow() {
    return forgottenBelow;
  }

  /** The highest version closed so far (0: none). */
  public long highestClosed() {
    return highestClosed;
  }

  /**
   * Carries over the horizon of an evicted predecessor of this entity: neither value moves back.
   */
  public void inheritHorizon(long highestClosed, long forgottenBelow) {
    this.highestClosed = Math.max(this.highestClosed, highestClosed);
    this.forgottenBelow = Math.max(this.forgottenBelow, forgottenBelow);
  }

  /** Opens {@code slot} (its first report arrived). */
  void startVersion(VersionSlot slot) {
    open.put(slot.version(), slot);
  }

  /** Removes the open version {@code version} to close it; null if it is not open. */
  VersionSlot takeOpenVersion(long version) {
    return open.remove(version);
  }

  /**
   * Keeps the summary of a version just closed, dropping the oldest beyond {@link #CLOSED_WINDOW}.
   */
  void rememberClosed(ClosedVersion summary) {
    closed.put(summary.version(), summary);
    highestClosed = Math.max(highestClosed, summary.version);
    if (closedTopKnown) {
      closedTop = Math.max(closedTop, summary.version);
    }
    while (closed.size() > CLOSED_WINDOW) {
      ClosedVersion oldest = closed.pollFirstEntry().getValue();
      // Only an agreed version moves the horizon: versions nobody agreed on (one liar's, far
      // ahead) must never make later honest reports too late to judge.
      if (oldest != null && oldest.agreedHash() != null) {
        forgottenBelow = Math.max(forgottenBelow, oldest.version() + 1);
      }
    }
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

  /**
   * One open version: who reported what. Outside this package read only; {@link Reconciler} adds
   * reports and equivocators through the live collections.
   */
  @JsonAutoDetect(
      fieldVisibility = JsonAutoDetect.Visibility.ANY,
      getterVisibility = JsonAutoDetect.Visibility.NONE,
      isGetterVisibility = JsonAutoDetect.Visibility.NONE)
  public static final class VersionSlot {
    // @JsonAutoDetect keeps the entity API's JSON of these private fields what it was when they
    // were public.
    private long version;

    /** Stream time when the first report arrived; the grace counts from here. */
    private long openedAt;

    /** Event time of the first report. */
    private long firstEventTime;

    private TreeMap<String, ReplicaReport> reports = new TreeMap<>();

    /** Nodes caught signing two different claims for this version; they leave the vote. */
    private Set<String> equivocators = new HashSet<>();

    VersionSlot(long version, long openedAt, long firstEventTime) {
      this.version = version;
      this.openedAt = openedAt;
      this.firstEventTime = firstEventTime;
    }

    /** A slot as the store read it, taking ownership of the collections (no copy). */
    public static VersionSlot restore(
        long version,
        long openedAt,
        long firstEventTime,
        TreeMap<String, ReplicaReport> reports,
        Set<String> equivocators) {
      VersionSlot slot = new VersionSlot(version, openedAt, firstEventTime);
      slot.reports = reports;
      slot.equivocators = equivocators;
      return slot;
    }

    public long version() {
      return version;
    }

    /** Stream time when the first report arrived; the grace counts from here. */
    public long openedAt() {
      return openedAt;
    }

    /** Event time of the first report. */
    public long firstEventTime() {
      return firstEventTime;
    }

    /** The reports by node: the live map, not a copy. */
    public NavigableMap<String, ReplicaReport> reports() {
      return reports;
    }

    /** Nodes caught signing two different claims for this version: the live set, not a copy. */
    public Set<String> equivocators() {
      return equivocators;
    }
  }

  /**
   * What remains of a closed version. Outside this package read only; {@link Reconciler} changes it
   * when late reports arrive.
   */
  @JsonAutoDetect(
      fieldVisibility = JsonAutoDetect.Visibility.ANY,
      getterVisibility = JsonAutoDetect.Visibility.NONE,
      isGetterVisibility = JsonAutoDetect.Visibility.NONE)
  public static final class ClosedVersion {
    private long version;
    private String agreedHash;
    private String agreedOp;
    private Map<String, String> hashes = new TreeMap<>();

    /**
     * Where each node's claim was read (coordinates and batch sequence only: no bytes, no hash), so
     * a second, different claim after the close is an EQUIVOCATION carrying both signed batches,
     * which {@code herald verify} fetches and re-checks.
     */
    private Map<String, EvidenceRef> claims = new TreeMap<>();

    private Set<String> missing = new HashSet<>();

    /**
     * Closed as NO_QUORUM: late reports are still counted, and once a state has a quorum the
     * version is decided after all (the nodes that signed another state are then named).
     */
    private boolean revotable;

    /**
     * Its store form, kept by the store mapping between writes of the entity (an entity carries
     * {@value EntityState#CLOSED_WINDOW} closed versions that rarely change, and mapping them again
     * for every write was ≈ 4 % of the stream thread). Dropped by every accessor that hands out a
     * live collection and by every setter, so a summary that may have changed is mapped anew.
     */
    private transient Object storeForm;

    /** An empty summary, filled in when its version closes. */
    ClosedVersion() {}

    ClosedVersion(long version) {
      this.version = version;
    }

    /** A summary as the store read it, taking ownership of the collections (no copy). */
    public static ClosedVersion restore(
        long version,
        String agreedHash,
        String agreedOp,
        Map<String, String> hashes,
        Map<String, EvidenceRef> claims,
        Set<String> missing,
        boolean revotable) {
      ClosedVersion c = new ClosedVersion(version);
      c.agreedHash = agreedHash;
      c.agreedOp = agreedOp;
      c.hashes = hashes;
      c.claims = claims;
      c.missing = missing;
      c.revotable = revotable;
      return c;
    }

    public long version() {
      return version;
    }

    /** The agreed state hash (hex), or null when none was agreed. */
    public String agreedHash() {
      return agreedHash;
    }

    /** The agreed operation id, or null. */
    public String agreedOp() {
      return agreedOp;
    }

    /** Each node's state hash: the live map, not a copy. */
    public Map<String, String> hashes() {
      storeForm = null;
      return hashes;
    }

    /**
     * The state hash {@code node} signed for this version, or null: a read, so the summary's store
     * form is kept (unlike {@link #hashes}).
     */
    public String hashOf(String node) {
      return hashes == null ? null : hashes.get(node);
    }

    /** The nodes whose state hash the summary holds, read only (the store form is kept). */
    public Set<String> hashedNodes() {
      return hashes == null ? Set.of() : Collections.unmodifiableSet(hashes.keySet());
    }

    /** Where each node's claim was read: the live map, not a copy. */
    public Map<String, EvidenceRef> claims() {
      storeForm = null;
      return claims;
    }

    /** Members that did not report before the close: the live set, not a copy. */
    public Set<String> missing() {
      storeForm = null;
      return missing;
    }

    /** Closed as NO_QUORUM and still open to a late decision. */
    public boolean revotable() {
      return revotable;
    }

    void version(long version) {
      storeForm = null;
      this.version = version;
    }

    void agreedHash(String agreedHash) {
      storeForm = null;
      this.agreedHash = agreedHash;
    }

    void agreedOp(String agreedOp) {
      storeForm = null;
      this.agreedOp = agreedOp;
    }

    void revotable(boolean revotable) {
      storeForm = null;
      this.revotable = revotable;
    }

    /**
     * For the store mapping only: the store form it made of this summary, or null when the summary
     * may have changed since (or was never mapped).
     */
    public Object storeForm() {
      return storeForm;
    }

    /** For the store mapping only: keeps the store form just made of this unchanged summary. */
    public void storeForm(Object form) {
      this.storeForm = form;
    }
  }
}
