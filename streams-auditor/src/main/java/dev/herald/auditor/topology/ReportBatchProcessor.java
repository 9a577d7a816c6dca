package dev.herald.auditor.topology;

import dev.herald.auditor.detect.EntityState;
import dev.herald.auditor.detect.EvidenceRef;
import dev.herald.auditor.detect.Finding;
import dev.herald.auditor.detect.Reconciler;
import dev.herald.auditor.detect.ReplicaReport;
import dev.herald.auditor.flood.NodeLedger;
import dev.herald.auditor.identity.KeyCache;
import dev.herald.auditor.identity.RegisteredNode;
import dev.herald.auditor.policy.AuditPolicy;
import dev.herald.auditor.policy.GroupPolicy;
import dev.herald.schema.AlertType;
import dev.herald.schema.ReportBatch;
import dev.herald.schema.StateChange;
import dev.herald.schema.Topics;
import dev.herald.schema.canonical.Hashing;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.serde.MalformedRecordException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Audits the {@code ReportBatch}es of one partition of {@code herald.state-changes.v1} against the
 * local stores of that partition: validation (→ DLQ), identity (UNKNOWN_NODE), one signature check
 * per batch (FORGED_REPORT), membership (NOT_A_MEMBER), rate budget (FLOOD → DLQ), then the
 * per-entity {@link Reconciler}. Versions close when every member reported or when stream time
 * passes their grace; closing is checked before each batch and by a stream-time punctuator, so the
 * decisions depend only on the input and a replay yields the same alerts.
 */
final class ReportBatchProcessor implements Processor<String, byte[], String, Emission> {
  private static final Logger LOG = LoggerFactory.getLogger(ReportBatchProcessor.class);
  private static final byte DEADLINE = 0;
  private static final byte EVIDENCE_EXPIRY = 1;

  /** Decoded entity states kept per task (written recently, so their versions are still open). */
  private static final int ENTITY_CACHE = 512;

  /** Decoded node ledgers kept per task (one per node). */
  private static final int LEDGER_CACHE = 1024;

  private final AuditPolicy policy;
  private final AvroWireFormat<ReportBatch> format;
  private final int partitions;
  private final AuditorMetrics metrics;
  private final long evidenceRetentionMs;
  private final KeyCache keys = new KeyCache(4096);

  private ProcessorContext<String, Emission> context;
  private DecodedStore<EntityState> entities;
  private KeyValueStore<Bytes, byte[]> deadlines;
  private DecodedStore<NodeLedger> ledgers;
  private KeyValueStore<String, byte[]> evidence;
  private Registry registry;
  private static final long CHECK_MS = 250;
  private final InputFrontier frontier;
  private final long quietAfterMs;
  private long reportTime = -1;
  private long lastReportWall;
  private long lastCheckWall;

  /** Earliest grace deadline in the store; {@link Long#MIN_VALUE} when unknown. */
  private long nextDeadline = Long.MIN_VALUE;

  /** Earliest evidence expiry in the store; {@link Long#MIN_VALUE} when unknown. */
  private long nextExpiry = Long.MIN_VALUE;

  ReportBatchProcessor(
      AuditPolicy policy,
      AvroWireFormat<ReportBatch> format,
      int partitions,
      AuditorMetrics metrics,
      InputFrontier frontier) {
    this.frontier = frontier;
    this.policy = policy;
    this.format = format;
    this.partitions = partitions;
    this.metrics = metrics;
    this.evidenceRetentionMs = 4 * policy.defaults().reportGrace().toMillis() + 10_000;
    this.quietAfterMs = Math.max(1_000, policy.defaults().reportGrace().toMillis());
  }

  @Override
  public void init(ProcessorContext<String, Emission> context) {
    this.context = context;
    // fresh views: the stores may have been restored or rewound since this task last ran
    entities = new DecodedStore<>(context.getStateStore(AuditorStores.ENTITIES), ENTITY_CACHE);
    deadlines = context.getStateStore(AuditorStores.DEADLINES);
    ledgers = new DecodedStore<>(context.getStateStore(AuditorStores.NODE_LEDGERS), LEDGER_CACHE);
    evidence = context.getStateStore(AuditorStores.EVIDENCE);
    registry = new Registry(context.getStateStore(AuditorStores.REGISTRY));
    nextDeadline = Long.MIN_VALUE;
    nextExpiry = Long.MIN_VALUE;
    lastReportWall = context.currentSystemTimeMs();
    lastCheckWall = lastReportWall;
    // Report time moves only in process(), which closes what is due; the wall-clock check covers
    // the caught-up (or quiet) partition.
    context.schedule(
        Duration.ofMillis(CHECK_MS), PunctuationType.WALL_CLOCK_TIME, this::closeDueQuiet);
  }

