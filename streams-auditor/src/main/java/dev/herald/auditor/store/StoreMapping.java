package dev.herald.auditor.store;

import dev.herald.auditor.alerting.AlertRecord;
import dev.herald.auditor.detect.EntityState;
import dev.herald.auditor.detect.EntityState.ClosedVersion;
import dev.herald.auditor.detect.EntityState.VersionSlot;
import dev.herald.auditor.detect.EvidenceRef;
import dev.herald.auditor.detect.Finding;
import dev.herald.auditor.detect.Liveness;
import dev.herald.auditor.detect.NodeLedger;
import dev.herald.auditor.detect.ReplicaReport;
import dev.herald.auditor.store.avro.StoredAlert;
import dev.herald.auditor.store.avro.StoredBatchDigest;
import dev.herald.auditor.store.avro.StoredClaimRef;
import dev.herald.auditor.store.avro.StoredClosedVersion;
import dev.herald.auditor.store.avro.StoredEntity;
import dev.herald.auditor.store.avro.StoredEvidence;
import dev.herald.auditor.store.avro.StoredFinding;
import dev.herald.auditor.store.avro.StoredLedger;
import dev.herald.auditor.store.avro.StoredLiveness;
import dev.herald.auditor.store.avro.StoredReport;
import dev.herald.auditor.store.avro.StoredVersionSlot;
import dev.herald.schema.AlertStatus;
import dev.herald.schema.AlertType;
import dev.herald.schema.Severity;
import dev.herald.schema.Topics;
import dev.herald.schema.canonical.Hashing;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.errors.SerializationException;

/**
 * The mapping between the auditor's store values and their Avro records ({@code
 * src/main/avro/store}). Hashes, which the domain keeps as lower-case hex, are stored as their raw
 * bytes; a hash that is not lower-case hex of even length cannot be written (the auditor's hashes
 * are the hex of the input's bytes, so it never has one). The shortcuts of the former binary codec
 * are kept: null for a report's group, entity and node when they are the enclosing ones, for a
 * node's hash when it is the agreed one, and for the state-changes topic. Null collections are
 * stored empty.
 */
final class StoreMapping {
  private StoreMapping() {}

  // ---- EntityState

  static StoredEntity toAvro(EntityState s) {
    String group = s.group();
    String entityKey = s.entityKey();
    Map<Long, VersionSlot> openMap = s.openVersions();
    List<StoredVersionSlot> open = new ArrayList<>(openMap == null ? 0 : openMap.size());
    if (openMap != null) {
      for (VersionSlot slot : openMap.values()) {
        open.add(slot(slot, group, entityKey));
      }
    }
    // the window's arrays, not the map: a walk of one array instead of a tree (and the map would
    // drop them)
    List<ClosedVersion> window = s.closedWindow();
    List<StoredClosedVersion> closed = new ArrayList<>(window.size());
    for (int i = 0; i < window.size(); i++) {
      closed.add(closed(window.get(i)));
    }
    return new StoredEntity(group, entityKey, open, closed, s.forgottenBelow(), s.highestClosed());
  }

  static EntityState fromAvro(StoredEntity a) {
    String group = a.getGroup();
    String entityKey = a.getEntityKey();
    TreeMap<Long, VersionSlot> open = new TreeMap<>();
    for (StoredVersionSlot o : a.getOpen()) {
      TreeMap<String, ReplicaReport> reports = new TreeMap<>();
      for (Map.Entry<String, StoredReport> e : o.getReports().entrySet()) {
        reports.put(e.getKey(), report(e.getValue(), group, entityKey, e.getKey()));
      }
      open.put(
          o.getVersion(),
          VersionSlot.restore(
              o.getVersion(),
              o.getOpenedAt(),
              o.getFirstEventTime(),
              reports,
              new HashSet<>(o.getEquivocators())));
    }
    TreeMap<Long, ClosedVersion> closed = new TreeMap<>();
    for (StoredClosedVersion c : a.getClosed()) {
      String agreed = c.getAgreedHash() == null ? null : hex(c.getAgreedHash());
      Map<String, String> hashes = new TreeMap<>();
      for (Map.Entry<String, ByteBuffer> e : c.getHashes().entrySet()) {
        hashes.put(e.getKey(), e.getValue() == null ? agreed : hex(e.getValue()));
      }
      Map<String, EvidenceRef> claims = new TreeMap<>();
      for (Map.Entry<String, StoredClaimRef> e : c.getClaims().entrySet()) {
        StoredClaimRef r = e.getValue();
        claims.put(
            e.getKey(),
            new EvidenceRef(
                topicIn(r.getTopic()),
                r.getPartition(),
                r.getOffset(),
                e.getKey(),
                "",
                r.getBatchSeq(),
                null,
                true,
                ""));
      }
      ClosedVersion summary =
          ClosedVersion.restore(
              c.getVersion(),
              agreed,
              c.getAgreedOp(),
              hashes,
              claims,
              new HashSet<>(c.getMissing()),
              c.getRevotable());
      // as read, the summary's store form is what was read (a fresh record: the reader reuses
      // nothing), so an entity read back from the store writes its unchanged closed versions
      // without mapping them again; any change drops the form
      summary.storeForm(c);
      closed.put(c.getVersion(), summary);
    }
    return EntityState.restore(
        group, entityKey, open, closed, a.getForgottenBelow(), a.getHighestClosed());
  }

