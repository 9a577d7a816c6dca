package dev.herald.flink.consistency;

import dev.herald.flink.FlinkJobConfig;
import dev.herald.flink.io.KafkaConnectors;
import dev.herald.flink.io.Rejection;
import dev.herald.flink.io.Rejections;
import dev.herald.schema.ConsistencyWindow;
import dev.herald.schema.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * The consistency SLO per replication group, from the auditor's verdicts ({@code
 * herald.verdicts.v1}, one per closed version) to {@code herald.consistency.v1}: in tumbling
 * event-time windows (event time = the close), the share of versions that every member agreed on
 * within M of their first report, in nines, with the burn rates of a short and a long window and
 * the multi-window burn-rate alert ({@link ConsistencyMath}). Undecodable and late verdicts go to
 * {@code herald.dlq.v1}.
 *
 * <pre>{@code
 * ConsistencyJob.addTo(env, config);
 * env.execute("herald-consistency");
 * }</pre>
 */
public final class ConsistencyJob {
  static final String NAME = "consistency";

  private static final OutputTag<WindowCount> LATE =
      new OutputTag<>("late-verdicts", TypeInformation.of(WindowCount.class));

  private ConsistencyJob() {}

  /** Adds the job, from its Kafka source to its sinks, to {@code env}. */
  public static void addTo(StreamExecutionEnvironment env, FlinkJobConfig config) {
    Outputs out = pipeline(source(env, config), settings(config));
    KafkaConnectors.write(
        out.figures(),
        config,
        NAME,
        Topics.CONSISTENCY,
        ConsistencyWindow.class,
        f -> f.toAvro(Instant.now()),
        ConsistencyFigure::key);
    KafkaConnectors.writeDeadLetters(out.rejected(), config, NAME);
  }

  /**
   * What the job computes with.
   *
   * @param within M for verdicts that do not carry their group's (written before the policy had it)
   * @param target SLO target for verdicts that do not carry their group's
   * @param window tumbling window of the figure
   * @param fast short burn-rate window
   * @param slow long burn-rate window
   * @param threshold burn rate both windows must reach for the alert
   */
  public record Settings(
      Duration within,
      double target,
      Duration window,
      Duration fast,
      Duration slow,
      double threshold) {}

  /** The job's settings from {@code config}. */
  public static Settings settings(FlinkJobConfig config) {
    return new Settings(
        config.consistencyWithin(),
        config.consistencyTarget(),
        config.consistencyWindow(),
        config.burnFast(),
        config.burnSlow(),
        config.burnThreshold());
  }

  /**
   * The job's outputs.
   *
   * @param figures one per group and window that has verdicts
   * @param rejected everything for the dead-letter topic
   */
  public record Outputs(DataStream<ConsistencyFigure> figures, DataStream<Rejection> rejected) {}

  /** The verdicts from Kafka, watermarked per partition on their close time. */
  static DataStream<VerdictEvent> source(StreamExecutionEnvironment env, FlinkJobConfig config) {
    Properties props = new Properties();
    props.putAll(config.kafkaProperties());
    var builder =
        KafkaSource.<VerdictEvent>builder()
            .setBootstrapServers(config.bootstrapServers())
            .setTopics(Topics.VERDICTS)
            .setGroupId(config.id() + "-" + NAME)
            .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
            .setDeserializer(new VerdictDeserializer(config.registry()))
            .setProperties(props)
            .setProperty("isolation.level", "read_committed");
    if (config.bounded()) {
      builder.setBounded(OffsetsInitializer.latest());
    } else {
      builder.setProperty("partition.discovery.interval.ms", "60000");
    }
    WatermarkStrategy<VerdictEvent> watermarks =
        WatermarkStrategy.<VerdictEvent>forBoundedOutOfOrderness(config.outOfOrderness())
            .withTimestampAssigner((v, recordTimestamp) -> v.eventTime())
            .withIdleness(config.idleness());
    return env.fromSource(builder.build(), watermarks, NAME + "-verdicts").uid(NAME + "-source");
  }

  /** The job's logic on an already watermarked stream of verdicts (tests feed it without Kafka). */
  public static Outputs pipeline(DataStream<VerdictEvent> verdicts, Settings s) {
    long withinMs = s.within().toMillis();
    double target = s.target();
    DataStream<Rejection> undecodable =
        verdicts
            .filter(v -> v.rejected() != null)
            .name(NAME + "-undecodable")
            .map(VerdictEvent::rejected, TypeInformation.of(Rejection.class));
    SingleOutputStreamOperator<WindowCount> counts =
        verdicts
            .filter(v -> v.rejected() == null)
            .name(NAME + "-decoded")
            .map(v -> WindowCount.of(v, withinMs, target), TypeInformation.of(WindowCount.class))
            .keyBy(WindowCount::group)
            .window(TumblingEventTimeWindows.of(s.window()))
            .sideOutputLateData(LATE)
            .reduce(WindowCount::merge, new Place())
            .name(NAME + "-windows")
            .uid(NAME + "-windows");
    DataStream<ConsistencyFigure> figures =
        counts
            .keyBy(WindowCount::group)
            .process(
                new BurnRateFunction(
                    withinMs, s.target(), s.fast().toMillis(), s.slow().toMillis(), s.threshold()),
                TypeInformation.of(ConsistencyFigure.class))
            .name(NAME + "-burn-rates")
            .uid(NAME + "-burn-rates");
    DataStream<Rejection> late =
        counts
            .getSideOutput(LATE)
            .map(
                c -> Rejections.lateDerived(NAME + "-windows", "verdict of group " + c.group()),
                TypeInformation.of(Rejection.class));
    return new Outputs(figures, undecodable.union(late));
  }

  private static final class Place
      extends ProcessWindowFunction<WindowCount, WindowCount, String, TimeWindow> {
    private static final long serialVersionUID = 1L;

    @Override
    public void process(
        String group, Context ctx, Iterable<WindowCount> in, Collector<WindowCount> out) {
      out.collect(in.iterator().next().in(ctx.window().getStart(), ctx.window().getEnd()));
    }
  }
}
