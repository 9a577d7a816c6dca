package dev.herald.flink.window;

import dev.herald.flink.io.HeartbeatEvent;
import dev.herald.flink.io.Inbound;
import dev.herald.flink.io.Rejection;
import dev.herald.flink.io.Rejections;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Turns one node's heartbeats (keyed by node id) into one {@link NodeSlice} per tumbling event-time
 * window, including windows in which the node sent nothing, which is what makes an outage visible
 * at all.
 *
 * <p>Heartbeats are buffered until the watermark passes the end of their window, then sorted and
 * handed to {@link LivenessMath#slice}. Those of the window to be emitted next wait in {@code
 * pending}; those of later windows (a watermark lagging behind the input, as when a backlog is
 * read) wait in {@code ahead}, bucketed by window end, so that emitting a window touches only its
 * own heartbeats instead of rescanning every buffered one (which made catching up quadratic in the
 * watermark lag). A heartbeat whose window was already emitted is late: it goes to {@link #LATE}
 * and is counted in the next slice's {@code lateEvents}. State is cleared when the node stops in a
 * planned way ({@code STOPPING}) or has been silent for {@code forgetAfterMs}, so nodes that are
 * gone leave nothing behind. When a bounded input ends, slices stop at the latest event time this
 * subtask has seen.
 *
 * <p>Bounded per node: a heartbeat whose signed sequence is not above the node's highest so far and
 * that was signed long before its Kafka record was written (clamping moved its time forward) is a
 * replay ({@code REPLAYED}) — a node's heartbeats arrive in order from its partition, so only a
 * re-sent old heartbeat looks like that, and without this check clamping would make it count as
 * new; at most {@code maxBeatsPerWindow} heartbeats are kept per window ({@code RATE_LIMITED}
 * beyond) and at most {@link #MAX_WINDOWS_AHEAD} windows ahead of the watermark ({@code
 * TOO_FAR_AHEAD}); each goes to {@link #REFUSED}. The sequence high-water mark outlives the node's
 * other state (so a stopped node's old heartbeats cannot be replayed) until it has not been written
 * for {@code forgetAfterMs} of processing time.
 *
 * <pre>{@code
 * heartbeats.keyBy(in -> in.heartbeat().nodeId())
 *     .process(new NodeLivenessFunction(60_000, 15_000, Duration.ofHours(24).toMillis()));
 * }</pre>
 */
public final class NodeLivenessFunction extends KeyedProcessFunction<String, Inbound, NodeSlice> {
  private static final long serialVersionUID = 1L;

  /** Heartbeats that arrived after their window had been emitted. */
  public static final OutputTag<Rejection> LATE =
      new OutputTag<>("late-heartbeats", TypeInformation.of(Rejection.class));

  /** Heartbeats refused for the node's bounds: replayed, over the rate, too far ahead. */
  public static final OutputTag<Rejection> REFUSED =
      new OutputTag<>("refused-heartbeats", TypeInformation.of(Rejection.class));

  /** Default of {@code maxBeatsPerWindow}. */
  public static final int DEFAULT_MAX_BEATS_PER_WINDOW = 1_000;

  /** Most windows ahead of the next one to emit for which a node's heartbeats are buffered. */
  public static final int MAX_WINDOWS_AHEAD = 10_000;

  private final long windowMs;
  private final long silenceMs;
  private final long forgetAfterMs;
  private final int maxBeatsPerWindow;

  private transient ValueState<Beat> carried;
  private transient ListState<Beat> pending;
  private transient MapState<Long, List<Beat>> ahead;
  private transient ValueState<Long> nextWindowEnd;
  private transient ValueState<Long> lateCount;
  private transient ValueState<HeartbeatEvent> latest;
  private transient ValueState<Integer> pendingCount;
  private transient ValueState<Integer> aheadCount;
  private transient ValueState<Long> lastSequence;
  private transient Counter lateCounter;
  private transient Counter refusedCounter;
  // Latest event time this subtask has seen: where a bounded input ends. Not checkpointed; after a
  // restore it is learned again from the replayed input.
  private transient long maxSeen;

  /**
   * @param windowMs tumbling window size
   * @param silenceMs silence after which a node counts as down
   * @param forgetAfterMs silence after which a node's state is dropped
   */
  public NodeLivenessFunction(long windowMs, long silenceMs, long forgetAfterMs) {
    this(windowMs, silenceMs, forgetAfterMs, DEFAULT_MAX_BEATS_PER_WINDOW);
  }

  /**
   * @param windowMs tumbling window size
   * @param silenceMs silence after which a node counts as down
   * @param forgetAfterMs silence after which a node's state is dropped
   * @param maxBeatsPerWindow most heartbeats of one node kept per window
   */
  public NodeLivenessFunction(
      long windowMs, long silenceMs, long forgetAfterMs, int maxBeatsPerWindow) {
    if (windowMs <= 0 || silenceMs <= 0 || forgetAfterMs < silenceMs || maxBeatsPerWindow < 1) {
      throw new IllegalArgumentException(
          "need windowMs > 0, silenceMs > 0, forgetAfterMs >= silenceMs and maxBeatsPerWindow >= 1");
    }
    this.windowMs = windowMs;
    this.silenceMs = silenceMs;
    this.forgetAfterMs = forgetAfterMs;
    this.maxBeatsPerWindow = maxBeatsPerWindow;
  }

  @Override
  public void open(OpenContext openContext) {
    carried = getRuntimeContext().getState(new ValueStateDescriptor<>("carried", Beat.class));
    pending = getRuntimeContext().getListState(new ListStateDescriptor<>("pending", Beat.class));
    ahead =
        getRuntimeContext()
            .getMapState(
                new MapStateDescriptor<>("ahead", Types.LONG, Types.LIST(Types.POJO(Beat.class))));
    nextWindowEnd =
        getRuntimeContext().getState(new ValueStateDescriptor<>("nextWindowEnd", Types.LONG));
    lateCount = getRuntimeContext().getState(new ValueStateDescriptor<>("late", Types.LONG));
    latest =
        getRuntimeContext().getState(new ValueStateDescriptor<>("latest", HeartbeatEvent.class));
    pendingCount =
        getRuntimeContext().getState(new ValueStateDescriptor<>("pendingCount", Types.INT));
    aheadCount = getRuntimeContext().getState(new ValueStateDescriptor<>("aheadCount", Types.INT));
    ValueStateDescriptor<Long> sequence = new ValueStateDescriptor<>("lastSequence", Types.LONG);
    sequence.enableTimeToLive(StateTtlConfig.newBuilder(Duration.ofMillis(forgetAfterMs)).build());
    lastSequence = getRuntimeContext().getState(sequence);
    lateCounter = getRuntimeContext().getMetricGroup().counter("herald_flink_late_events_total");
    refusedCounter =
        getRuntimeContext().getMetricGroup().counter("herald_flink_refused_heartbeats_total");
    maxSeen = Long.MIN_VALUE;
  }

  @Override
  public void processElement(Inbound in, Context ctx, Collector<NodeSlice> out) throws Exception {
    HeartbeatEvent hb = in.heartbeat();
    long time = hb.eventTime();
    Long highest = lastSequence.value();
    if (highest != null && hb.sequence() <= highest && hb.signedLongBefore()) {
      refuse(
          in,
          ctx,
          "REPLAYED",
          "sequence "
              + hb.sequence()
              + " is not above the node's highest so far, "
              + highest
              + ", and it was signed at "
              + hb.signedTime()
              + ", long before its record was written");
      return;
    }
    if (highest == null || hb.sequence() > highest) {
      lastSequence.update(hb.sequence());
    }
    maxSeen = Math.max(maxSeen, time);
    Long next = nextWindowEnd.value();
    if (next != null && time < next - windowMs) {
      lateCount.update((lateCount.value() == null ? 0 : lateCount.value()) + 1);
      lateCounter.inc();
      ctx.output(LATE, Rejections.late(in, ctx.timerService().currentWatermark()));
      return;
    }
    Beat beat = new Beat(time, hb.stopping());
    if (next == null || time < next) {
      int count = pendingCount.value() == null ? 0 : pendingCount.value();
      if (count >= maxBeatsPerWindow) {
        refuseOverRate(in, ctx);
        return;
      }
      pending.add(beat);
      pendingCount.update(count + 1);
    } else {
      long bucket = windowStart(time) + windowMs;
      List<Beat> later = ahead.get(bucket);
      if (later == null) {
        int buckets = aheadCount.value() == null ? 0 : aheadCount.value();
        if (buckets >= MAX_WINDOWS_AHEAD) {
          refuse(
              in,
              ctx,
              "TOO_FAR_AHEAD",
              "the node already has heartbeats buffered for "
                  + MAX_WINDOWS_AHEAD
                  + " windows ahead of the watermark");
          return;
        }
        aheadCount.update(buckets + 1);
        later = new ArrayList<>();
      } else if (later.size() >= maxBeatsPerWindow) {
        refuseOverRate(in, ctx);
        return;
      }
      later.add(beat);
      ahead.put(bucket, later);
    }
    HeartbeatEvent previous = latest.value();
    if (previous == null || previous.eventTime() <= time) {
      latest.update(hb);
    }
    if (next == null) {
      long end = windowStart(time) + windowMs;
      nextWindowEnd.update(end);
      ctx.timerService().registerEventTimeTimer(end - 1);
    }
  }

  private void refuseOverRate(Inbound in, Context ctx) {
    refuse(
        in,
        ctx,
        "RATE_LIMITED",
        "the node sent more than "
            + maxBeatsPerWindow
            + " heartbeats in one "
            + windowMs
            + " ms window (option max-heartbeats-per-window)");
  }

  private void refuse(Inbound in, Context ctx, String reason, String detail) {
    refusedCounter.inc();
    ctx.output(REFUSED, Rejections.refused(in, reason, detail));
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<NodeSlice> out)
      throws Exception {
    long end = nextWindowEnd.value();
    long start = end - windowMs;
    List<Beat> inWindow = new ArrayList<>();
    List<Beat> later = new ArrayList<>();
    // pending holds this window's beats; beats of later windows only after a restore from a
    // checkpoint taken before they were bucketed in ahead
    for (Beat b : pending.get()) {
      (b.time() < end ? inWindow : later).add(b);
    }
    inWindow.sort(Comparator.comparingLong(Beat::time));
    LivenessMath.Slice s =
        LivenessMath.slice(ctx.getCurrentKey(), start, end, carried.value(), inWindow, silenceMs);
    HeartbeatEvent meta = latest.value();
    long late = lateCount.value() == null ? 0 : lateCount.value();
    out.collect(
        new NodeSlice(
            ctx.getCurrentKey(),
            meta.region(),
            new ArrayList<>(meta.groups()),
            start,
            end,
            s.expectedMs(),
            s.uptimeMs(),
            s.downtimeMs(),
            s.heartbeats(),
            late,
            s.outagesStarted(),
            new ArrayList<>(s.endedOutages()),
            s.openOutageStart()));
    lateCount.clear();
    Beat last = s.last();
    boolean stopped = last.stopping();
    boolean forgotten = last.time() + forgetAfterMs <= end;
    // A bounded input has ended (watermark at +inf): stop where the data stops instead of reporting
    // every node as down until forgetAfter.
    boolean pastInput = ctx.timerService().currentWatermark() == Long.MAX_VALUE && end > maxSeen;
    List<Beat> next = ahead.get(end + windowMs);
    if (next != null) {
      later.addAll(next);
      ahead.remove(end + windowMs);
      aheadCount.update(aheadCount.value() - 1);
    }
    if (later.isEmpty() && ahead.isEmpty() && (stopped || forgotten || pastInput)) {
      carried.clear();
      pending.clear();
      pendingCount.clear();
      aheadCount.clear();
      nextWindowEnd.clear();
      latest.clear();
      return;
    }
    carried.update(last);
    pending.update(later);
    pendingCount.update(later.size());
    nextWindowEnd.update(end + windowMs);
    ctx.timerService().registerEventTimeTimer(end + windowMs - 1);
  }

  private long windowStart(long time) {
    return Math.floorDiv(time, windowMs) * windowMs;
  }
}
