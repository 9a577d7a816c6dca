package dev.herald.auditor.store;

import dev.herald.auditor.alerting.AlertRecord;
import dev.herald.auditor.detect.EntityState;
import dev.herald.auditor.detect.EntityState.ClosedVersion;
import dev.herald.auditor.detect.EntityState.VersionSlot;
import dev.herald.auditor.detect.EvidenceRef;
import dev.herald.auditor.detect.Finding;
import dev.herald.auditor.detect.NodeLedger;
import dev.herald.auditor.detect.ReplicaReport;
import dev.herald.auditor.store.BinarySerde.In;
import dev.herald.auditor.store.BinarySerde.Out;
import dev.herald.schema.AlertStatus;
import dev.herald.schema.AlertType;
import dev.herald.schema.Severity;
import dev.herald.schema.Topics;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The binary layouts of the auditor's hot store values (see {@link BinarySerde}): entity states,
 * node ledgers, alert records and the findings on the repartition topic. Fields are written in
 * declaration order; {@code StoreCodecsTest} fails when a class gains a field this file does not
 * write, so a new field cannot be dropped silently.
 */
public final class StoreCodecs {
  private StoreCodecs() {}

  public static BinarySerde<EntityState> entityStates() {
    return new BinarySerde<>(EntityState.class, ENTITY_STATE);
  }

  public static BinarySerde<NodeLedger> nodeLedgers() {
    return new BinarySerde<>(NodeLedger.class, NODE_LEDGER);
  }

  public static BinarySerde<Finding> findings() {
    return new BinarySerde<>(Finding.class, FINDING);
  }

  public static BinarySerde<AlertRecord> alertRecords() {
    return new BinarySerde<>(AlertRecord.class, ALERT_RECORD);
  }

  static final BinarySerde.Codec<EntityState> ENTITY_STATE =
      new BinarySerde.Codec<>() {
        @Override
        public void write(Out out, EntityState s) {
          String group = s.group();
          String entityKey = s.entityKey();
          Map<Long, VersionSlot> open = s.openVersions();
          Map<Long, ClosedVersion> closed = s.closedVersions();
          out.str(group);
          out.str(entityKey);
          out.size(open, open == null ? 0 : open.size());
          if (open != null) {
            for (Map.Entry<Long, VersionSlot> e : open.entrySet()) {
              out.zlong(e.getKey());
              writeSlot(out, e.getValue(), group, entityKey);
            }
          }
          out.size(closed, closed == null ? 0 : closed.size());
          if (closed != null) {
            for (Map.Entry<Long, ClosedVersion> e : closed.entrySet()) {
              out.zlong(e.getKey());
              writeClosed(out, e.getValue());
            }
          }
          out.zlong(s.forgottenBelow());
          out.zlong(s.highestClosed());
          // Trailing section (values written before it lack it): where each closed version's
          // claims were read, in the closed versions' order.
          if (closed != null) {
            for (ClosedVersion c : closed.values()) {
              writeClaims(out, c == null ? null : c.claims);
            }
          }
        }

        @Override
        public EntityState read(In in) {
          String group = in.str();
          String entityKey = in.str();
          int openCount = in.size();
          TreeMap<Long, VersionSlot> open = openCount < 0 ? null : new TreeMap<>();
          for (int i = 0; i < openCount; i++) {
            long v = in.zlong();
            open.put(v, readSlot(in, group, entityKey));
          }
          int closedCount = in.size();
          TreeMap<Long, ClosedVersion> closed = closedCount < 0 ? null : new TreeMap<>();
          for (int i = 0; i < closedCount; i++) {
            long v = in.zlong();
            closed.put(v, readClosed(in));
          }
          long forgottenBelow = in.zlong();
          long highestClosed = in.zlong();
          if (in.more() && closed != null) {
            for (ClosedVersion c : closed.values()) {
              Map<String, EvidenceRef> claims = readClaims(in);
              if (c != null) {
                c.claims = claims;
              }
            }
          }
          return EntityState.restore(group, entityKey, open, closed, forgottenBelow, highestClosed);
        }
      };