  private static StoredVersionSlot slot(VersionSlot slot, String group, String entityKey) {
    if (slot == null) {
      throw new SerializationException("an open version slot is null");
    }
    Map<String, ReplicaReport> domain = slot.reports();
    Map<String, StoredReport> reports = new HashMap<>(domain == null ? 1 : 2 * domain.size());
    if (domain != null) {
      for (Map.Entry<String, ReplicaReport> e : domain.entrySet()) {
        reports.put(e.getKey(), report(e.getValue(), group, entityKey, e.getKey()));
      }
    }
    return new StoredVersionSlot(
        slot.version(),
        slot.openedAt(),
        slot.firstEventTime(),
        reports,
        strings(slot.equivocators()));
  }

  private static StoredClosedVersion closed(ClosedVersion c) {
    if (c == null) {
      throw new SerializationException("a closed version summary is null");
    }
    // unchanged since its last write (any accessor of a live collection or setter drops the form)
    if (c.storeForm() instanceof EncodedClosedVersion kept) {
      return kept;
    }
    // as read from the store, or changed: encoded once here, then copied as bytes at each write
    EncodedClosedVersion form =
        EncodedClosedVersion.of(c.storeForm() instanceof StoredClosedVersion read ? read : map(c));
    c.storeForm(form);
    return form;
  }

  private static StoredClosedVersion map(ClosedVersion c) {
    String agreed = c.agreedHash();
    Map<String, ByteBuffer> hashes = new HashMap<>();
    if (c.hashes() != null) {
      for (Map.Entry<String, String> e : c.hashes().entrySet()) {
        String h = e.getValue();
        // most nodes agree: their hash is the agreed one
        hashes.put(e.getKey(), h != null && h.equals(agreed) ? null : hashOrNull(h, "hash"));
      }
    }
    Map<String, StoredClaimRef> claims = new HashMap<>();
    if (c.claims() != null) {
      for (Map.Entry<String, EvidenceRef> e : c.claims().entrySet()) {
        EvidenceRef r = e.getValue();
        if (r != null) {
          claims.put(
              e.getKey(),
              new StoredClaimRef(topicOut(r.topic()), r.partition(), r.offset(), r.batchSeq()));
        }
      }
    }
    return new StoredClosedVersion(
        c.version(),
        hashOrNull(agreed, "agreedHash"),
        c.agreedOp(),
        hashes,
        claims,
        strings(c.missing()),
        c.revotable());
  }

  private static StoredReport report(ReplicaReport r, String group, String entity, String node) {
    if (r == null) {
      return null;
    }
    return new StoredReport(
        r.eventId(),
        same(r.group(), group),
        same(r.entityKey(), entity),
        r.version(),
        same(r.nodeId(), node),
        hash(r.prevHash(), "prevHash"),
        hash(r.stateHash(), "stateHash"),
        r.opId(),
        hash(r.opDigest(), "opDigest"),
        r.eventTime(),
        evidence(r.evidence(), r.nodeId()));
  }

  private static ReplicaReport report(StoredReport r, String group, String entity, String node) {
    if (r == null) {
      return null;
    }
    String nodeId = r.getNodeId() == null ? node : r.getNodeId();
    return new ReplicaReport(
        r.getEventId(),
        r.getGroup() == null ? group : r.getGroup(),
        r.getEntityKey() == null ? entity : r.getEntityKey(),
        r.getVersion(),
        nodeId,
        hex(r.getPrevHash()),
        hex(r.getStateHash()),
        r.getOpId(),
        hex(r.getOpDigest()),
        r.getEventTime(),
        evidence(r.getEvidence(), nodeId));
  }

  // ---- EvidenceRef

