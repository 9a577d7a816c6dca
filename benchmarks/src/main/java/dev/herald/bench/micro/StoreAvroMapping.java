package dev.herald.bench.micro;

import dev.herald.auditor.detect.EntityState;
import dev.herald.auditor.detect.EvidenceRef;
import dev.herald.auditor.detect.NodeLedger;
import dev.herald.auditor.detect.ReplicaReport;
import dev.herald.bench.store.avro.BatchDigest;
import dev.herald.bench.store.avro.ClaimRef;
import dev.herald.bench.store.avro.ClosedVersion;
import dev.herald.bench.store.avro.OpenVersion;
import dev.herald.bench.store.avro.Sha256;
import dev.herald.bench.store.avro.StoredEntity;
import dev.herald.bench.store.avro.StoredEvidence;
import dev.herald.bench.store.avro.StoredLedger;
import dev.herald.bench.store.avro.StoredReport;
import dev.herald.schema.Topics;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The mapping between the auditor's store values ({@link EntityState}, {@link NodeLedger}) and
 * their Avro twins ({@code benchmarks/src/main/avro/store}). The auditor's logic works on the
 * domain classes, so storing them in Avro costs this mapping on top of Avro's own encoding: {@link
 * StoreValueBenchmarks} measures both together.
 *
 * <p>Equivalent to {@code StoreCodecs}: the same fields, hashes as 32 raw bytes instead of 64 hex
 * characters, and the same shortcuts (a report's group, entity and node left out when they are the
 * enclosing ones; a node's hash left out when it is the agreed one; the state-changes topic left
 * out). Reads the domain classes' public fields as {@code main} has them. Not modelled (never
 * written by the auditor): null maps, null slots, null reports.
 */
public final class StoreAvroMapping {
  private static final HexFormat HEX = HexFormat.of();

  private StoreAvroMapping() {}

  // ---- EntityState -> Avro

  /** The Avro twin of {@code s}. */
  public static StoredEntity toAvro(EntityState s) {
    List<OpenVersion> open = new ArrayList<>(s.openVersions().size());
    for (EntityState.VersionSlot slot : s.openVersions().values()) {
      Map<String, StoredReport> reports = new HashMap<>(2 * slot.reports.size());
      for (Map.Entry<String, ReplicaReport> e : slot.reports.entrySet()) {
        reports.put(e.getKey(), report(e.getValue(), s.group(), s.entityKey(), e.getKey()));
      }
      open.add(
          new OpenVersion(
              slot.version,
              slot.openedAt,
              slot.firstEventTime,
              reports,
              new ArrayList<>(slot.equivocators)));
    }
    List<ClosedVersion> closed = new ArrayList<>(s.closedVersions().size());
    for (EntityState.ClosedVersion c : s.closedVersions().values()) {
      Map<String, Sha256> hashes = new HashMap<>(2 * c.hashes.size());
      for (Map.Entry<String, String> e : c.hashes.entrySet()) {
        hashes.put(e.getKey(), e.getValue().equals(c.agreedHash) ? null : sha(e.getValue()));
      }
      Map<String, ClaimRef> claims = new HashMap<>(2 * c.claims.size());
      for (Map.Entry<String, EvidenceRef> e : c.claims.entrySet()) {
        EvidenceRef r = e.getValue();
        claims.put(
            e.getKey(), new ClaimRef(topicOut(r.topic()), r.partition(), r.offset(), r.batchSeq()));
      }
      closed.add(
          new ClosedVersion(
              c.version,
              c.agreedHash == null ? null : sha(c.agreedHash),
              c.agreedOp,
              hashes,
              claims,
              new ArrayList<>(c.missing),
              c.revotable));
    }
    return new StoredEntity(
        s.group(), s.entityKey(), open, closed, s.forgottenBelow(), s.highestClosed());
  }

  private static StoredReport report(ReplicaReport r, String group, String entity, String node) {
    EvidenceRef e = r.evidence();
    StoredEvidence evidence =
        e == null
            ? null
            : new StoredEvidence(
                topicOut(e.topic()),
                e.partition(),
                e.offset(),
                same(e.nodeId(), r.nodeId()),
                e.keyId(),
                e.batchSeq(),
                e.record() == null ? null : ByteBuffer.wrap(e.record()),
                e.signatureValid(),
                e.sha256().isEmpty() ? null : sha(e.sha256()));
    return new StoredReport(
        r.eventId(),
        same(r.group(), group),
        same(r.entityKey(), entity),
        r.version(),
        same(r.nodeId(), node),
        r.prevHash().isEmpty() ? null : sha(r.prevHash()),
        sha(r.stateHash()),
        r.opId(),
        sha(r.opDigest()),
        r.eventTime(),
        evidence);
  }

  // ---- Avro -> EntityState

