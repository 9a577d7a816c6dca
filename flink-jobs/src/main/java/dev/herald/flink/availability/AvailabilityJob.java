package dev.herald.flink.availability;

import dev.herald.flink.FlinkJobConfig;
import dev.herald.flink.io.Inbound;
import dev.herald.flink.io.KafkaConnectors;
import dev.herald.flink.io.Rejection;
import dev.herald.flink.io.Rejections;
import dev.herald.flink.window.NodeLivenessFunction;
import dev.herald.flink.window.NodeSlice;
import dev.herald.flink.window.Tally;
import dev.herald.flink.window.TimeSlices;
import dev.herald.schema.AvailabilityWindow;
import dev.herald.schema.Topics;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Availability per node, region and group in tumbling event-time windows, from heartbeats and
 * alerts, to {@code herald.availability.v1}.
 *
 * <p>Heartbeats become per-node liveness slices ({@link TimeSlices}); each slice counts for its
 * node, its region and each of its groups; each opened alert counts for the nodes it blames and its
 * group. A tumbling window per scope sums them ({@link Tally#merge}). Undecodable and late records
 * go to {@code herald.dlq.v1}.
 *
 * <pre>{@code
 * StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
 * AvailabilityJob.addTo(env, config);
 * env.execute("herald-availability");
 * }</pre>
 */
public final class AvailabilityJob {
  static final String NAME = "availability";

  private static final OutputTag<Tally> LATE_TALLIES =
      new OutputTag<>("late-availability", TypeInformation.of(Tally.class));

  private AvailabilityJob() {}

  /** Adds the job, from its Kafka source to its sinks, to {@code env}. */
  public static void addTo(StreamExecutionEnvironment env, FlinkJobConfig config) {
    addTo(env, config, UnaryOperator.identity(), UnaryOperator.identity());
  }

  /**
   * Adds the job on an inbound stream that another job shares (one Kafka source, so each heartbeat
   * is decoded and verified once), from there to its sinks.
   */
  public static void addTo(FlinkJobConfig config, DataStream<Inbound> inbound) {
    addTo(config, inbound, UnaryOperator.identity());
  }

  /**
   * Adds the job with {@code onInput} applied to the decoded Kafka input and {@code onWindows} to
   * the window reports before they are written: a seam for benchmarks, which put pass-through
   * probes there to time the job from its first record read to its last report.
   */
  public static void addTo(
      StreamExecutionEnvironment env,
      FlinkJobConfig config,
      UnaryOperator<DataStream<Inbound>> onInput,
      UnaryOperator<DataStream<WindowReport>> onWindows) {
    addTo(config, onInput.apply(KafkaConnectors.inbound(env, config, NAME)), onWindows);
  }

  private static void addTo(
      FlinkJobConfig config,
      DataStream<Inbound> inbound,
      UnaryOperator<DataStream<WindowReport>> onWindows) {
    Outputs out =
        pipeline(
            inbound,
            config.window(),
            config.silence(),
            config.forgetAfter(),
            config.maxHeartbeatsPerWindow());
    KafkaConnectors.write(
        onWindows.apply(out.windows()),
        config,
        NAME,
        Topics.AVAILABILITY,
        AvailabilityWindow.class,
        WindowReport::toAvro,
        WindowReport::key);
    KafkaConnectors.writeDeadLetters(out.rejected(), config, NAME);
  }

  /**
   * The job's logic on an already watermarked inbound stream (tests feed it without Kafka).
   *
   * @param windows one report per scope and window
   * @param rejected everything for the dead-letter topic
   */
  public record Outputs(DataStream<WindowReport> windows, DataStream<Rejection> rejected) {}

  /** Builds the logic; see {@link Outputs}. */
  public static Outputs pipeline(
      DataStream<Inbound> inbound, Duration window, Duration silence, Duration forgetAfter) {
    return pipeline(
        inbound, window, silence, forgetAfter, NodeLivenessFunction.DEFAULT_MAX_BEATS_PER_WINDOW);
  }

  /** Builds the logic, keeping at most {@code maxBeatsPerWindow} heartbeats per node and window. */
  public static Outputs pipeline(
      DataStream<Inbound> inbound,
      Duration window,
      Duration silence,
      Duration forgetAfter,
      int maxBeatsPerWindow) {
    TimeSlices stage =
        TimeSlices.of(
            inbound,
            NAME,
            window.toMillis(),
            silence.toMillis(),
            forgetAfter.toMillis(),
            maxBeatsPerWindow);
    DataStream<Tally> fromSlices =
        stage.slices().flatMap(AvailabilityJob::scopesOf, TypeInformation.of(Tally.class));
    DataStream<Tally> fromAlerts =
        stage.alerts().flatMap(AvailabilityJob::scopesOf, TypeInformation.of(Tally.class));
    SingleOutputStreamOperator<WindowReport> windows =
        fromSlices
            .union(fromAlerts)
            .keyBy(t -> t.scope() + "/" + t.scopeId())
            .window(TumblingEventTimeWindows.of(window))
            .sideOutputLateData(LATE_TALLIES)
            .reduce(Tally::merge, new ToReport())
            .name(NAME + "-windows")
            .uid(NAME + "-windows");
    DataStream<Rejection> late =
        windows
            .getSideOutput(LATE_TALLIES)
            .map(
                t -> Rejections.lateDerived(NAME + "-windows", t.scope() + " " + t.scopeId()),
                TypeInformation.of(Rejection.class));
    return new Outputs(windows, stage.rejected().union(late));
  }

  private static void scopesOf(NodeSlice slice, Collector<Tally> out) {
    out.collect(Tally.ofSlice(Tally.NODE, slice.nodeId(), slice));
    out.collect(Tally.ofSlice(Tally.REGION, slice.region(), slice));
    for (String group : slice.groups()) {
      out.collect(Tally.ofSlice(Tally.GROUP, group, slice));
    }
  }

  private static void scopesOf(Inbound in, Collector<Tally> out) {
    var alert = in.alert();
    if (!alert.open()) {
      return;
    }
    for (String node : alert.nodes()) {
      out.collect(
          Tally.ofAlert(Tally.NODE, node, alert.type(), alert.severity(), alert.eventTime()));
    }
    if (!alert.group().isEmpty()) {
      out.collect(
          Tally.ofAlert(
              Tally.GROUP, alert.group(), alert.type(), alert.severity(), alert.eventTime()));
    }
  }

  private static final class ToReport
      extends ProcessWindowFunction<Tally, WindowReport, String, TimeWindow> {
    private static final long serialVersionUID = 1L;

    @Override
    public void process(
        String key, Context ctx, Iterable<Tally> tallies, Collector<WindowReport> out) {
      Tally t = tallies.iterator().next();
      out.collect(new WindowReport(t, ctx.window().getStart(), ctx.window().getEnd()));
    }
  }
}