  @Override
  public void close() {
    if (entities != null) {
      entities.clear();
      ledgers.clear();
    }
  }

  /**
   * The clock versions close by: the newest timestamp of the report batches this task has read. Not
   * the task's stream time: that includes heartbeats, which Kafka Streams may read seconds ahead of
   * a backlog of report batches, and would close versions whose other reports are still unread.
   * Only when no batch arrived for a grace period (the partition is quiet, not behind) do other
   * records and then the wall clock move it on, so the last versions still close.
   */
  private long clock() {
    if (frontier.known()) {
      // Caught up on this partition as of R: every batch sent before R has been read.
      OptionalLong caughtUp =
          frontier.caughtUpAt(Topics.STATE_CHANGES, context.taskId().partition());
      return Math.max(reportTime, caughtUp.orElse(-1));
    }
    long wall = context.currentSystemTimeMs();
    if (wall - lastReportWall > quietAfterMs) {
      return Math.max(reportTime, wall);
    }
    return reportTime;
  }

  private void closeDueQuiet(long wallNow) {
    // Wall time in which this stream thread did not run (GC, a long commit) is not quiet time.
    long gap = wallNow - lastCheckWall;
    lastCheckWall = wallNow;
    if (gap > 4 * CHECK_MS) {
      lastReportWall += gap - CHECK_MS;
    }
    closeDue(clock());
  }

  @Override
  public void process(Record<String, byte[]> record) {
    lastReportWall = context.currentSystemTimeMs();
    reportTime = Math.max(reportTime, record.timestamp());
    long now = reportTime;
    closeDue(now);
    RecordMetadata meta = context.recordMetadata().orElse(null);
    byte[] value = record.value();
    if (value == null || value.length == 0) {
      dead(record, "EMPTY", "no value (tombstone or empty record)", now);
      return;
    }
    if (value.length > policy.maxRecordBytes()) {
      dead(
          record,
          "OVERSIZED",
          value.length + " bytes exceed limits.maxRecordBytes=" + policy.maxRecordBytes(),
          now);
      return;
    }
    ReportBatch batch;
    try {
      batch = format.deserialize(Topics.STATE_CHANGES, value);
    } catch (MalformedRecordException e) {
      dead(record, e.reason().name(), e.getMessage(), now);
      return;
    }
    String problem = BatchValidation.problem(batch);
    if (problem != null) {
      dead(record, "INVALID", problem, now);
      return;
    }
    audit(record, meta, value, batch, now);
  }

