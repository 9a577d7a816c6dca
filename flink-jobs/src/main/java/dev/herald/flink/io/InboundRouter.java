package dev.herald.flink.io;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Splits the inbound stream: heartbeats on the main output, alerts on {@link #ALERTS}, and on
 * {@link #REJECTED} both undecodable records and alerts that arrived behind the watermark (late).
 */
public final class InboundRouter extends ProcessFunction<Inbound, Inbound> {
  private static final long serialVersionUID = 1L;

  /** Decoded alerts, on time. */
  public static final OutputTag<Inbound> ALERTS =
      new OutputTag<>("alerts", TypeInformation.of(Inbound.class));

  /** Records for the dead-letter topic. */
  public static final OutputTag<Rejection> REJECTED =
      new OutputTag<>("rejected", TypeInformation.of(Rejection.class));

  private transient Counter late;

  @Override
  public void open(OpenContext openContext) {
    late = getRuntimeContext().getMetricGroup().counter("herald_flink_late_alerts_total");
  }

  @Override
  public void processElement(Inbound in, Context ctx, Collector<Inbound> out) {
    if (in.rejected() != null) {
      ctx.output(REJECTED, in.rejected());
    } else if (in.heartbeat() != null) {
      out.collect(in);
    } else {
      long watermark = ctx.timerService().currentWatermark();
      if (in.eventTime() <= watermark) {
        late.inc();
        ctx.output(REJECTED, Rejections.late(in, watermark));
      } else {
        ctx.output(ALERTS, in);
      }
    }
  }
}
