package dev.herald.auditor.topology;

import dev.herald.auditor.admission.BatchAdmission;
import dev.herald.auditor.detect.ClaimEquivocation;
import dev.herald.auditor.detect.ConsistencyVerdicts;
import dev.herald.auditor.detect.EntityState;
import dev.herald.auditor.detect.EvidenceRef;
import dev.herald.auditor.detect.Finding;
import dev.herald.auditor.detect.NodeLedger;
import dev.herald.auditor.detect.Reconciler;
import dev.herald.auditor.detect.ReplicaReport;
import dev.herald.auditor.detect.SignedClaim;
import dev.herald.auditor.identity.KeyCache;
import dev.herald.auditor.identity.RegisteredNode;
import dev.herald.auditor.policy.AuditPolicy;
import dev.herald.auditor.policy.GroupPolicy;
import dev.herald.schema.AlertType;
import dev.herald.schema.ReportBatch;
import dev.herald.schema.StateChange;
import dev.herald.schema.Topics;
import dev.herald.schema.canonical.Hashing;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Audits the records of one partition of {@code herald.state-changes.v1} against the local stores
 * of that partition. Thin by design: {@link BatchAdmission} decides what a record is (dead letter,
 * unverifiable input in some node's name, or an admitted batch); this processor does the store I/O,
 * keeps the partition's clock, charges budgets and runs the per-entity {@link Reconciler}.
 *
 * <p>Time ("report time") is the newest broker time of the admitted batches of this partition, each
 * clamped to the wall clock + the policy's skew: a record nobody verified never moves it, so no
 * writer can close, starve or freeze anyone's versions. Versions close when every member reported,
 * or when report time passes their grace (checked before each admitted batch and by a wall-clock
 * check once the partition is caught up), so the decisions depend only on the input and a replay
 * yields the same alerts.
 */
final class ReportBatchProcessor implements Processor<String, byte[], String, Emission> {
  private static final Logger LOG = LoggerFactory.getLogger(ReportBatchProcessor.class);

  private static final long CHECK_MS = 250;

  /** Index entries the eviction walk looks at per check (of entities, and of residues). */
  private static final int EVICTIONS_PER_CHECK = 5_000;

  private final Supplier<AuditPolicy> policies;
  private final BatchAdmission.Decoder decoder;
  private final int partitions;
  private final KeyCache keys = new KeyCache(4096);
  private final AuditorMetrics metrics;
  private final InputFrontier frontier;
  private final RegistryChanges registryChanges;
  // the policy in force and what is derived from it; replaced when the policy is reloaded
  private AuditPolicy policy;
  private BatchAdmission admission;
  private long evidenceRetentionMs;
  private long skewMs;
  private long quietAfterMs;
  private final UnknownNodeBudget unknownNodes = new UnknownNodeBudget();

  private ProcessorContext<String, Emission> context;
  private String task;
  private KeyValueStore<String, EntityState> entities;
  private KeyValueStore<String, NodeLedger> ledgers;
  private DeadlineIndex deadlines;
  private EntityLifecycle lifecycle;
  private EvidenceStore evidence;
  private ClaimStore claims;
  private Registry registry;
  private long reportTime = -1;
  private long lastReportWall;
  private long lastCheckWall;

  ReportBatchProcessor(
      Supplier<AuditPolicy> policies,
      BatchAdmission.Decoder decoder,
      int partitions,
      AuditorMetrics metrics,
      InputFrontier frontier,
      RegistryChanges registryChanges) {
    this.registryChanges = registryChanges;
    this.frontier = frontier;
    this.policies = policies;
    this.decoder = decoder;
    this.partitions = partitions;
    this.metrics = metrics;
    refreshPolicy();
  }

  /**
   * Takes up a reloaded policy (a volatile read when nothing changed): admission, skew, grace and
   * evidence retention follow it from the next record on; versions already open keep the deadlines
   * they were given.
   */
  private void refreshPolicy() {
    AuditPolicy now = policies.get();
    if (now != policy) {
      policy = now;
      admission = new BatchAdmission(now, partitions, decoder, keys);
      evidenceRetentionMs = 4 * now.defaults().reportGrace().toMillis() + 10_000;
      quietAfterMs = Math.max(1_000, now.defaults().reportGrace().toMillis());
      skewMs = now.clockSkew().toMillis();
      if (evidence != null) {
        evidence.retainFor(evidenceRetentionMs);
      }
      if (claims != null) {
        claims.configure(now.claims().retention().toMillis(), now.claims().maxPerNode());
      }
    }
  }

  @Override
  public void init(ProcessorContext<String, Emission> context) {
    this.context = context;
    this.task = context.taskId().toString();
    // write-back stores of decoded values (WriteBackStore): read and put back freely, each changed
    // value is encoded and written once per commit (entities, ledgers and the lifecycle entries)
    entities = context.getStateStore(AuditorStores.ENTITIES);
    ledgers = context.getStateStore(AuditorStores.NODE_LEDGERS);
    deadlines = new DeadlineIndex(context.getStateStore(AuditorStores.DEADLINES));
    deadlines.dropEvidenceExpiries();
    lifecycle = new EntityLifecycle(context.getStateStore(AuditorStores.ENTITY_LIFECYCLE));
    metrics.entities(task, lifecycle.entityCount());
    evidence =
        new EvidenceStore(context.getStateStore(AuditorStores.EVIDENCE), evidenceRetentionMs);
    registry = new Registry(context.getStateStore(AuditorStores.REGISTRY), registryChanges);
    claims =
        new ClaimStore(
            context.getStateStore(AuditorStores.CLAIMS),
            metrics,
            policy.claims().retention().toMillis(),
            policy.claims().maxPerNode());
    lastReportWall = context.currentSystemTimeMs();
    lastCheckWall = lastReportWall;
    // Report time moves only in process(), which closes what is due; the wall-clock check covers
    // the caught-up (or quiet) partition.
    context.schedule(
        Duration.ofMillis(CHECK_MS), PunctuationType.WALL_CLOCK_TIME, this::closeDueQuiet);
    // claims expire on the admitted clock; the sweep only deletes what lookups already ignore
    context.schedule(Duration.ofSeconds(1), PunctuationType.WALL_CLOCK_TIME, w -> sweepClaims());
  }

  /**
   * The clock versions close by: report time (see the class comment). Not the task's stream time:
   * that includes heartbeats and unverified records. Only when the partition is caught up (every
   * batch sent before that moment has been read) does the wall clock move it on, so a quiet
   * partition's last versions still close.
   */
  private long clock() {
    if (frontier.known()) {
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

  private void sweepClaims() {
    refreshPolicy();
    claims.sweep(reportTime);
  }

  private void closeDueQuiet(long wallNow) {
    refreshPolicy();
    // Wall time in which this stream thread did not run (GC, a long commit) is not quiet time.
    long gap = wallNow - lastCheckWall;
    lastCheckWall = wallNow;
    if (gap > 4 * CHECK_MS) {
      lastReportWall += gap - CHECK_MS;
    }
    long now = clock();
    closeDue(now);
    evictQuiescent(now);
  }

  /** Evicts entities quiescent for the policy's TTL (a bounded chunk per check). */
  private void evictQuiescent(long now) {
    EntityLifecycle.Swept swept =
        lifecycle.evictDue(
            now,
            policy.state().entityTtl().toMillis(),
            policy.state().residueTtl().toMillis(),
            EVICTIONS_PER_CHECK,
            entities);
    metrics.entitiesEvicted(swept.evicted());
    metrics.residuesExpired(swept.residuesExpired());
    if (swept.evicted() > 0) {
      metrics.entities(task, lifecycle.entityCount());
    }
  }

  @Override
  public void close() {
    if (context != null) {
      metrics.entities(task, -1);
    }
  }

  @Override
  public void process(Record<String, byte[]> record) {
    refreshPolicy();
    long wall = context.currentSystemTimeMs();
    RecordMetadata meta = context.recordMetadata().orElse(null);
    int partition = meta == null ? context.taskId().partition() : meta.partition();
    long brokerTime = record.timestamp() >= 0 ? record.timestamp() : wall;
    // a writer's timestamp never runs ahead of the wall clock by more than the skew, and the
    // admitted clock never runs back (an old CreateTime stamp cannot revive a retired key)
    long arrival = Math.max(Math.min(brokerTime, wall + skewMs), reportTime);
    if (meta != null) {
      // and never before the record was there: the frontier saw the partition's end below it
      arrival =
          Math.max(
              arrival,
              frontier
                  .appendedNoEarlierThan(Topics.STATE_CHANGES, partition, meta.offset())
                  .orElse(Long.MIN_VALUE));
    }
    Map<String, NodeLedger> touched = new HashMap<>();
    BatchAdmission.Outcome outcome =
        admission.admit(
            record.value(), partition, arrival, registry::history, n -> ledger(n, touched));
    if (outcome instanceof BatchAdmission.Admitted a) {
      lastReportWall = wall;
      reportTime = Math.max(reportTime, arrival);
      closeDue(reportTime);
      audit(record, meta, a, reportTime, wall, touched);
    } else if (outcome instanceof BatchAdmission.Unverified u) {
      unverified(record, meta, u, arrival, wall, touched);
    } else {
      BatchAdmission.Dead d = (BatchAdmission.Dead) outcome;
      metrics.batch(d.reason().toLowerCase(Locale.ROOT));
      dead(record, d.reason(), d.detail());
    }
    flush(touched);
  }

  /**
   * Input in some node's name that does not verify as it: a dead letter, and now and then (a small
   * budget per claimed node, and for unregistered ids per task) a finding that names the claimed
   * node as the victim of a forgery — with the record's hash and coordinates, never its bytes.
   */
  private void unverified(
      Record<String, byte[]> record,
      RecordMetadata meta,
      BatchAdmission.Unverified u,
      long arrival,
      long wall,
      Map<String, NodeLedger> touched) {
    metrics.batch(u.reason().equals("FORGED") ? "forged" : "unknown_node");
    dead(record, u.reason(), u.detail());
    RegisteredNode node = u.registered();
    if (node == null) {
      registry.invalidate();
    }
    boolean warn =
        node == null
            ? unknownNodes.admit(u.claimedNode(), wall)
            : ledger(u.claimedNode(), touched).admitUnverified(wall);
    if (!warn) {
      return;
    }
    byte[] value = record.value();
    EvidenceRef ref =
        new EvidenceRef(
            meta == null ? Topics.STATE_CHANGES : meta.topic(),
            meta == null ? -1 : meta.partition(),
            meta == null ? -1 : meta.offset(),
            u.claimedNode(),
            "",
            -1,
            null,
            false,
            value == null ? "" : Hashing.hex(Hashing.sha256(value)));
    String group = node == null ? "" : firstGroup(node);
    Map<String, String> attributes = new LinkedHashMap<>();
    attributes.put("reason", u.reason());
    // Its time: when it arrived (broker time, clamped; never before the admitted clock) — it moves
    // no clock, but dates the episode it counts in, also before any batch was admitted here.
    long time = Math.max(0, arrival);
    if (u.reason().equals("FORGED")) {
      attributes.put("role", "victim");
      emit(
          Finding.episode(
              AlertType.FORGED_REPORT,
              group,
              u.claimedNode(),
              "input in the name of node "
                  + u.claimedNode()
                  + " does not verify against its key: someone else made it ("
                  + u.detail()
                  + ")",
              time,
              time,
              attributes,
              List.of(ref)),
          time);
    } else {
      emit(
          Finding.episode(
              AlertType.UNKNOWN_NODE,
              group,
              u.claimedNode(),
              u.detail(),
              time,
              time,
              attributes,
              List.of(ref)),
          time);
    }
  }

  private static String firstGroup(RegisteredNode node) {
    return node.groups().stream().sorted().findFirst().orElse("");
  }

  private void audit(
      Record<String, byte[]> record,
      RecordMetadata meta,
      BatchAdmission.Admitted admitted,
      long now,
      long wall,
      Map<String, NodeLedger> touched) {
    ReportBatch batch = admitted.batch();
    RegisteredNode node = admitted.node();
    String nodeId = node.nodeId();
    byte[] value = record.value();
    EvidenceRef ref =
        new EvidenceRef(
            meta == null ? Topics.STATE_CHANGES : meta.topic(),
            meta == null ? batch.getPartition() : meta.partition(),
            meta == null ? -1 : meta.offset(),
            nodeId,
            batch.getKeyId(),
            batch.getBatchSeq(),
            null,
            true,
            Hashing.hex(Hashing.sha256(value)));
    evidence.keep(ref, value, now);
    metrics.batch("accepted");
    NodeLedger ledger = ledger(nodeId, touched);
    List<StateChange> excess = new ArrayList<>();
    List<StateChange> jumped = new ArrayList<>();
    Set<String> notMember = new TreeSet<>();
    Map<String, EntityState> batchStates = new HashMap<>();
    Set<String> changed = new LinkedHashSet<>();
    Set<String> revived = new HashSet<>();
    List<StateChange> stale = new ArrayList<>();
    List<StateChange> overQuota = new ArrayList<>();
    int opening = 0;
    int accepted = 0;
    int duplicates = 0;
    int late = 0;
    int equivocations = 0;
    for (StateChange sc : batch.getReports()) {
      String group = memberGroup(node.groups(), sc.getGroup());
      if (group == null) {
        notMember.add(sc.getGroup().toString());
        continue;
      }
      GroupPolicy gp = policy.group(group);
      ReplicaReport report = toReport(sc, ref, group, nodeId);
      String entityId = report.entityId();
      EntityState state = batchStates.get(entityId);
      if (state == null) {
        state = entities.get(entityId);
        if (state == null) {
          state = new EntityState(group, sc.getEntityKey().toString());
          if (lifecycle.revive(entityId, state)) {
            revived.add(entityId);
          }
        }
        batchStates.put(entityId, state);
      }
      // Every report of a batch its node signed anew is charged to the node's budget (copies of
      // its old batches never get here: admission dead-letters them as replays, by signed
      // content and sequence, so nobody can spend an honest node's budget by copying it).
      Reconciler.Effect preview = Reconciler.classify(state, report, gp);
      EntityState.VersionSlot slot = state.openVersion(sc.getVersion());
      boolean newEntry =
          preview == Reconciler.Effect.ACCEPTED
              && (slot == null || !slot.reports().containsKey(nodeId));
      if (!ledger.admit(gp, now) || (newEntry && !ledger.mayOpen(gp))) {
        excess.add(sc);
        continue;
      }
      if (preview == Reconciler.Effect.JUMP) {
        jumped.add(sc);
        continue;
      }
      // the node's earlier claim for this version, kept beyond the closed window
      byte[] digest = SignedClaim.digest(report);
      ClaimEquivocation.Verdict earlier =
          ClaimEquivocation.judge(
              state, report, digest, claims.get(entityId, sc.getVersion(), nodeId, now), now);
      if (earlier instanceof ClaimEquivocation.Equivocation e) {
        equivocations++;
        emit(e.finding(), now);
        continue;
      }
      if (earlier instanceof ClaimEquivocation.Repeated) {
        duplicates++;
        continue;
      }
      // a new claim is recorded once the report is judged (voted, duplicate or too late), not
      // when it is refused for the entity quota: a refused report sent again must be voted then
      boolean newClaim = earlier instanceof ClaimEquivocation.New;
      if (preview == Reconciler.Effect.DUPLICATE) {
        if (newClaim) {
          claims.record(entityId, sc.getVersion(), nodeId, digest, ref, now);
        }
        duplicates++;
        continue;
      }
      if (preview == Reconciler.Effect.TOO_LATE) {
        if (newClaim) {
          claims.record(entityId, sc.getVersion(), nodeId, digest, ref, now);
        }
        if (revived.contains(entityId)) {
          stale.add(sc);
        } else {
          late++;
        }
        continue;
      }
      if (preview == Reconciler.Effect.ACCEPTED && state.quiescent()) {
        // this report opens the entity: the node's entity quota
        if (!lifecycle.mayOpen(nodeId, opening, policy.state().maxOpenEntitiesPerNode())) {
          overQuota.add(sc);
          continue;
        }
        opening++;
      }
      if (newClaim) {
        claims.record(entityId, sc.getVersion(), nodeId, digest, ref, now);
      }
      Set<String> members = registry.members(group, now);
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
        deadlines.addDeadline(now + gp.reportGrace().toMillis(), entityId, out.openedVersion());
      } else if (out.closedVersion() != null && slot != null) {
        // closed by its last report before its grace ran out (most versions): the deadline its
        // first report added goes now, mostly within the commit that added it
        deadlines.removeDeadline(
            slot.openedAt() + gp.reportGrace().toMillis(), entityId, out.closedVersion());
      }
      List<Finding> findings = out.findings();
      if (out.closedVersion() != null) {
        findings = released(state, out.closedVersion(), findings, touched);
        metrics.versionsClosed(1);
      }
      changed.add(entityId);
      findings.forEach(f -> emit(f, now));
      if (out.closedVersion() != null) {
        verdict(state, out.closedVersion(), slot, members, findings, now);
      }
    }
    // one store write per entity and batch: the findings above read only the evidence store
    for (String entityId : changed) {
      EntityState state = batchStates.get(entityId);
      entities.put(entityId, state);
      lifecycle.written(entityId, state, now, nodeId);
    }
    if (!changed.isEmpty()) {
      metrics.entities(task, lifecycle.entityCount());
    }
    metrics.reports("accepted", accepted);
    metrics.reports("duplicate", duplicates);
    metrics.reports("late", late);
    metrics.reports("equivocation", equivocations);
    if (!notMember.isEmpty() && ledger.admitUnverified(wall)) {
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
    }
    if (!jumped.isEmpty()) {
      versionJump(record, batch, nodeId, jumped, ref, now);
    }
    if (!excess.isEmpty()) {
      flood(record, batch, nodeId, excess, ledger, now);
    }
    if (!stale.isEmpty()) {
      metrics.reports("stale", stale.size());
      dead(
          record,
          "STALE",
          stale.size()
              + " of "
              + batch.getReports().size()
              + " reports of node "
              + nodeId
              + " are for versions at or below the highest version their entity closed before it"
              + " was evicted as quiescent (state.entityTtl); judged already, not voted again");
    }
    if (!overQuota.isEmpty()) {
      entityQuota(record, batch, nodeId, overQuota, ledger, now);
    }
  }

  /**
   * Reports that would open more entities than the node's quota: a dead letter and one FLOOD
   * episode per group naming that node only; the other nodes' entities are audited as before.
   */
  private void entityQuota(
      Record<String, byte[]> record,
      ReportBatch batch,
      String nodeId,
      List<StateChange> over,
      NodeLedger ledger,
      long now) {
    int quota = policy.state().maxOpenEntitiesPerNode();
    metrics.reports("entity_quota", over.size());
    dead(
        record,
        "ENTITY_QUOTA",
        over.size()
            + " of "
            + batch.getReports().size()
            + " reports of node "
            + nodeId
            + " would open entities beyond its quota of "
            + quota
            + " entities with an open version it opened (state.maxOpenEntitiesPerNode, per"
            + " partition task); not audited");
    ledger.flooding = true;
    Set<String> groups = new TreeSet<>();
    over.forEach(sc -> groups.add(sc.getGroup().toString()));
    for (String g : groups) {
      emit(
          Finding.episode(
              AlertType.FLOOD,
              g,
              nodeId,
              "node " + nodeId + " holds " + quota + " open entities it opened, its quota",
              batch.getCreatedAt().toEpochMilli(),
              now,
              Map.of("excess", Integer.toString(over.size()), "cause", "entityQuota"),
              List.of()),
          now);
    }
  }

  /** Reports far beyond their entity's versions: a dead letter and one episode per group. */
  private void versionJump(
      Record<String, byte[]> record,
      ReportBatch batch,
      String nodeId,
      List<StateChange> jumped,
      EvidenceRef ref,
      long now) {
    metrics.reports("version_jump", jumped.size());
    dead(
        record,
        "VERSION_JUMP",
        jumped.size()
            + " of "
            + batch.getReports().size()
            + " reports of node "
            + nodeId
            + " are for versions beyond the versions their entities may have in flight"
            + " (rateBudget.maxInFlightVersions past the highest closed one); not voted");
    Map<String, StateChange> firstPerGroup = new TreeMap<>();
    jumped.forEach(sc -> firstPerGroup.putIfAbsent(sc.getGroup().toString(), sc));
    for (Map.Entry<String, StateChange> e : firstPerGroup.entrySet()) {
      StateChange sc = e.getValue();
      Map<String, String> attrs = new LinkedHashMap<>();
      attrs.put("entityKey", sc.getEntityKey().toString());
      attrs.put("version", Long.toString(sc.getVersion()));
      emit(
          Finding.episode(
              AlertType.VERSION_JUMP,
              e.getKey(),
              nodeId,
              "node "
                  + nodeId
                  + " reported version "
                  + sc.getVersion()
                  + " of "
                  + sc.getEntityKey()
                  + ", far beyond the versions in flight",
              sc.getEventTime().toEpochMilli(),
              now,
              attrs,
              List.of(ref)),
          now);
    }
  }

  private void flood(
      Record<String, byte[]> record,
      ReportBatch batch,
      String nodeId,
      List<StateChange> excess,
      NodeLedger ledger,
      long now) {
    metrics.reports("flood", excess.size());
    dead(
        record,
        "FLOOD",
        excess.size()
            + " of "
            + batch.getReports().size()
            + " reports of node "
            + nodeId
            + " exceed its rate budget or in-flight cap");
    Set<String> floodGroups = new TreeSet<>();
    excess.forEach(sc -> floodGroups.add(sc.getGroup().toString()));
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

  /** Closes every version whose grace has passed by {@code now}; drops expired evidence. */
  private void closeDue(long now) {
    if (now < 0) {
      return;
    }
    if (deadlines.deadlinesDue(now)) {
      closeDeadlines(now);
    }
    evidence.expire(now);
  }

  private void closeDeadlines(long now) {
    List<DeadlineIndex.DueVersion> due = new ArrayList<>();
    deadlines.takeDueVersions(now, due);
    Map<String, NodeLedger> touched = new HashMap<>();
    int closed = 0;
    for (DeadlineIndex.DueVersion d : due) {
      EntityState state = entities.get(d.entityId());
      if (state == null || !state.openVersions().containsKey(d.version())) {
        continue;
      }
      EntityState.VersionSlot slot = state.openVersion(d.version());
      Set<String> members = registry.members(state.group(), now);
      List<Finding> findings =
          Reconciler.close(state, d.version(), members, policy.group(state.group()), now);
      findings = released(state, d.version(), findings, touched);
      entities.put(d.entityId(), state);
      lifecycle.written(d.entityId(), state, now, null);
      closed++;
      findings.forEach(f -> emit(f, now));
      verdict(state, d.version(), slot, members, findings, now);
    }
    flush(touched);
    metrics.versionsClosed(closed);
  }

  /**
   * The reporters of a closed version have one version less in flight. A version only flooding
   * nodes reported has no quorum because of the flood: its NO_QUORUM is explained by FLOOD (only
   * while they flood: the mark clears once a node's budget is full again).
   */
  private List<Finding> released(
      EntityState state, long version, List<Finding> findings, Map<String, NodeLedger> touched) {
    EntityState.ClosedVersion c = state.closedVersion(version);
    if (c == null) {
      return findings;
    }
    boolean allFlooding = !c.hashedNodes().isEmpty();
    for (String n : c.hashedNodes()) {
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

  private void emit(Finding f, long now) {
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
            evidence.attach(f.evidence()));
    context.forward(new Record<>(Emission.routingKey(out), new Emission.Found(out), now));
  }

  /**
   * Forwards the verdict on a version just closed ({@code slot}: the version as it was open, or
   * null if the closing report opened it, at {@code now}).
   */
  private void verdict(
      EntityState state,
      long version,
      EntityState.VersionSlot slot,
      Set<String> members,
      List<Finding> findings,
      long now) {
    ConsistencyVerdicts.of(
            state,
            version,
            slot == null ? now : slot.openedAt(),
            slot == null ? Set.of() : slot.equivocators(),
            members,
            findings,
            now)
        .map(v -> ConsistencyVerdicts.stamped(v, policy.group(state.group()).consistency()))
        .ifPresent(
            v ->
                context.forward(
                    new Record<>(ConsistencyVerdicts.key(v), new Emission.Verdict(v), now)));
  }

  private void dead(Record<String, byte[]> record, String reason, String detail) {
    LOG.debug("dead letter reason={} detail={}", reason, detail);
    metrics.deadLetter(reason);
    context.forward(
        DeadLetters.of(
            record,
            context.recordMetadata().orElse(null),
            reason,
            detail,
            context.currentSystemTimeMs(),
            policy.maxRecordBytes()));
  }

  /**
   * The registry's instance of the group {@code group} names among {@code groups} (the node's), or
   * null when the node is no member of it. Reports keep the registry's strings for their group and
   * node, as every entity version's maps are keyed by them: a few long-lived instances instead of
   * fresh copies in every report keep those lookups in the processor's caches.
   */
  private static String memberGroup(List<String> groups, CharSequence group) {
    for (String g : groups) {
      if (g.contentEquals(group)) {
        return g;
      }
    }
    return null;
  }

  /**
   * The domain form of {@code sc}, a report of the admitted batch {@code ref} of {@code nodeId}
   * (admission checked that every report names the batch's node) for {@code group}.
   */
  private static ReplicaReport toReport(
      StateChange sc, EvidenceRef ref, String group, String nodeId) {
    return new ReplicaReport(
        sc.getEventId().toString(),
        group,
        sc.getEntityKey().toString(),
        sc.getVersion(),
        nodeId,
        hex(sc.getPrevStateHash()),
        hex(sc.getStateHash()),
        sc.getOpId().toString(),
        hex(sc.getOpDigest()),
        sc.getEventTime().toEpochMilli(),
        ref);
  }

  private static String hex(ByteBuffer b) {
    return b == null ? "" : Hashing.hex(b);
  }
}