  /** The domain value of {@code a}. */
  public static EntityState fromAvro(StoredEntity a) {
    String group = a.getGroup();
    String entityKey = a.getEntityKey();
    TreeMap<Long, EntityState.VersionSlot> open = new TreeMap<>();
    TreeMap<Long, EntityState.ClosedVersion> closed = new TreeMap<>();
    for (OpenVersion o : a.getOpen()) {
      EntityState.VersionSlot slot = new EntityState.VersionSlot();
      slot.version = o.getVersion();
      slot.openedAt = o.getOpenedAt();
      slot.firstEventTime = o.getFirstEventTime();
      for (Map.Entry<String, StoredReport> e : o.getReports().entrySet()) {
        slot.reports.put(e.getKey(), report(e.getValue(), group, entityKey, e.getKey()));
      }
      slot.equivocators = new HashSet<>(o.getEquivocators());
      open.put(slot.version, slot);
    }
    for (ClosedVersion c : a.getClosed()) {
      EntityState.ClosedVersion d = new EntityState.ClosedVersion();
      d.version = c.getVersion();
      d.agreedHash = c.getAgreedHash() == null ? null : hex(c.getAgreedHash());
      d.agreedOp = c.getAgreedOp();
      Map<String, String> hashes = new TreeMap<>();
      for (Map.Entry<String, Sha256> e : c.getHashes().entrySet()) {
        hashes.put(e.getKey(), e.getValue() == null ? d.agreedHash : hex(e.getValue()));
      }
      d.hashes = hashes;
      Map<String, EvidenceRef> claims = new TreeMap<>();
      for (Map.Entry<String, ClaimRef> e : c.getClaims().entrySet()) {
        ClaimRef r = e.getValue();
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
      d.claims = claims;
      d.missing = new HashSet<>(c.getMissing());
      d.revotable = c.getRevotable();
      closed.put(d.version, d);
    }
    return EntityState.restore(
        group, entityKey, open, closed, a.getForgottenBelow(), a.getHighestClosed());
  }

  private static ReplicaReport report(StoredReport r, String group, String entity, String node) {
    String nodeId = r.getNodeId() == null ? node : r.getNodeId();
    StoredEvidence e = r.getEvidence();
    EvidenceRef evidence =
        e == null
            ? null
            : new EvidenceRef(
                topicIn(e.getTopic()),
                e.getPartition(),
                e.getOffset(),
                e.getNodeId() == null ? nodeId : e.getNodeId(),
                e.getKeyId(),
                e.getBatchSeq(),
                e.getRecord() == null ? null : bytes(e.getRecord()),
                e.getSignatureValid(),
                e.getSha256() == null ? "" : hex(e.getSha256()));
    return new ReplicaReport(
        r.getEventId(),
        r.getGroup() == null ? group : r.getGroup(),
        r.getEntityKey() == null ? entity : r.getEntityKey(),
        r.getVersion(),
        nodeId,
        r.getPrevHash() == null ? "" : hex(r.getPrevHash()),
        hex(r.getStateHash()),
        r.getOpId(),
        hex(r.getOpDigest()),
        r.getEventTime(),
        evidence);
  }

  // ---- NodeLedger <-> Avro

  /** The Avro twin of {@code l}. */
  public static StoredLedger toAvro(NodeLedger l) {
    List<BatchDigest> batches = new ArrayList<>(l.recentBatches.size());
    for (Map.Entry<Long, String> e : l.recentBatches.entrySet()) {
      batches.add(new BatchDigest(e.getKey(), sha(e.getValue())));
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

  /** The domain value of {@code a}. */
  public static NodeLedger fromAvro(StoredLedger a) {
    NodeLedger l = new NodeLedger();
    l.tokens = a.getTokens();
    l.refilledAt = a.getRefilledAt();
    l.inFlight = a.getInFlight();
    l.flooding = a.getFlooding();
    for (BatchDigest b : a.getRecentBatches()) {
      l.recentBatches.put(b.getBatchSeq(), hex(b.getDigest()));
    }
    l.unverifiedTokens = a.getUnverifiedTokens();
    l.unverifiedRefilledAt = a.getUnverifiedRefilledAt();
    return l;
  }

  // ---- helpers

  private static String same(String value, String enclosing) {
    return value != null && value.equals(enclosing) ? null : value;
  }

  /** The state-changes topic is left out (null), as StoreCodecs does. */
  private static String topicOut(String topic) {
    return Topics.STATE_CHANGES.equals(topic) ? null : topic;
  }

  private static String topicIn(String topic) {
    return topic == null ? Topics.STATE_CHANGES : topic;
  }

  private static Sha256 sha(String hex) {
    return new Sha256(HEX.parseHex(hex));
  }

  private static String hex(Sha256 sha) {
    return HEX.formatHex(sha.bytes());
  }

  private static byte[] bytes(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }
}
