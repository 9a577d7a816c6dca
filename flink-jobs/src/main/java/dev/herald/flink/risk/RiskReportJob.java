package dev.herald.flink.risk;

import dev.herald.flink.FlinkJobConfig;
import dev.herald.flink.io.Inbound;
import dev.herald.flink.io.KafkaConnectors;
import dev.herald.flink.io.Rejection;
import dev.herald.flink.io.Rejections;
import dev.herald.flink.window.NodeLivenessFunction;
import dev.herald.flink.window.NodeSlice;
import dev.herald.flink.window.Tally;
import dev.herald.flink.window.TimeSlices;
import dev.herald.schema.RiskReport;
import dev.herald.schema.Topics;
import java.time.Duration;
import java.time.Instant;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.assigners.SlidingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Rolling risk figures per replication group (24 h and 7 d windows) from heartbeats and alerts, to
 * {@code herald.risk.v1}.
 *
 * <p>Per-node liveness slices and opened alerts are summed per group in the short availability
 * window, where quorum loss is judged (a majority of the group's nodes must be mostly up); those
 * group windows are then summed in sliding 24 h and 7 d windows and turned into a {@link
 * RiskReport} by {@link RiskMath}.
 *
 * <pre>{@code
 * RiskReportJob.addTo(env, config);
 * env.execute("herald-risk");
 * }</pre>
 */
public final class RiskReportJob {
  static final String NAME = "risk";

  private static final OutputTag<Tally> LATE_MINUTES =
      new OutputTag<>("late-group-windows", TypeInformation.of(Tally.class));

  private RiskReportJob() {}

  /** A rolling window of the report: its label, size and slide. */
  public record Rolling(String label, Duration size, Duration slide) {}

  /** The default rolling windows: 24 h and 7 d, sliding by {@code slide} and 1 h (or more). */
  public static Rolling[] defaultWindows(Duration slide) {
    Duration weekly = slide.compareTo(Duration.ofHours(1)) > 0 ? slide : Duration.ofHours(1);
    return new Rolling[] {
      new Rolling("24h", Duration.ofHours(24), slide), new Rolling("7d", Duration.ofDays(7), weekly)
    };
  }

  /** Adds the job, from its Kafka source to its sinks, to {@code env}. */
  public static void addTo(StreamExecutionEnvironment env, FlinkJobConfig config) {
    addTo(config, KafkaConnectors.inbound(env, config, NAME));
  }

  /**
   * Adds the job on an inbound stream that another job shares (one Kafka source, so each heartbeat
   * is decoded and verified once), from there to its sinks.
   */
  public static void addTo(FlinkJobConfig config, DataStream<Inbound> inbound) {
    Outputs out =
        pipeline(
            inbound,
            config.window(),
            config.silence(),
            config.forgetAfter(),
            config.maxHeartbeatsPerWindow(),
            defaultWindows(config.riskSlide()));
    double slo = config.sloTarget();
    KafkaConnectors.write(
        out.reports(),
        config,
        NAME,
        Topics.RISK,
        RiskReport.class,
        in -> RiskMath.report(in, slo, Instant.now()),
        RiskInput::group);
    KafkaConnectors.writeDeadLetters(out.rejected(), config, NAME);
  }

  /**
   * The job's logic on an already watermarked inbound stream.
   *
   * @param reports one input per group and rolling window
   * @param rejected everything for the dead-letter topic
   */
  public record Outputs(DataStream<RiskInput> reports, DataStream<Rejection> rejected) {}

  /** Builds the logic; see {@link Outputs}. */
  public static Outputs pipeline(
      DataStream<Inbound> inbound,
      Duration window,
      Duration silence,
      Duration forgetAfter,
      Rolling... rolling) {
    return pipeline(
        inbound,
        window,
        silence,
        forgetAfter,
        NodeLivenessFunction.DEFAULT_MAX_BEATS_PER_WINDOW,
        rolling);
  }

  /** Builds the logic, keeping at most {@code maxBeatsPerWindow} heartbeats per node and window. */
  public static Outputs pipeline(
      DataStream<Inbound> inbound,
      Duration window,
      Duration silence,
      Duration forgetAfter,
      int maxBeatsPerWindow,
      Rolling... rolling) {
    long windowMs = window.toMillis();
    TimeSlices stage =
        TimeSlices.of(
            inbound, NAME, windowMs, silence.toMillis(), forgetAfter.toMillis(), maxBeatsPerWindow);
    DataStream<Tally> fromSlices =
        stage.slices().flatMap(RiskReportJob::groupsOf, TypeInformation.of(Tally.class));
    DataStream<Tally> fromAlerts =
        stage.alerts().flatMap(RiskReportJob::groupOf, TypeInformation.of(Tally.class));
    SingleOutputStreamOperator<Tally> groupWindows =
        fromSlices
            .union(fromAlerts)
            .keyBy(Tally::scopeId)
            .window(TumblingEventTimeWindows.of(window))
            .sideOutputLateData(LATE_MINUTES)
            .reduce(
                Tally::merge,
                new ProcessWindowFunction<Tally, Tally, String, TimeWindow>() {
                  @Override
                  public void process(
                      String key, Context ctx, Iterable<Tally> in, Collector<Tally> out) {
                    out.collect(in.iterator().next().withQuorumJudged(windowMs));
                  }
                })
            .name(NAME + "-group-windows")
            .uid(NAME + "-group-windows");
    DataStream<RiskInput> reports = null;
    for (Rolling r : rolling) {
      DataStream<RiskInput> one =
          groupWindows
              .keyBy(Tally::scopeId)
              .window(SlidingEventTimeWindows.of(r.size(), r.slide()))
              .reduce(Tally::merge, new ToRiskInput(r.label(), r.slide().toMillis()))
              .name(NAME + "-" + r.label())
              .uid(NAME + "-" + r.label());
      reports = reports == null ? one : reports.union(one);
    }
    DataStream<Rejection> late =
        groupWindows
            .getSideOutput(LATE_MINUTES)
            .map(
                t -> Rejections.lateDerived(NAME + "-group-windows", "group " + t.scopeId()),
                TypeInformation.of(Rejection.class));
    return new Outputs(reports, stage.rejected().union(late));
  }

  private static void groupsOf(NodeSlice slice, Collector<Tally> out) {
    for (String group : slice.groups()) {
      out.collect(Tally.ofSlice(Tally.GROUP, group, slice));
    }
  }

  private static void groupOf(Inbound in, Collector<Tally> out) {
    var alert = in.alert();
    if (alert.open() && !alert.group().isEmpty()) {
      out.collect(
          Tally.ofAlert(
              Tally.GROUP, alert.group(), alert.type(), alert.severity(), alert.eventTime()));
    }
  }

  /**
   * Emits a group's rolling window, except the windows that lie beyond the data and only fire
   * because a bounded input ended (watermark at +∞): those would report a truncated view.
   */
  private static final class ToRiskInput
      extends ProcessWindowFunction<Tally, RiskInput, String, TimeWindow> {
    private static final long serialVersionUID = 1L;
    private final String label;
    private final long slideMs;

    ToRiskInput(String label, long slideMs) {
      this.label = label;
      this.slideMs = slideMs;
    }

    @Override
    public void process(String group, Context ctx, Iterable<Tally> in, Collector<RiskInput> out) {
      Tally t = in.iterator().next();
      boolean endOfInput = ctx.currentWatermark() == Long.MAX_VALUE;
      if (endOfInput && ctx.window().getEnd() > t.latestMs() + slideMs) {
        return;
      }
      out.collect(new RiskInput(group, label, ctx.window().getStart(), ctx.window().getEnd(), t));
    }
  }
}
