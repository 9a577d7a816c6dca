package dev.herald.auditor.topology;

import dev.herald.auditor.admission.HeartbeatAdmission;
import dev.herald.auditor.detect.Finding;
import dev.herald.auditor.detect.Liveness;
import dev.herald.auditor.identity.KeyCache;
import dev.herald.auditor.identity.RegisteredNode;
import dev.herald.auditor.policy.AuditPolicy;
import dev.herald.schema.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Supplier;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * NODE_SILENT from {@code herald.heartbeats.v1}. {@link HeartbeatAdmission} decides what a record
 * is: an admitted heartbeat (verified against its node's key, on its node's partition, with a
 * sequence above the node's last), or a dead letter that proves nothing about liveness. Silence is
 * judged on "heartbeat time" — the newest broker time of the admitted heartbeats of this partition,
 * clamped to the wall clock + skew — and, once the partition is caught up, the wall clock; the
 * alert id depends only on the node and episode, so this never makes ids nondeterministic.
 */
final class HeartbeatProcessor implements Processor<String, byte[], String, Emission> {
  private static final long PUNCTUATE_MS = 250;

  private final Supplier<AuditPolicy> policies;
  private final HeartbeatAdmission.Decoder decoder;
  private final int partitions;
  private final KeyCache keys = new KeyCache(1024);
  private final AuditorMetrics metrics;
  private final InputFrontier frontier;
  // the policy in force and what is derived from it; replaced when the policy is reloaded
  private AuditPolicy policy;
  private HeartbeatAdmission admission;
  private long skewMs;
  private ProcessorContext<String, Emission> context;
  private KeyValueStore<String, Liveness> liveness;
  private Registry registry;
  private long lastInputWall;
  private long lastCheckWall;
  private long heartbeatTime = Long.MIN_VALUE;

  HeartbeatProcessor(
      Supplier<AuditPolicy> policies,
      HeartbeatAdmission.Decoder decoder,
      int partitions,
      AuditorMetrics metrics,
      InputFrontier frontier) {
    this.frontier = frontier;
    this.policies = policies;
    this.decoder = decoder;
    this.partitions = partitions;
    this.metrics = metrics;
    refreshPolicy();
  }

  /** Takes up a reloaded policy (a volatile read when nothing changed). */
  private void refreshPolicy() {
    AuditPolicy now = policies.get();
    if (now != policy) {
      policy = now;
      admission = new HeartbeatAdmission(now, partitions, decoder, keys);
      skewMs = now.clockSkew().toMillis();
    }
  }

  @Override
  public void init(ProcessorContext<String, Emission> context) {
    this.context = context;
    liveness = context.getStateStore(AuditorStores.LIVENESS);
    // only node histories are read here (no membership): nothing to re-read on a change
    registry = new Registry(context.getStateStore(AuditorStores.REGISTRY), new RegistryChanges());
    lastInputWall = context.currentSystemTimeMs();
    lastCheckWall = lastInputWall;
    context.schedule(
        Duration.ofMillis(PUNCTUATE_MS), PunctuationType.WALL_CLOCK_TIME, this::checkSilence);
  }

  @Override
  public void process(Record<String, byte[]> record) {
    refreshPolicy();
    long wall = context.currentSystemTimeMs();
    RecordMetadata meta = context.recordMetadata().orElse(null);
    int partition = meta == null ? context.taskId().partition() : meta.partition();
    long brokerTime = record.timestamp() >= 0 ? record.timestamp() : wall;
    long arrival = Math.max(Math.min(brokerTime, wall + skewMs), heartbeatTime);
    if (meta != null) {
      // and never before the record was there: the frontier saw the partition's end below it
      arrival =
          Math.max(
              arrival,
              frontier
                  .appendedNoEarlierThan(Topics.HEARTBEATS, partition, meta.offset())
                  .orElse(Long.MIN_VALUE));
    }
    HeartbeatAdmission.Outcome outcome =
        admission.admit(
            record.value(),
            partition,
            arrival,
            registry::history,
            n -> {
              Liveness l = liveness.get(n);
              return l == null ? Long.MIN_VALUE : l.lastSequence;
            });
    if (outcome instanceof HeartbeatAdmission.Dead d) {
      dead(record, d.reason(), d.detail());
      return;
    }
    HeartbeatAdmission.Admitted a = (HeartbeatAdmission.Admitted) outcome;
    lastInputWall = wall;
    heartbeatTime = Math.max(heartbeatTime, arrival);
    metrics.heartbeat("accepted");
    String nodeId = a.node().nodeId();
    Liveness l = liveness.get(nodeId);
    if (l == null) {
      l = new Liveness();
      l.nodeId = nodeId;
    }
    l.lastSequence = a.heartbeat().getSequence();
    long now = heartbeatTime;
    List<Finding> found =
        Liveness.onHeartbeat(
            l, a.eventTime(), a.heartbeat().getStatus(), silenceThreshold(a.node()), now);
    liveness.put(l.nodeId, l);
    found.forEach(f -> forward(f, now));
  }

  private long silenceThreshold(RegisteredNode node) {
    long min = policy.defaults().silenceThreshold().toMillis();
    if (!node.groups().isEmpty()) {
      min = Long.MAX_VALUE;
      for (String g : node.groups()) {
        min = Math.min(min, policy.group(g).silenceThreshold().toMillis());
      }
    }
    return min;
  }

  private void checkSilence(long wallNow) {
    refreshPolicy();
    if (frontier.known()) {
      // Silence is judged as of the newest moment at which this task had read every heartbeat
      // of its partition that was on the broker; while heartbeats wait unread (the auditor lags,
      // its consumer serves other partitions first) only the heartbeats read so far tell the time:
      // other nodes' heartbeats prove time went on while a silent node sent nothing.
      OptionalLong caughtUp = frontier.caughtUpAt(Topics.HEARTBEATS, context.taskId().partition());
      judgeAll(Math.max(heartbeatTime, caughtUp.orElse(Long.MIN_VALUE)), Long.MAX_VALUE, wallNow);
      return;
    }
    // Without a frontier (tests on TopologyTestDriver): only when this task has read no heartbeat
    // at all for a threshold does the wall clock count. Time during which this stream thread did
    // not run (a long commit, GC, an overloaded machine) is not time in which it saw no heartbeat.
    long gap = wallNow - lastCheckWall;
    lastCheckWall = wallNow;
    if (gap > 4 * PUNCTUATE_MS) {
      lastInputWall += gap - PUNCTUATE_MS;
    }
    judgeAll(heartbeatTime, wallNow - lastInputWall, wallNow);
  }

  /**
   * Judges every node at {@code clock}, or at the wall clock for nodes whose threshold is shorter
   * than {@code idleMs} (the time this task has read nothing).
   */
  private void judgeAll(long clock, long idleMs, long wallNow) {
    if (clock == Long.MIN_VALUE && idleMs == Long.MAX_VALUE) {
      return;
    }
    List<KeyValue<String, Liveness>> all = new ArrayList<>();
    try (KeyValueIterator<String, Liveness> it = liveness.all()) {
      it.forEachRemaining(all::add);
    }
    for (KeyValue<String, Liveness> kv : all) {
      boolean idle = idleMs != Long.MAX_VALUE && idleMs > kv.value.silenceThresholdMs;
      long judgedAt = idle ? Math.max(clock, wallNow) : clock;
      if (judgedAt == Long.MIN_VALUE) {
        continue;
      }
      Optional<Finding> silent = kv.value.check(judgedAt);
      if (silent.isPresent()) {
        liveness.put(kv.key, kv.value);
        forward(silent.get(), judgedAt);
      }
    }
  }

  private void forward(Finding f, long ts) {
    context.forward(new Record<>(Emission.routingKey(f), new Emission.Found(f), Math.max(0, ts)));
  }

  private void dead(Record<String, byte[]> record, String reason, String detail) {
    metrics.heartbeat("dead_letter");
    metrics.deadLetter(reason);
    long wall = context.currentSystemTimeMs();
    context.forward(
        DeadLetters.of(
            record,
            context.recordMetadata().orElse(null),
            reason,
            detail,
            wall,
            policy.maxRecordBytes()));
  }
}
