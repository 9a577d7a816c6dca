package dev.herald.auditor.detect;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
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

  /**
   * The closed window as a map by version, when it is in that form (as read by the store codec or a
   * JSON reader, or as handed out by {@link #closedVersions}); null while the arrays below hold it.
   * Exactly one of the two forms is current at any time.
   */
  @JsonIgnore private TreeMap<Long, ClosedVersion> closed;

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
   * The closed window as arrays in version order — its versions, summaries and the hash codes of
   * their agreed operations — so the lookups every report and every close make ({@link
   * #closedVersion}, {@link #agreedAt}) read one or two cache lines of one entity instead of
   * walking a tree of boxed keys and summaries scattered over the heap (≈ 15 % of the auditor's
   * stream thread was spent so, in JFR of round 12 of issue #15, and a tree kept beside them still
   * cost 4 % to update). Built from {@link #closed} on first use (whatever filled the map, a codec
   * or a JSON reader), which then drops the map; turned back into a map when one is asked for
   * ({@link #closedVersions}). {@code windowSize} -1: the map is current.
   */
  @JsonIgnore private transient long[] windowVersions;

  @JsonIgnore private transient ClosedVersion[] windowSummaries;

  @JsonIgnore private transient int[] windowOps;

  @JsonIgnore private transient int windowSize = -1;

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
   * Not for the hot path: handing it out drops the window's arrays (they are rebuilt on next use),
   * so read the window with {@link #closedVersion}, {@link #closedWindow} and {@link #agreedAt}.
   */
  public NavigableMap<Long, ClosedVersion> closedVersions() {
    if (windowSize >= 0) {
      TreeMap<Long, ClosedVersion> map = new TreeMap<>();
      for (int i = 0; i < windowSize; i++) {
        map.put(windowVersions[i], windowSummaries[i]);
      }
      closed = map;
      windowSize = -1;
    } else if (closed == null) {
      closed = new TreeMap<>();
    }
    return closed;
  }

  /** The entity API's JSON: the closed window as a map by version, as it always was. */
  @JsonProperty("closed")
  private NavigableMap<Long, ClosedVersion> closedJson() {
    return closedVersions();
  }

  @JsonProperty("closed")
  private void closedJson(TreeMap<Long, ClosedVersion> map) {
    closed = map;
    windowSize = -1;
  }

  /** The closed window in version order, read only (no copy of the summaries). */
  public List<ClosedVersion> closedWindow() {
    window();
    return Collections.unmodifiableList(Arrays.asList(windowSummaries).subList(0, windowSize));
  }

  /**
   * The earliest version of the closed window below {@code below} at which a quorum agreed on the
   * operation {@code opId}, or null (versions closed without agreement have no agreed operation).
   */
  public Long agreedAt(long below, String opId) {
    window();
    int h = opId.hashCode();
    for (int i = 0; i < windowSize && windowVersions[i] < below; i++) {
      if (windowOps[i] == h && opId.equals(windowSummaries[i].agreedOp())) {
        return windowVersions[i];
      }
    }
    return null;
  }

  /** The open version {@code version}, or null. */
  public VersionSlot openVersion(long version) {
    return open.get(version);
  }

  /** What remains of closed version {@code version} while it is in the window, or null. */
  public ClosedVersion closedVersion(long version) {
    window();
    // Most reports are of a version above every closed one (open, or new): no search.
    if (windowSize == 0 || version > windowVersions[windowSize - 1]) {
      return null;
    }
    int i = Arrays.binarySearch(windowVersions, 0, windowSize, version);
    return i >= 0 ? windowSummaries[i] : null;
  }

  /** Builds the window's arrays from {@link #closed} unless they are built. */
  private void window() {
    if (windowSize >= 0) {
      return;
    }
    int n = closed == null ? 0 : closed.size();
    int capacity = Math.max(n, CLOSED_WINDOW) + 1;
    windowVersions = new long[capacity];
    windowSummaries = new ClosedVersion[capacity];
    windowOps = new int[capacity];
    windowSize = 0;
    if (n > 0) {
      for (Map.Entry<Long, ClosedVersion> e : closed.entrySet()) {
        place(windowSize++, e.getKey(), e.getValue());
      }
    }
    closed = null;
  }

  private void place(int i, long version, ClosedVersion summary) {
    windowVersions[i] = version;
    windowSummaries[i] = summary;
    String op = summary == null ? null : summary.agreedOp;
    windowOps[i] = op == null ? 0 : op.hashCode();
    if (summary != null) {
      summary.windowed = true;
    }
  }

  /** Keeps {@code summary} in the window's arrays: replaces its version or inserts it in order. */
  private void windowAdd(ClosedVersion summary) {
    long v = summary.version;
    int i = Arrays.binarySearch(windowVersions, 0, windowSize, v);
    if (i >= 0) {
      place(i, v, summary);
      return;
    }
    // room for one more: the arrays hold the window as built plus one, and rememberClosed trims
    // back to CLOSED_WINDOW right after each addition
    int at = -i - 1;
    int tail = windowSize - at;
    System.arraycopy(windowVersions, at, windowVersions, at + 1, tail);
    System.arraycopy(windowSummaries, at, windowSummaries, at + 1, tail);
    System.arraycopy(windowOps, at, windowOps, at + 1, tail);
    place(at, v, summary);
    windowSize++;
  }

  /** Drops the window's oldest entry. */
  private void windowDropFirst() {
    windowSize--;
    System.arraycopy(windowVersions, 1, windowVersions, 0, windowSize);
    System.arraycopy(windowSummaries, 1, windowSummaries, 0, windowSize);
    System.arraycopy(windowOps, 1, windowOps, 0, windowSize);
    windowSummaries[windowSize] = null;
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
    window();
    windowAdd(summary);
    highestClosed = Math.max(highestClosed, summary.version);
    while (windowSize > CLOSED_WINDOW) {
      ClosedVersion oldest = windowSummaries[0];
      windowDropFirst();
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

    /**
     * In an entity's window arrays, which index it by version and agreed operation: from then on
     * neither may change (a late decision sets the agreed hash only).
     */
    private transient boolean windowed;

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
      fixedOnceWindowed("version");
      storeForm = null;
      this.version = version;
    }

    private void fixedOnceWindowed(String what) {
      if (windowed) {
        throw new IllegalStateException(
            "the " + what + " of a closed version is fixed once it joins the closed window");
      }
    }

    void agreedHash(String agreedHash) {
      storeForm = null;
      this.agreedHash = agreedHash;
    }

    void agreedOp(String agreedOp) {
      fixedOnceWindowed("agreed operation");
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