  private static StoredEvidence evidence(EvidenceRef e, String node) {
    if (e == null) {
      return null;
    }
    return new StoredEvidence(
        topicOut(e.topic()),
        e.partition(),
        e.offset(),
        same(e.nodeId(), node),
        e.keyId(),
        e.batchSeq(),
        e.record() == null ? null : ByteBuffer.wrap(e.record()),
        e.signatureValid(),
        hash(e.sha256(), "sha256"));
  }

  private static EvidenceRef evidence(StoredEvidence e, String node) {
    if (e == null) {
      return null;
    }
    return new EvidenceRef(
        topicIn(e.getTopic()),
        e.getPartition(),
        e.getOffset(),
        e.getNodeId() == null ? node : e.getNodeId(),
        e.getKeyId(),
        e.getBatchSeq(),
        e.getRecord() == null ? null : bytes(e.getRecord()),
        e.getSignatureValid(),
        hex(e.getSha256()));
  }

  private static List<StoredEvidence> evidenceList(List<EvidenceRef> list) {
    List<StoredEvidence> out = new ArrayList<>(list == null ? 0 : list.size());
    if (list != null) {
      for (EvidenceRef e : list) {
        if (e == null) {
          throw new SerializationException("an evidence reference is null");
        }
        out.add(evidence(e, null));
      }
    }
    return out;
  }

  private static List<EvidenceRef> evidenceList(Collection<StoredEvidence> list) {
    List<EvidenceRef> out = new ArrayList<>(list.size());
    for (StoredEvidence e : list) {
      out.add(evidence(e, null));
    }
    return out;
  }

  // ---- NodeLedger

  static StoredLedger toAvro(NodeLedger l) {
    List<StoredBatchDigest> batches =
        new ArrayList<>(l.recentBatches == null ? 0 : l.recentBatches.size());
    if (l.recentBatches != null) {
      for (Map.Entry<Long, String> e : l.recentBatches.entrySet()) {
        batches.add(new StoredBatchDigest(e.getKey(), hash(e.getValue(), "batch digest")));
      }
    }
    return new StoredLedger(
        l.tokens,
        l.refilledAt,
        l.inFlight,
        l.flooding,
        batches,
        l.unverifiedTokens,
        l.unverifiedRefilledAt);
  }

  static NodeLedger fromAvro(StoredLedger a) {
    NodeLedger l = new NodeLedger();
    l.tokens = a.getTokens();
    l.refilledAt = a.getRefilledAt();
    l.inFlight = a.getInFlight();
    l.flooding = a.getFlooding();
    for (StoredBatchDigest b : a.getRecentBatches()) {
      l.recentBatches.put(b.getBatchSeq(), hex(b.getDigest()));
    }
    l.unverifiedTokens = a.getUnverifiedTokens();
    l.unverifiedRefilledAt = a.getUnverifiedRefilledAt();
    return l;
  }

  // ---- Finding

  static StoredFinding toAvro(Finding f) {
    return new StoredFinding(
        name(f.kind()),
        name(f.type()),
        f.group(),
        f.entityKey(),
        f.version(),
        strings(f.nodes()),
        hashOrNull(f.majorityHash(), "majorityHash"),
        f.detail(),
        f.firstEventTime(),
        f.detectedAt(),
        new HashMap<>(f.attributes()),
        evidenceList(f.evidence()));
  }

  static Finding fromAvro(StoredFinding a) {
    return new Finding(
        enumOf(Finding.Kind.class, a.getKind()),
        enumOf(AlertType.class, a.getType()),
        a.getGroup(),
        a.getEntityKey(),
        a.getVersion(),
        new ArrayList<>(a.getNodes()),
        a.getMajorityHash() == null ? null : hex(a.getMajorityHash()),
        a.getDetail(),
        a.getFirstEventTime(),
        a.getDetectedAt(),
        new LinkedHashMap<>(new TreeMap<>(a.getAttributes())),
        evidenceList(a.getEvidence()));
  }

  // ---- AlertRecord

  static StoredAlert toAvro(AlertRecord r) {
    return new StoredAlert(
        r.identityKey,
        r.alertId,
        name(r.type),
        name(r.severity),
        name(r.status),
        r.group,
        r.entityKey,
        r.version,
        strings(r.nodes),
        hashOrNull(r.majorityHash, "majorityHash"),
        r.detail,
        evidenceList(r.evidence),
        r.firstEventTime,
        r.detectedAt,
        r.resolvedAt,
        r.episode,
        r.count,
        r.outstanding,
        r.firstOccurrence,
        r.lastOccurrence,
        r.lastOccurrenceAt,
        r.lastSeenWall,
        r.lastPublishedWall,
        r.pendingUpdate,
        r.resolvedByQuiet);
  }