  private void audit(
      Record<String, byte[]> record,
      RecordMetadata meta,
      byte[] value,
      ReportBatch batch,
      long now) {
    String nodeId = batch.getNodeId();
    Set<String> groups = new TreeSet<>();
    batch.getReports().forEach(r -> groups.add(r.getGroup()));
    RegisteredNode node = registry.node(nodeId);
    int partition = meta == null ? batch.getPartition() : meta.partition();
    EvidenceRef ref =
        new EvidenceRef(
            meta == null ? Topics.STATE_CHANGES : meta.topic(),
            partition,
            meta == null ? -1 : meta.offset(),
            nodeId,
            batch.getKeyId(),
            batch.getBatchSeq(),
            null,
            false);
    if (node == null || !node.active()) {
      registry.invalidate();
      metrics.batch("unknown_node");
      // the alert carries these bytes itself: nothing of an outsider is kept in the stores
      ref = withRecord(ref, value, false);
      for (String g : groups) {
        emit(
            Finding.episode(
                AlertType.UNKNOWN_NODE,
                g,
                nodeId,
                node == null
                    ? "node " + nodeId + " is not registered"
                    : "node " + nodeId + " is " + node.status(),
                batch.getCreatedAt().toEpochMilli(),
                now,
                Map.of(),
                List.of(ref)),
            now);
      }
      return;
    }
    Map<String, NodeLedger> touched = new HashMap<>();
    NodeLedger ledger = ledger(nodeId, touched);
    if (!ledger.rememberBatch(batch.getBatchSeq(), digest(value))) {
      metrics.batch("duplicate");
      metrics.reports("duplicate", batch.getReports().size());
      return;
    }
    // the previous key of a rotation verifies only batches in flight: up to the report grace after
    // the rotation, by stream time (which a holder of the old key cannot move back)
    boolean signed =
        !policy.defaults().requireSignatures()
            || keys.verify(batch, node, now, policy.defaults().reportGrace().toMillis());
    String misplaced = signed ? misplaced(batch, partition) : null;
    if (!signed || misplaced != null) {
      ref = withRecord(ref, value, signed);
      metrics.batch("forged");
      for (String g : groups.isEmpty() ? Set.of("") : groups) {
        emit(
            Finding.episode(
                AlertType.FORGED_REPORT,
                g,
                nodeId,
                signed
                    ? "batch " + batch.getBatchSeq() + " of node " + nodeId + ": " + misplaced
                    : "batch "
                        + batch.getBatchSeq()
                        + " of node "
                        + nodeId
                        + " does not verify against its registered key",
                batch.getCreatedAt().toEpochMilli(),
                now,
                Map.of("batchSeq", Long.toString(batch.getBatchSeq())),
                List.of(ref)),
            now);
      }
      flush(touched);
      return;
    }
    ref = withRecord(ref, null, true);
    keepEvidence(ref, value, now);
    metrics.batch("accepted");
    List<StateChange> excess = new ArrayList<>();
    Set<String> notMember = new TreeSet<>();
    Map<String, EntityState> batchStates = new HashMap<>();
    Set<String> changed = new LinkedHashSet<>();
    int accepted = 0;
    int duplicates = 0;
    int late = 0;
    for (StateChange sc : batch.getReports()) {
      String group = sc.getGroup();
      if (!node.groups().contains(group)) {
        notMember.add(group);
        continue;
      }
      GroupPolicy gp = policy.group(group);
      ReplicaReport report = toReport(sc, ref);
      String entityId = report.entityId();
      EntityState state = batchStates.get(entityId);
      if (state == null) {
        state = entities.get(entityId);
        if (state == null) {
          state = new EntityState(group, sc.getEntityKey());
        }
        batchStates.put(entityId, state);
      }
      EntityState.VersionSlot slot = state.open.get(sc.getVersion());
      boolean newEntry =
          !state.closed.containsKey(sc.getVersion())
              && (slot == null || !slot.reports.containsKey(nodeId));
      // charged by arrival (stream time), never by the report's own eventTime, which the node
      // writes itself: ever-later eventTimes would refill its bucket at will
      if (!ledger.admit(gp, now) || (newEntry && !ledger.mayOpen(gp))) {
        excess.add(sc);
        continue;
      }
      Set<String> members = registry.members(group);
      Reconciler.Outcome out = Reconciler.onReport(state, report, members, gp, now);
      switch (out.effect()) {
        case ACCEPTED -> {
          accepted++;
          ledger.inFlight++;
        }
        case DUPLICATE -> duplicates++;
        default -> late++;
      }
      if (out.openedVersion() != null && out.closedVersion() == null) {
        long deadline = now + gp.reportGrace().toMillis();
        deadlines.put(deadlineKey(deadline, entityId, out.openedVersion()), new byte[0]);
        nextDeadline = Math.min(nextDeadline, Math.max(0, deadline));
      }
      List<Finding> findings = out.findings();
      if (out.closedVersion() != null) {
        findings = released(state, out.closedVersion(), findings, touched);
        metrics.versionsClosed(1);
      }
      changed.add(entityId);
      findings.forEach(f -> emit(f, now));
    }
    // one store write per entity and batch: the findings above read only the evidence store
    for (String entityId : changed) {
      entities.put(entityId, batchStates.get(entityId));
    }
    metrics.reports("accepted", accepted);
    metrics.reports("duplicate", duplicates);
    metrics.reports("late", late);
    for (String g : notMember) {
      metrics.reports("not_member", 1);
      emit(
          Finding.episode(
              AlertType.NOT_A_MEMBER,
              g,
              nodeId,
              "node " + nodeId + " reported for group " + g + ", which it is not a member of",
              batch.getCreatedAt().toEpochMilli(),
              now,
              Map.of(),
              List.of(ref)),
          now);
    }
    if (!excess.isEmpty()) {
      metrics.reports("flood", excess.size());
      dead(
          record,
          "FLOOD",
          excess.size()
              + " of "
              + batch.getReports().size()
              + " reports of node "
              + nodeId
              + " exceed its rate budget or in-flight cap",
          now);
      Set<String> floodGroups = new TreeSet<>();
      excess.forEach(sc -> floodGroups.add(sc.getGroup()));
      ledger.flooding = true;
      for (String g : floodGroups) {
        emit(
            Finding.episode(
                AlertType.FLOOD,
                g,
                nodeId,
                "node " + nodeId + " exceeds its rate budget or in-flight cap",
                batch.getCreatedAt().toEpochMilli(),
                now,
                Map.of("excess", Integer.toString(excess.size())),
                List.of()),
            now);
      }
    }
    flush(touched);
  }

