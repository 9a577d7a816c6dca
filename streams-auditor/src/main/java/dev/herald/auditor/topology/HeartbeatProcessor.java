package dev.herald.auditor.topology;

import dev.herald.auditor.detect.Finding;
import dev.herald.auditor.identity.KeyCache;
import dev.herald.auditor.identity.RegisteredNode;
import dev.herald.auditor.liveness.Liveness;
import dev.herald.auditor.policy.AuditPolicy;
import dev.herald.schema.Heartbeat;
import dev.herald.schema.Topics;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.serde.MalformedRecordException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * NODE_SILENT from {@code herald.heartbeats.v1}. Heartbeats are verified against the registered key
 * like batches; an unverifiable heartbeat (unknown node, bad signature, undecodable) proves nothing
 * about liveness and goes to the DLQ with its reason. Silence is a wall-clock condition (a silent
 * node sends nothing that could advance stream time), checked by a wall-clock punctuator; the alert
 * id depends only on the node and episode, so this never makes ids nondeterministic.
 */
final class HeartbeatProcessor implements Processor<String, byte[], String, Emission> {
  private final AuditPolicy policy;
  private final AvroWireFormat<Heartbeat> format;
  private final AuditorMetrics metrics;
  private final KeyCache keys = new KeyCache(1024);
  private ProcessorContext<String, Emission> context;
  private KeyValueStore<String, Liveness> liveness;
  private Registry registry;
  private static final long PUNCTUATE_MS = 250;
  private long lastInputWall;
  private long lastCheckWall;
  private long heartbeatTime;
  private final InputFrontier frontier;

  HeartbeatProcessor(
      AuditPolicy policy,
      AvroWireFormat<Heartbeat> format,
      AuditorMetrics metrics,
      InputFrontier frontier) {
    this.frontier = frontier;
    this.policy = policy;
    this.format = format;
    this.metrics = metrics;
  }

  @Override
  public void init(ProcessorContext<String, Emission> context) {
    this.context = context;
    liveness = context.getStateStore(AuditorStores.LIVENESS);
    registry = new Registry(context.getStateStore(AuditorStores.REGISTRY));
    lastInputWall = context.currentSystemTimeMs();
    lastCheckWall = lastInputWall;
    context.schedule(
        Duration.ofMillis(PUNCTUATE_MS), PunctuationType.WALL_CLOCK_TIME, this::checkSilence);
  }

  @Override
  public void process(Record<String, byte[]> record) {
    lastInputWall = context.currentSystemTimeMs();
    long now = record.timestamp();
    byte[] value = record.value();
    Heartbeat hb;
    try {
      if (value != null && value.length > policy.maxRecordBytes()) {
        throw new MalformedRecordException(
            MalformedRecordException.Reason.OVERSIZED, value.length + " bytes is over the limit");
      }
      hb = format.deserialize(Topics.HEARTBEATS, value);
    } catch (MalformedRecordException e) {
      dead(record, e.reason().name(), e.getMessage(), now);
      return;
    }
    RegisteredNode node = registry.node(hb.getNodeId());
    if (node == null || !node.active()) {
      dead(
          record,
          "UNKNOWN_NODE",
          "heartbeat of unregistered or inactive node " + hb.getNodeId(),
          now);
      return;
    }
    if (policy.defaults().requireSignatures() && !keys.verify(hb, node)) {
      dead(
          record,
          "FORGED",
          "heartbeat of node " + hb.getNodeId() + " does not verify against its registered key",
          now);
      return;
    }
    metrics.heartbeat("accepted");
    Liveness l = liveness.get(hb.getNodeId());
    if (l == null) {
      l = new Liveness();
      l.nodeId = hb.getNodeId();
    }
    heartbeatTime = Math.max(heartbeatTime, hb.getEventTime().toEpochMilli());
    long threshold = silenceThreshold(node);
    List<Finding> found =
        Liveness.onHeartbeat(l, hb.getEventTime().toEpochMilli(), hb.getStatus(), threshold, now);
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
    List<KeyValue<String, Liveness>> all = new ArrayList<>();
    try (KeyValueIterator<String, Liveness> it = liveness.all()) {
      it.forEachRemaining(all::add);
    }
    for (KeyValue<String, Liveness> kv : all) {
      boolean idle = idleMs != Long.MAX_VALUE && idleMs > kv.value.silenceThresholdMs;
      long judgedAt = idle ? Math.max(clock, wallNow) : clock;
      Optional<Finding> silent = kv.value.check(judgedAt);
      if (silent.isPresent()) {
        liveness.put(kv.key, kv.value);
        forward(silent.get(), judgedAt);
      }
    }
  }

  private void forward(Finding f, long ts) {
    context.forward(new Record<>(Emission.routingKey(f), new Emission.Found(f), ts));
  }

  private void dead(Record<String, byte[]> record, String reason, String detail, long now) {
    metrics.heartbeat("dead_letter");
    metrics.deadLetter(reason);
    context.forward(
        DeadLetters.of(record, context.recordMetadata().orElse(null), reason, detail, now));
  }
}