  static AlertRecord fromAvro(StoredAlert a) {
    AlertRecord r = new AlertRecord();
    r.identityKey = a.getIdentityKey();
    r.alertId = a.getAlertId();
    r.type = enumOf(AlertType.class, a.getType());
    r.severity = enumOf(Severity.class, a.getSeverity());
    r.status = enumOf(AlertStatus.class, a.getStatus());
    r.group = a.getGroup();
    r.entityKey = a.getEntityKey();
    r.version = a.getVersion();
    r.nodes = new ArrayList<>(a.getNodes());
    r.majorityHash = a.getMajorityHash() == null ? null : hex(a.getMajorityHash());
    r.detail = a.getDetail();
    r.evidence = evidenceList(a.getEvidence());
    r.firstEventTime = a.getFirstEventTime();
    r.detectedAt = a.getDetectedAt();
    r.resolvedAt = a.getResolvedAt();
    r.episode = a.getEpisode();
    r.count = a.getCount();
    r.outstanding = a.getOutstanding();
    r.firstOccurrence = a.getFirstOccurrence();
    r.lastOccurrence = a.getLastOccurrence();
    r.lastOccurrenceAt = a.getLastOccurrenceAt();
    r.lastSeenWall = a.getLastSeenWall();
    r.lastPublishedWall = a.getLastPublishedWall();
    r.pendingUpdate = a.getPendingUpdate();
    r.resolvedByQuiet = a.getResolvedByQuiet();
    return r;
  }

  // ---- Liveness

  static StoredLiveness toAvro(Liveness l) {
    return new StoredLiveness(
        l.nodeId, l.lastHeartbeat, l.silenceThresholdMs, l.silent, l.stopping, l.lastSequence);
  }

  static Liveness fromAvro(StoredLiveness a) {
    Liveness l = new Liveness();
    l.nodeId = a.getNodeId();
    l.lastHeartbeat = a.getLastHeartbeat();
    l.silenceThresholdMs = a.getSilenceThresholdMs();
    l.silent = a.getSilent();
    l.stopping = a.getStopping();
    l.lastSequence = a.getLastSequence();
    return l;
  }

  // ---- helpers

  private static String same(String value, String enclosing) {
    return value != null && value.equals(enclosing) ? null : value;
  }

  /** The state-changes topic is left out (null). */
  private static String topicOut(String topic) {
    return Topics.STATE_CHANGES.equals(topic) ? null : topic;
  }

  private static String topicIn(String topic) {
    return topic == null ? Topics.STATE_CHANGES : topic;
  }

  private static List<String> strings(Collection<String> strings) {
    return strings == null ? new ArrayList<>(0) : new ArrayList<>(strings);
  }

  private static String name(Enum<?> e) {
    return e == null ? null : e.name();
  }

  private static <E extends Enum<E>> E enumOf(Class<E> type, String name) {
    if (name == null) {
      return null;
    }
    try {
      return Enum.valueOf(type, name);
    } catch (IllegalArgumentException e) {
      throw new SerializationException(
          "unknown " + type.getSimpleName() + " '" + name + "' (written by a newer Herald build?)");
    }
  }

  private static ByteBuffer hashOrNull(String hex, String field) {
    return hex == null ? null : hash(hex, field);
  }

  /** The raw bytes of a lower-case hex hash ("" is no bytes). */
  static ByteBuffer hash(String hex, String field) {
    if (hex == null) {
      throw new SerializationException("cannot store a null " + field);
    }
    int n = hex.length();
    if ((n & 1) != 0) {
      throw notHex(hex, field);
    }
    byte[] out = new byte[n / 2];
    for (int i = 0; i < n; i += 2) {
      int hi = nibble(hex.charAt(i));
      int lo = nibble(hex.charAt(i + 1));
      if ((hi | lo) < 0) {
        throw notHex(hex, field);
      }
      out[i / 2] = (byte) ((hi << 4) | lo);
    }
    return ByteBuffer.wrap(out);
  }

  private static SerializationException notHex(String hex, String field) {
    String shown = hex.length() > 80 ? hex.substring(0, 80) + "…" : hex;
    return new SerializationException(
        "cannot store "
            + field
            + " '"
            + shown
            + "': hashes are stored as raw bytes and must be lower-case hex of even length");
  }

  private static int nibble(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    return -1;
  }

  static String hex(ByteBuffer b) {
    return Hashing.hex(b);
  }

  private static byte[] bytes(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }
}
