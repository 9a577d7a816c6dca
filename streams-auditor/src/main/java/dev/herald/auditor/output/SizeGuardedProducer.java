package dev.herald.auditor.output;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.metrics.KafkaMetric;

/**
 * A producer that refuses, before sending, a record its topic would refuse ({@link
 * OutputTooLargeException} through the callback, as the Kafka producer reports its own size
 * errors), and passes everything else to the real producer.
 *
 * <p>Why before: with exactly-once, a record the producer or broker refuses leaves the open
 * transaction in an abortable state, so the next commit fails, the stream thread dies and the
 * replacement produces the same record again — a loop. A record that never reaches the producer
 * leaves the transaction healthy, and Kafka Streams asks the production exception handler ({@link
 * OutputDeadLetters}) what to do: dead-letter it and go on.
 */
final class SizeGuardedProducer implements Producer<byte[], byte[]> {
  private final Producer<byte[], byte[]> delegate;
  private final OutputLimits limits;

  SizeGuardedProducer(Producer<byte[], byte[]> delegate, OutputLimits limits) {
    this.delegate = delegate;
    this.limits = limits;
  }

  @Override
  public Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record, Callback callback) {
    int size = OutputLimits.size(record.key(), record.value(), record.headers().toArray());
    int limit = limits.limitFor(record.topic());
    if (size > limit) {
      OutputTooLargeException e = new OutputTooLargeException(record.topic(), size, limit);
      if (callback != null) {
        callback.onCompletion(null, e);
      }
      return CompletableFuture.failedFuture(e);
    }
    return delegate.send(record, callback);
  }

  @Override
  public Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record) {
    return send(record, null);
  }

  @Override
  public void initTransactions() {
    delegate.initTransactions();
  }

  @Override
  public void beginTransaction() {
    delegate.beginTransaction();
  }

  @Override
  public void sendOffsetsToTransaction(
      Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata groupMetadata) {
    delegate.sendOffsetsToTransaction(offsets, groupMetadata);
  }

  @Override
  public void commitTransaction() {
    delegate.commitTransaction();
  }

  @Override
  public void abortTransaction() {
    delegate.abortTransaction();
  }

  @Override
  public void registerMetricForSubscription(KafkaMetric metric) {
    delegate.registerMetricForSubscription(metric);
  }

  @Override
  public void unregisterMetricFromSubscription(KafkaMetric metric) {
    delegate.unregisterMetricFromSubscription(metric);
  }

  @Override
  public void flush() {
    delegate.flush();
  }

  @Override
  public List<PartitionInfo> partitionsFor(String topic) {
    return delegate.partitionsFor(topic);
  }

  @Override
  public Map<MetricName, ? extends Metric> metrics() {
    return delegate.metrics();
  }

  @Override
  public Uuid clientInstanceId(Duration timeout) {
    return delegate.clientInstanceId(timeout);
  }

  @Override
  public void close() {
    delegate.close();
  }

  @Override
  public void close(Duration timeout) {
    delegate.close(timeout);
  }
}
