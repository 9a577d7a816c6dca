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
  private long lastStreamTime = Long.MIN_VALUE;

  HeartbeatProcessor(AuditPolicy policy, AvroWireFormat<Heartbeat> format, AuditorMetrics metrics) {
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
    Optional<Finding> back =
        Liveness.onHeartbeat(l, hb.getEventTime().toEpochMilli(), hb.getStatus(), threshold, now);
    liveness.put(l.nodeId, l);
    back.ifPresent(f -> forward(f, now));
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
    // Time during which this stream thread did not run (a long commit, GC, an overloaded machine)
    // is not time in which it saw no heartbeat: input may be waiting unread. Only wall time the
    // auditor spent running and reading counts towards "idle", so waking up from a stall never
    // declares the whole fleet silent.
    long gap = wallNow - lastCheckWall;
    lastCheckWall = wallNow;
    if (gap > 4 * PUNCTUATE_MS) {
      lastInputWall += gap - PUNCTUATE_MS;
    }
    // The task's stream time (the newest record timestamp it has processed, reports included) is
    // the clock while input flows: Kafka Streams hands a task its records in timestamp order across
    // its partitions, so when it has read up to T, every heartbeat sent before T has been read too,
    // however far the auditor lags behind. Capped at the wall clock, so a reporter whose clock runs
    // ahead cannot age everybody else's heartbeats.
    long streamTime = context.currentStreamTimeMs();
    if (streamTime > lastStreamTime) {
      lastStreamTime = streamTime;
      lastInputWall = Math.max(lastInputWall, wallNow);
    }
    long clock = Math.min(Math.max(heartbeatTime, lastStreamTime), wallNow);
    List<KeyValue<String, Liveness>> all = new ArrayList<>();
    try (KeyValueIterator<String, Liveness> it = liveness.all()) {
      it.forEachRemaining(all::add);
    }
    for (KeyValue<String, Liveness> kv : all) {
      // Only when the task has read nothing at all for a threshold (nothing can be pending, the
      // whole partition went quiet) does the wall clock count; a task that just started waits
      // that long too.
      boolean idle = wallNow - lastInputWall > kv.value.silenceThresholdMs;
      long judgedAt = idle ? wallNow : clock;
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
