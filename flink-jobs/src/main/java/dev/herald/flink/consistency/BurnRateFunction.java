package dev.herald.flink.consistency;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Per group: remembers the window counts of the last {@code slowMs} and turns each new window into
 * a {@link ConsistencyFigure} with the burn rates of the short and the long window that end with
 * it. Windows arrive in event-time order per group (tumbling windows fire with the watermark).
 *
 * <p>M and the target are those of the newest window (its latest verdict's, i.e. the group's policy
 * at that close), else the function's options (the job's {@code --consistency-within} and {@code
 * --consistency-target}); the burn rates of both windows are computed against that target.
 *
 * <p>Bounded: at most {@code slowMs / windowMs} counts per group. A group without verdicts for
 * {@code slowMs} leaves no state behind (an event-time timer forgets each count when it leaves the
 * long window).
 */
final class BurnRateFunction extends KeyedProcessFunction<String, WindowCount, ConsistencyFigure> {
  private static final long serialVersionUID = 1L;

  private final long withinMs;
  private final double target;
  private final long fastMs;
  private final long slowMs;
  private final double threshold;
  private transient MapState<Long, long[]> recent;

  BurnRateFunction(long withinMs, double target, long fastMs, long slowMs, double threshold) {
    this.withinMs = withinMs;
    this.target = target;
    this.fastMs = fastMs;
    this.slowMs = slowMs;
    this.threshold = threshold;
  }

  @Override
  public void open(OpenContext openContext) {
    recent =
        getRuntimeContext()
            .getMapState(
                new MapStateDescriptor<Long, long[]>(
                    "recent-windows",
                    Types.LONG,
                    PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO));
  }

  @Override
  public void processElement(WindowCount w, Context ctx, Collector<ConsistencyFigure> out)
      throws Exception {
    long end = w.windowEnd();
    // the SLO of the group's policy (stamped on its verdicts), else the job's options
    long m = w.withinMs() > 0 ? w.withinMs() : withinMs;
    double t = w.target() > 0 ? w.target() : target;
    recent.put(end, new long[] {w.agreedWithin(), w.versions()});
    forgetUpTo(end - slowMs);
    ctx.timerService().registerEventTimeTimer(end + slowMs);
    out.collect(
        new ConsistencyFigure(
            w, m, t, fastMs, burn(end - fastMs, t), slowMs, burn(end - slowMs, t), threshold));
  }

  /**
   * The burn rate against {@code target} (the newest window's) over the held windows that end after
   * {@code after}.
   */
  private double burn(long after, double target) throws Exception {
    long good = 0;
    long total = 0;
    for (Map.Entry<Long, long[]> e : recent.entries()) {
      if (e.getKey() > after) {
        good += e.getValue()[0];
        total += e.getValue()[1];
      }
    }
    return ConsistencyMath.burnRate(good, total, target);
  }

  private void forgetUpTo(long end) throws Exception {
    List<Long> old = new ArrayList<>();
    for (Long k : recent.keys()) {
      if (k <= end) {
        old.add(k);
      }
    }
    for (Long k : old) {
      recent.remove(k);
    }
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<ConsistencyFigure> out)
      throws Exception {
    forgetUpTo(timestamp - slowMs);
  }
}