  private static void writeSlot(Out out, VersionSlot slot, String group, String entityKey) {
    out.bool(slot != null);
    if (slot == null) {
      return;
    }
    out.zlong(slot.version);
    out.zlong(slot.openedAt);
    out.zlong(slot.firstEventTime);
    out.size(slot.reports, slot.reports == null ? 0 : slot.reports.size());
    if (slot.reports != null) {
      for (Map.Entry<String, ReplicaReport> e : slot.reports.entrySet()) {
        out.str(e.getKey());
        writeReport(out, e.getValue(), group, entityKey, e.getKey());
      }
    }
    writeStrings(out, slot.equivocators);
  }

  private static VersionSlot readSlot(In in, String group, String entityKey) {
    if (!in.bool()) {
      return null;
    }
    VersionSlot slot = new VersionSlot();
    slot.version = in.zlong();
    slot.openedAt = in.zlong();
    slot.firstEventTime = in.zlong();
    int reports = in.size();
    if (reports < 0) {
      slot.reports = null;
    }
    for (int i = 0; i < reports; i++) {
      String node = in.str();
      slot.reports.put(node, readReport(in, group, entityKey, node));
    }
    slot.equivocators = readStrings(in, new HashSet<>());
    return slot;
  }

  /** Coordinates of claims: topic, partition, offset and batch sequence per node. */
  private static void writeClaims(Out out, Map<String, EvidenceRef> claims) {
    int n = 0;
    if (claims != null) {
      for (EvidenceRef e : claims.values()) {
        n += e == null ? 0 : 1;
      }
    }
    out.uint(n);
    if (n > 0) {
      for (Map.Entry<String, EvidenceRef> e : claims.entrySet()) {
        EvidenceRef r = e.getValue();
        if (r != null) {
          out.str(e.getKey());
          out.str(r.topic(), Topics.STATE_CHANGES);
          out.zlong(r.partition());
          out.zlong(r.offset());
          out.zlong(r.batchSeq());
        }
      }
    }
  }