  /** Why the batch's reports are not all of its node and partition, or null. */
  private String misplaced(ReportBatch batch, int partition) {
    if (batch.getPartition() != partition) {
      return "claims partition " + batch.getPartition() + " but was written to " + partition;
    }
    for (StateChange r : batch.getReports()) {
      if (!r.getNodeId().equals(batch.getNodeId())) {
        return "carries a report of node " + r.getNodeId();
      }
      if (partitions > 0) {
        byte[] k =
            EntityState.entityId(r.getGroup(), r.getEntityKey()).getBytes(StandardCharsets.UTF_8);
        int p = Utils.toPositive(Utils.murmur2(k)) % partitions;
        if (p != partition) {
          return "carries entity " + r.getEntityKey() + " of partition " + p;
        }
      }
    }
    return null;
  }

  /**
   * Closes every version whose grace has passed by stream time {@code now}, and drops evidence past
   * its retention. The earliest pending time of each index is kept in memory (unknown after {@link
   * #init}), so a record that finds nothing due costs no range scan of the store.
   */
  private void closeDue(long now) {
    if (now < 0) {
      return;
    }
    if (now >= nextDeadline) {
      nextDeadline = closeDeadlines(now);
    }
    if (now >= nextExpiry) {
      nextExpiry = expireEvidence(now);
    }
  }

  /** Closes the versions due by {@code now}; returns the earliest deadline left. */
  private long closeDeadlines(long now) {
    List<Bytes> due = new ArrayList<>();
    long next = dueBy(DEADLINE, now, due);
    Map<String, NodeLedger> touched = new HashMap<>();
    int closed = 0;
    for (Bytes key : due) {
      deadlines.delete(key);
      String payload = payload(key);
      int sep = payload.lastIndexOf('\u0000');
      String entityId = payload.substring(0, sep);
      long version = Long.parseLong(payload.substring(sep + 1));
      EntityState state = entities.get(entityId);
      if (state == null || !state.open.containsKey(version)) {
        continue;
      }
      List<Finding> findings =
          Reconciler.close(
              state, version, registry.members(state.group), policy.group(state.group), now);
      findings = released(state, version, findings, touched);
      entities.put(entityId, state);
      closed++;
      findings.forEach(f -> emit(f, now));
    }
    flush(touched);
    metrics.versionsClosed(closed);
    return next;
  }

  /** Drops the evidence whose retention ended by {@code now}; returns the earliest expiry left. */
  private long expireEvidence(long now) {
    List<Bytes> expired = new ArrayList<>();
    long next = dueBy(EVIDENCE_EXPIRY, now, expired);
    for (Bytes k : expired) {
      deadlines.delete(k);
      evidence.delete(payload(k));
    }
    return next;
  }

  /**
   * Collects the keys of index {@code type} due by {@code now} (in time order) into {@code due};
   * returns the time of the first entry after them, or {@link Long#MAX_VALUE} when there is none.
   */
  private long dueBy(byte type, long now, List<Bytes> due) {
    try (KeyValueIterator<Bytes, byte[]> it =
        deadlines.range(indexKey(type, 0, ""), indexKey(type, Long.MAX_VALUE, ""))) {
      while (it.hasNext()) {
        Bytes key = it.next().key;
        long at = time(key);
        if (at > now) {
          return at;
        }
        due.add(key);
      }
    }
    return Long.MAX_VALUE;
  }

