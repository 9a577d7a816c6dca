package dev.herald.flink.window;

import dev.herald.flink.io.HeartbeatEvent;
import dev.herald.flink.io.Inbound;
import dev.herald.flink.io.Rejection;
import dev.herald.flink.io.Rejections;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
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

  private final long windowMs;
  private final long silenceMs;
  private final long forgetAfterMs;

  private transient ValueState<Beat> carried;
  private transient ListState<Beat> pending;
  private transient MapState<Long, List<Beat>> ahead;
  private transient ValueState<Long> nextWindowEnd;
  private transient ValueState<Long> lateCount;
  private transient ValueState<HeartbeatEvent> latest;
  private transient Counter lateCounter;
  // Latest event time this subtask has seen: where a bounded input ends. Not checkpointed; after a
  // restore it is learned again from the replayed input.
  private transient long maxSeen;

  /**
   * @param windowMs tumbling window size
   * @param silenceMs silence after which a node counts as down
   * @param forgetAfterMs silence after which a node's state is dropped
   */
  public NodeLivenessFunction(long windowMs, long silenceMs, long forgetAfterMs) {
    if (windowMs <= 0 || silenceMs <= 0 || forgetAfterMs < silenceMs) {
      throw new IllegalArgumentException(
          "need windowMs > 0, silenceMs > 0 and forgetAfterMs >= silenceMs");
    }
    this.windowMs = windowMs;
    this.silenceMs = silenceMs;
    this.forgetAfterMs = forgetAfterMs;
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
    lateCounter = getRuntimeContext().getMetricGroup().counter("herald_flink_late_events_total");
    maxSeen = Long.MIN_VALUE;
  }

  @Override
  public void processElement(Inbound in, Context ctx, Collector<NodeSlice> out) throws Exception {
    HeartbeatEvent hb = in.heartbeat();
    long time = hb.eventTime();
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
      pending.add(beat);
    } else {
      long bucket = windowStart(time) + windowMs;
      List<Beat> later = ahead.get(bucket);
      if (later == null) {
        later = new ArrayList<>();
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
    }
    if (later.isEmpty() && ahead.isEmpty() && (stopped || forgotten || pastInput)) {
      carried.clear();
      pending.clear();
      nextWindowEnd.clear();
      latest.clear();
      return;
    }
    carried.update(last);
    pending.update(later);
    nextWindowEnd.update(end + windowMs);
    ctx.timerService().registerEventTimeTimer(end + windowMs - 1);
  }

  private long windowStart(long time) {
    return Math.floorDiv(time, windowMs) * windowMs;
  }
}
