package dev.herald.auditor.detect;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
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
 * <p>Mutable; stored in the {@code herald-entities} store by the auditor's binary codec ({@code
 * StoreCodecs}, which rebuilds it with {@link #restore}). Only {@link Reconciler} opens and closes
 * versions (package-private mutators); the entity lifecycle may only raise the horizon ({@link
 * #inheritHorizon}). The slots and summaries it holds ({@link VersionSlot}, {@link ClosedVersion})
 * still have public fields: the codec writes and reads them field by field.
 */
@JsonAutoDetect(
    fieldVisibility = JsonAutoDetect.Visibility.ANY,
    getterVisibility = JsonAutoDetect.Visibility.NONE,
    isGetterVisibility = JsonAutoDetect.Visibility.NONE)
public final class EntityState {
  /** Closed versions remembered per entity. */
  public static final int CLOSED_WINDOW = 16;

  // @JsonAutoDetect above keeps the JSON of these private fields (the entity API, the pre-release
  // store fallback) what it was when they were public.
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
    return closed.get(version);
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
    open.put(slot.version, slot);
  }

  /** Removes the open version {@code version} to close it; null if it is not open. */
  VersionSlot takeOpenVersion(long version) {
    return open.remove(version);
  }

  /**
   * Keeps the summary of a version just closed, dropping the oldest beyond {@link #CLOSED_WINDOW}.
   */
  void rememberClosed(ClosedVersion summary) {
    closed.put(summary.version, summary);
    highestClosed = Math.max(highestClosed, summary.version);
    while (closed.size() > CLOSED_WINDOW) {
      ClosedVersion oldest = closed.pollFirstEntry().getValue();
      // Only an agreed version moves the horizon: versions nobody agreed on (one liar's, far
      // ahead) must never make later honest reports too late to judge.
      if (oldest != null && oldest.agreedHash != null) {
        forgottenBelow = Math.max(forgottenBelow, oldest.version + 1);
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