  /**
   * The reporters of a closed version have one version less in flight. A version only flooding
   * nodes reported has no quorum because of the flood: its NO_QUORUM is explained by FLOOD.
   */
  private List<Finding> released(
      EntityState state, long version, List<Finding> findings, Map<String, NodeLedger> touched) {
    EntityState.ClosedVersion c = state.closed.get(version);
    if (c == null) {
      return findings;
    }
    boolean allFlooding = !c.hashes.isEmpty();
    for (String n : c.hashes.keySet()) {
      NodeLedger l = ledger(n, touched);
      l.inFlight = Math.max(0, l.inFlight - 1);
      allFlooding &= l.flooding;
    }
    if (allFlooding) {
      return findings.stream().filter(f -> f.type() != AlertType.NO_QUORUM).toList();
    }
    return findings;
  }

  private NodeLedger ledger(String nodeId, Map<String, NodeLedger> touched) {
    return touched.computeIfAbsent(
        nodeId,
        n -> {
          NodeLedger l = ledgers.get(n);
          return l == null ? new NodeLedger() : l;
        });
  }

  private void flush(Map<String, NodeLedger> touched) {
    touched.forEach(ledgers::put);
    touched.clear();
  }

  private static EvidenceRef withRecord(EvidenceRef e, byte[] record, boolean signatureValid) {
    return new EvidenceRef(
        e.topic(),
        e.partition(),
        e.offset(),
        e.nodeId(),
        e.keyId(),
        e.batchSeq(),
        record,
        signatureValid);
  }

  private void keepEvidence(EvidenceRef ref, byte[] value, long now) {
    String k = evidenceKey(ref);
    evidence.put(k, value);
    long expiry = now + evidenceRetentionMs;
    deadlines.put(indexKey(EVIDENCE_EXPIRY, expiry, k), new byte[0]);
    nextExpiry = Math.min(nextExpiry, Math.max(0, expiry));
  }

  private void emit(Finding f, long now) {
    List<EvidenceRef> withBytes = new ArrayList<>(f.evidence().size());
    for (EvidenceRef e : f.evidence()) {
      byte[] bytes = e.record() != null ? e.record() : evidence.get(evidenceKey(e));
      withBytes.add(
          new EvidenceRef(
              e.topic(),
              e.partition(),
              e.offset(),
              e.nodeId(),
              e.keyId(),
              e.batchSeq(),
              bytes,
              e.signatureValid()));
    }
    Finding out =
        new Finding(
            f.kind(),
            f.type(),
            f.group(),
            f.entityKey(),
            f.version(),
            f.nodes(),
            f.majorityHash(),
            f.detail(),
            f.firstEventTime(),
            f.detectedAt(),
            f.attributes(),
            withBytes);
    context.forward(new Record<>(Emission.routingKey(out), new Emission.Found(out), now));
  }

  private void dead(Record<String, byte[]> record, String reason, String detail, long now) {
    LOG.debug("dead letter reason={} detail={}", reason, detail);
    metrics.deadLetter(reason);
    context.forward(
        DeadLetters.of(record, context.recordMetadata().orElse(null), reason, detail, now));
  }

  private static ReplicaReport toReport(StateChange sc, EvidenceRef ref) {
    return new ReplicaReport(
        sc.getEventId(),
        sc.getGroup(),
        sc.getEntityKey(),
        sc.getVersion(),
        sc.getNodeId(),
        hex(sc.getPrevStateHash()),
        hex(sc.getStateHash()),
        sc.getOpId(),
        hex(sc.getOpDigest()),
        sc.getEventTime().toEpochMilli(),
        ref);
  }

  private static String hex(ByteBuffer b) {
    return b == null ? "" : Hashing.hex(b);
  }

  private static String digest(byte[] value) {
    return Hashing.hex(Hashing.sha256(value)).substring(0, 32);
  }

  private static String evidenceKey(EvidenceRef e) {
    return e.partition() + "/" + e.offset();
  }

  static Bytes deadlineKey(long deadline, String entityId, long version) {
    return indexKey(DEADLINE, deadline, entityId + '\u0000' + version);
  }

  private static Bytes indexKey(byte type, long time, String payload) {
    byte[] p = payload.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(1 + 8 + p.length);
    b.put(type).putLong(Math.max(0, time)).put(p);
    return Bytes.wrap(b.array());
  }

  private static long time(Bytes key) {
    return ByteBuffer.wrap(key.get(), 1, 8).getLong();
  }

  private static String payload(Bytes key) {
    byte[] k = key.get();
    return new String(k, 9, k.length - 9, StandardCharsets.UTF_8);
  }
}
