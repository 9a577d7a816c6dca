package dev.herald.flink.io;

import dev.herald.flink.FlinkJobConfig;
import dev.herald.schema.DeadLetter;
import dev.herald.schema.Topics;
import java.util.Properties;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.function.SerializableFunction;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * The Kafka edges of the jobs: one source of heartbeats and alerts with event-time watermarks, and
 * exactly-once sinks.
 */
public final class KafkaConnectors {
  private KafkaConnectors() {}

  /**
   * Watermarks with bounded out-of-orderness and idleness, timestamps from the events. Rejected
   * records carry {@code Long.MIN_VALUE}, so they never move the watermark.
   */
  public static WatermarkStrategy<Inbound> watermarks(FlinkJobConfig config) {
    return WatermarkStrategy.<Inbound>forBoundedOutOfOrderness(config.outOfOrderness())
        .withTimestampAssigner((in, recordTimestamp) -> in.eventTime())
        .withIdleness(config.idleness());
  }

  /** Heartbeats and alerts from Kafka, watermarked per partition. */
  public static DataStream<Inbound> inbound(
      StreamExecutionEnvironment env, FlinkJobConfig config, String job) {
    var builder =
        KafkaSource.<Inbound>builder()
            .setBootstrapServers(config.bootstrapServers())
            .setTopics(Topics.HEARTBEATS, Topics.ALERTS)
            .setGroupId(config.id() + "-" + job)
            .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
            .setDeserializer(new InboundDeserializer(config))
            .setProperties(kafkaProperties(config))
            .setProperty("isolation.level", "read_committed");
    if (config.bounded()) {
      builder.setBounded(OffsetsInitializer.latest());
    } else {
      builder.setProperty("partition.discovery.interval.ms", "60000");
    }
    return env.fromSource(builder.build(), watermarks(config), job + "-heartbeats-and-alerts")
        .uid(job + "-source");
  }

  /**
   * An exactly-once sink writing {@code T} as Avro record {@code A} to {@code topic}; its
   * transactions commit with each checkpoint.
   */
  public static <T, A extends SpecificRecord> KafkaSink<T> sink(
      FlinkJobConfig config,
      String job,
      String topic,
      Class<A> avroType,
      SerializableFunction<T, A> toAvro,
      SerializableFunction<T, String> key) {
    Properties props = kafkaProperties(config);
    // below the broker's default transaction.max.timeout.ms (15 min)
    props.setProperty("transaction.timeout.ms", "600000");
    return KafkaSink.<T>builder()
        .setBootstrapServers(config.bootstrapServers())
        .setKafkaProducerConfig(props)
        .setRecordSerializer(
            new AvroRecordSerializer<>(topic, avroType, config.registry(), toAvro, key))
        .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
        .setTransactionalIdPrefix(config.id() + "-" + job + "-" + topic)
        .build();
  }

  /** Writes {@code stream} to {@code topic} exactly once; the sink is named {@code <job>-sink}. */
  public static <T, A extends SpecificRecord> void write(
      DataStream<T> stream,
      FlinkJobConfig config,
      String job,
      String topic,
      Class<A> avroType,
      SerializableFunction<T, A> toAvro,
      SerializableFunction<T, String> key) {
    stream
        .sinkTo(sink(config, job, topic, avroType, toAvro, key))
        .name(job + "-sink")
        .uid(job + "-sink");
  }

  /**
   * Writes rejections to {@code herald.dlq.v1} exactly once, as dead letters of component flink.
   */
  public static void writeDeadLetters(
      DataStream<Rejection> rejected, FlinkJobConfig config, String job) {
    rejected
        .sinkTo(
            sink(config, job, Topics.DLQ, DeadLetter.class, Rejections::toDeadLetter, r -> null))
        .name(job + "-dlq")
        .uid(job + "-dlq");
  }

  private static Properties kafkaProperties(FlinkJobConfig config) {
    Properties props = new Properties();
    props.putAll(config.kafkaProperties());
    return props;
  }
}