  private static Map<String, EvidenceRef> readClaims(In in) {
    int n = in.uint();
    Map<String, EvidenceRef> claims = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      String node = in.str();
      String topic = in.str(Topics.STATE_CHANGES);
      int partition = (int) in.zlong();
      long offset = in.zlong();
      long batchSeq = in.zlong();
      claims.put(
          node, new EvidenceRef(topic, partition, offset, node, "", batchSeq, null, true, ""));
    }
    return claims;
  }

  private static void writeClosed(Out out, ClosedVersion c) {
    out.bool(c != null);
    if (c == null) {
      return;
    }
    Map<ClosedVersion, ClosedMemo> memos = CLOSED_MEMOS.get();
    ClosedMemo memo = memos.get(c);
    if (memo == null || !memo.matches(c)) {
      Out part = new Out(128);
      writeClosedFields(part, c);
      memo = new ClosedMemo(c, part.toByteArray());
      if (memos.size() >= MAX_CLOSED_MEMOS) {
        memos.clear();
      }
      memos.put(c, memo);
    }
    out.raw(memo.bytes);
  }

  private static void writeClosedFields(Out out, ClosedVersion c) {
    out.zlong(c.version);
    out.str(c.agreedHash);
    out.str(c.agreedOp);
    out.size(c.hashes, c.hashes == null ? 0 : c.hashes.size());
    if (c.hashes != null) {
      for (Map.Entry<String, String> e : c.hashes.entrySet()) {
        out.str(e.getKey());
        // most nodes agree: their hash is the agreed one
        out.str(e.getValue(), c.agreedHash);
      }
    }
    writeStrings(out, c.missing);
    out.bool(c.revotable);
  }

  /**
   * Encoded closed versions, per stream thread. A closed version rarely changes (a late report adds
   * a hash) but is written with its entity on every report, 16 of them each time; re-encoding them
   * was the largest cost of the entity serde. Each memo remembers the very objects it encoded
   * (compared by identity, in iteration order), so any change to the summary — a field, a hash, a
   * missing node — makes it miss and re-encode; it can never serve stale bytes.
   */
  private static final ThreadLocal<Map<ClosedVersion, ClosedMemo>> CLOSED_MEMOS =
      ThreadLocal.withInitial(IdentityHashMap::new);

  private static final int MAX_CLOSED_MEMOS = 1 << 16;

  private static final class ClosedMemo {
    private final long version;
    private final boolean revotable;
    private final String agreedHash;
    private final String agreedOp;
    private final Map<String, String> hashes;
    private final Object[] hashRefs;
    private final Set<String> missing;
    private final Object[] missingRefs;
    private final byte[] bytes;

    ClosedMemo(ClosedVersion c, byte[] bytes) {
      this.version = c.version;
      this.revotable = c.revotable;
      this.agreedHash = c.agreedHash;
      this.agreedOp = c.agreedOp;
      this.hashes = c.hashes;
      this.missing = c.missing;
      this.bytes = bytes;
      if (hashes == null) {
        hashRefs = null;
      } else {
        hashRefs = new Object[2 * hashes.size()];
        int i = 0;
        for (Map.Entry<String, String> e : hashes.entrySet()) {
          hashRefs[i++] = e.getKey();
          hashRefs[i++] = e.getValue();
        }
      }
      missingRefs = missing == null ? null : missing.toArray();
    }

    boolean matches(ClosedVersion c) {
      if (c.version != version
          || c.revotable != revotable
          || c.agreedHash != agreedHash
          || c.agreedOp != agreedOp
          || c.hashes != hashes
          || c.missing != missing) {
        return false;
      }
      if (hashes != null) {
        if (hashes.size() * 2 != hashRefs.length) {
          return false;
        }
        int i = 0;
        for (Map.Entry<String, String> e : hashes.entrySet()) {
          if (e.getKey() != hashRefs[i++] || e.getValue() != hashRefs[i++]) {
            return false;
          }
        }
      }
      if (missing != null) {
        if (missing.size() != missingRefs.length) {
          return false;
        }
        int i = 0;
        for (String m : missing) {
          if (m != missingRefs[i++]) {
            return false;
          }
        }
      }
      return true;
    }
  }

  private static ClosedVersion readClosed(In in) {
    if (!in.bool()) {
      return null;
    }
    ClosedVersion c = new ClosedVersion();
    c.version = in.zlong();
    c.agreedHash = in.str();
    c.agreedOp = in.str();
    int hashes = in.size();
    Map<String, String> map = hashes < 0 ? null : new TreeMap<>();
    for (int i = 0; i < hashes; i++) {
      map.put(in.str(), in.str(c.agreedHash));
    }
    c.hashes = map;
    c.missing = readStrings(in, new HashSet<>());
    c.revotable = in.bool();
    return c;
  }

  /** A report inside its entity: group, entity key and node are usually the enclosing ones. */
  private static void writeReport(
      Out out, ReplicaReport r, String group, String entityKey, String node) {
    out.bool(r != null);
    if (r == null) {
      return;
    }
    out.str(r.eventId());
    out.str(r.group(), group);
    out.str(r.entityKey(), entityKey);
    out.zlong(r.version());
    out.str(r.nodeId(), node);
    out.str(r.prevHash());
    out.str(r.stateHash());
    out.str(r.opId());
    out.str(r.opDigest());
    out.zlong(r.eventTime());
    writeEvidence(out, r.evidence(), r.nodeId());
  }

  private static ReplicaReport readReport(In in, String group, String entityKey, String node) {
    if (!in.bool()) {
      return null;
    }
    String eventId = in.str();
    String g = in.str(group);
    String k = in.str(entityKey);
    long version = in.zlong();
    String nodeId = in.str(node);
    String prevHash = in.str();
    String stateHash = in.str();
    String opId = in.str();
    String opDigest = in.str();
    long eventTime = in.zlong();
    EvidenceRef evidence = readEvidence(in, nodeId);
    return new ReplicaReport(
        eventId, g, k, version, nodeId, prevHash, stateHash, opId, opDigest, eventTime, evidence);
  }

  private static void writeEvidence(Out out, EvidenceRef e, String node) {
    out.bool(e != null);
    if (e == null) {
      return;
    }
    out.str(e.topic(), Topics.STATE_CHANGES);
    out.zlong(e.partition());
    out.zlong(e.offset());
    out.str(e.nodeId(), node);
    out.str(e.keyId());
    out.zlong(e.batchSeq());
    out.optBytes(e.record());
    out.bool(e.signatureValid());
    // 32 raw bytes, not 64 hex characters: every open report carries its batch's hash
    out.optBytes(e.sha256().isEmpty() ? null : HexFormat.of().parseHex(e.sha256()));
  }

  private static EvidenceRef readEvidence(In in, String node) {
    if (!in.bool()) {
      return null;
    }
    return new EvidenceRef(
        in.str(Topics.STATE_CHANGES),
        in.zint(),
        in.zlong(),
        in.str(node),
        in.str(),
        in.zlong(),
        in.optBytes(),
        in.bool(),
        hexOrEmpty(in.optBytes()));
  }

  private static String hexOrEmpty(byte[] bytes) {
    return bytes == null ? "" : HexFormat.of().formatHex(bytes);
  }

  private static void writeEvidenceList(Out out, List<EvidenceRef> list) {
    out.size(list, list == null ? 0 : list.size());
    if (list != null) {
      for (EvidenceRef e : list) {
        writeEvidence(out, e, null);
      }
    }
  }

  private static <C extends Collection<EvidenceRef>> C readEvidenceList(In in, C into) {
    int n = in.size();
    if (n < 0) {
      return null;
    }
    for (int i = 0; i < n; i++) {
      into.add(readEvidence(in, null));
    }
    return into;
  }

  private static void writeStrings(Out out, Collection<String> strings) {
    out.size(strings, strings == null ? 0 : strings.size());
    if (strings != null) {
      for (String s : strings) {
        out.str(s);
      }
    }
  }

  private static <C extends Collection<String>> C readStrings(In in, C into) {
    int n = in.size();
    if (n < 0) {
      return null;
    }
    for (int i = 0; i < n; i++) {
      into.add(in.str());
    }
    return into;
  }

  static final BinarySerde.Codec<NodeLedger> NODE_LEDGER =
      new BinarySerde.Codec<>() {
        @Override
        public void write(Out out, NodeLedger l) {
          out.float64(l.tokens);
          out.zlong(l.refilledAt);
          out.zlong(l.inFlight);
          out.bool(l.flooding);
          writeRecentBatches(out, l.recentBatches);
          out.float64(l.unverifiedTokens);
          out.zlong(l.unverifiedRefilledAt);
        }

        @Override
        public NodeLedger read(In in) {
          NodeLedger l = new NodeLedger();
          l.tokens = in.float64();
          l.refilledAt = in.zlong();
          l.inFlight = in.zint();
          l.flooding = in.bool();
          int n = in.size();
          if (n < 0) {
            l.recentBatches = null;
          }
          for (int i = 0; i < n; i++) {
            long seq = in.zlong();
            l.recentBatches.put(seq, in.str());
          }
          l.unverifiedTokens = in.float64();
          l.unverifiedRefilledAt = in.zlong();
          return l;
        }
      };

  /**
   * A ledger's batch window (64 digests) is written with the ledger whenever the node's in-flight
   * count changes, which is far more often than the window does: reuse its encoding while the
   * window holds the very same entries (by identity, in order).
   */
  private static void writeRecentBatches(Out out, TreeMap<Long, String> batches) {
    if (batches == null) {
      out.size(null, 0);
      return;
    }
    Map<Object, WindowMemo> memos = WINDOW_MEMOS.get();
    WindowMemo memo = memos.get(batches);
    if (memo == null || !memo.matches(batches)) {
      Out part = new Out(32 + 24 * batches.size());
      part.size(batches, batches.size());
      Object[] refs = new Object[2 * batches.size()];
      int i = 0;
      for (Map.Entry<Long, String> e : batches.entrySet()) {
        part.zlong(e.getKey());
        part.str(e.getValue());
        refs[i++] = e.getKey();
        refs[i++] = e.getValue();
      }
      memo = new WindowMemo(refs, part.toByteArray());
      if (memos.size() >= MAX_CLOSED_MEMOS) {
        memos.clear();
      }
      memos.put(batches, memo);
    }
    out.raw(memo.bytes);
  }

  private static final ThreadLocal<Map<Object, WindowMemo>> WINDOW_MEMOS =
      ThreadLocal.withInitial(IdentityHashMap::new);

  private record WindowMemo(Object[] refs, byte[] bytes) {
    boolean matches(TreeMap<Long, String> batches) {
      if (batches.size() * 2 != refs.length) {
        return false;
      }
      int i = 0;
      for (Map.Entry<Long, String> e : batches.entrySet()) {
        if (e.getKey() != refs[i++] || e.getValue() != refs[i++]) {
          return false;
        }
      }
      return true;
    }
  }

  static final BinarySerde.Codec<Finding> FINDING =
      new BinarySerde.Codec<>() {
        @Override
        public void write(Out out, Finding f) {
          out.enumName(f.kind());
          out.enumName(f.type());
          out.str(f.group());
          out.str(f.entityKey());
          out.optLong(f.version());
          writeStrings(out, f.nodes());
          out.str(f.majorityHash());
          out.str(f.detail());
          out.zlong(f.firstEventTime());
          out.zlong(f.detectedAt());
          out.uint(f.attributes().size());
          for (Map.Entry<String, String> e : new TreeMap<>(f.attributes()).entrySet()) {
            out.str(e.getKey());
            out.str(e.getValue());
          }
          writeEvidenceList(out, f.evidence());
        }

        @Override
        public Finding read(In in) {
          Finding.Kind kind = in.enumName(Finding.Kind.class);
          AlertType type = in.enumName(AlertType.class);
          String group = in.str();
          String entityKey = in.str();
          Long version = in.optLong();
          List<String> nodes = readStrings(in, new ArrayList<>());
          String majorityHash = in.str();
          String detail = in.str();
          long firstEventTime = in.zlong();
          long detectedAt = in.zlong();
          int n = in.uint();
          Map<String, String> attributes = new LinkedHashMap<>();
          for (int i = 0; i < n; i++) {
            attributes.put(in.str(), in.str());
          }
          List<EvidenceRef> evidence = readEvidenceList(in, new ArrayList<>());
          return new Finding(
              kind,
              type,
              group,
              entityKey,
              version,
              nodes,
              majorityHash,
              detail,
              firstEventTime,
              detectedAt,
              attributes,
              evidence);
        }
      };

  static final BinarySerde.Codec<AlertRecord> ALERT_RECORD =
      new BinarySerde.Codec<>() {
        @Override
        public void write(Out out, AlertRecord r) {
          out.str(r.identityKey);
          out.str(r.alertId);
          out.enumName(r.type);
          out.enumName(r.severity);
          out.enumName(r.status);
          out.str(r.group);
          out.str(r.entityKey);
          out.optLong(r.version);
          writeStrings(out, r.nodes);
          out.str(r.majorityHash);
          out.str(r.detail);
          writeEvidenceList(out, r.evidence);
          out.zlong(r.firstEventTime);
          out.zlong(r.detectedAt);
          out.optLong(r.resolvedAt);
          out.zlong(r.episode);
          out.zlong(r.count);
          out.zlong(r.outstanding);
          out.str(r.firstOccurrence);
          out.str(r.lastOccurrence);
          out.zlong(r.lastOccurrenceAt);
          out.zlong(r.lastSeenWall);
          out.zlong(r.lastPublishedWall);
          out.bool(r.pendingUpdate);
          out.bool(r.resolvedByQuiet);
        }

        @Override
        public AlertRecord read(In in) {
          AlertRecord r = new AlertRecord();
          r.identityKey = in.str();
          r.alertId = in.str();
          r.type = in.enumName(AlertType.class);
          r.severity = in.enumName(Severity.class);
          r.status = in.enumName(AlertStatus.class);
          r.group = in.str();
          r.entityKey = in.str();
          r.version = in.optLong();
          r.nodes = readStrings(in, new ArrayList<>());
          r.majorityHash = in.str();
          r.detail = in.str();
          r.evidence = readEvidenceList(in, new ArrayList<>());
          r.firstEventTime = in.zlong();
          r.detectedAt = in.zlong();
          r.resolvedAt = in.optLong();
          r.episode = in.zint();
          r.count = in.zlong();
          r.outstanding = in.zlong();
          r.firstOccurrence = in.str();
          r.lastOccurrence = in.str();
          r.lastOccurrenceAt = in.zlong();
          r.lastSeenWall = in.zlong();
          r.lastPublishedWall = in.zlong();
          r.pendingUpdate = in.bool();
          r.resolvedByQuiet = in.bool();
          return r;
        }
      };
}
