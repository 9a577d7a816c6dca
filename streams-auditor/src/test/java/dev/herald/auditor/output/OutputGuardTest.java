package dev.herald.auditor.output;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.schema.DeadLetter;
import dev.herald.schema.Topics;
import dev.herald.schema.registry.InMemorySchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.apache.kafka.streams.processor.TaskId;
import org.junit.jupiter.api.Test;

/**
 * An output its topic would refuse never reaches the producer (so the exactly-once transaction
 * stays healthy) and becomes a small OUTPUT_TOO_LARGE dead letter with the input's coordinates.
 */
class OutputGuardTest {
  private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
  private final OutputLimits limits =
      new OutputLimits(Map.of(Topics.ALERTS, 1_000, Topics.DLQ, 2_000), 4_000);
  private final MockProducer<byte[], byte[]> real =
      new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
  private final SizeGuardedProducer producer = new SizeGuardedProducer(real, limits);
  private final OutputDeadLetters letters =
      new OutputDeadLetters(registry, limits, new SimpleMeterRegistry());

  @Test
  void anOutputOverItsTopicsLimitIsRefusedBeforeTheProducer() throws Exception {
    // Given
    List<Exception> reported = new ArrayList<>();
    ProducerRecord<byte[], byte[]> big =
        new ProducerRecord<>(Topics.ALERTS, "k".getBytes(), new byte[1_000]);
    // When
    Future<RecordMetadata> sent = producer.send(big, (m, e) -> reported.add(e));
    // Then
    assertThat(real.history()).isEmpty();
    assertThat(reported).singleElement().isInstanceOf(OutputTooLargeException.class);
    assertThat(sent.isDone()).isTrue();
  }

  @Test
  void anOutputWithinItsLimitIsSent() {
    producer.send(new ProducerRecord<>(Topics.ALERTS, "k".getBytes(), new byte[500]), (m, e) -> {});
    producer.send(new ProducerRecord<>("app-store-changelog", null, new byte[3_000]), null);

    assertThat(real.history()).hasSize(2);
  }

  @Test
  void anOversizedOutputBecomesASmallDeadLetterWithTheInputsCoordinates() {
    // Given
    OutputDeadLetters.Production handler = new OutputDeadLetters.Production();
    handler.configure(Map.of(OutputDeadLetters.CONFIG, letters));
    ProducerRecord<byte[], byte[]> big =
        new ProducerRecord<>(Topics.ALERTS, "alert-1".getBytes(), new byte[5_000]);
    // When
    ProductionExceptionHandler.Response response =
        handler.handleError(
            context(Topics.STATE_CHANGES, 3, 42),
            big,
            new OutputTooLargeException(Topics.ALERTS, 5_128, 1_000));
    // Then
    assertThat(response.result()).isEqualTo(ProductionExceptionHandler.Result.RESUME);
    ProducerRecord<byte[], byte[]> dlq = response.deadLetterQueueRecords().get(0);
    assertThat(dlq.topic()).isEqualTo(Topics.DLQ);
    assertThat(dlq.value().length).isLessThan(1_000);
    DeadLetter letter =
        new AvroWireFormat<>(DeadLetter.class, registry).deserialize(Topics.DLQ, dlq.value());
    assertThat(letter.getReason()).isEqualTo(OutputDeadLetters.OUTPUT_TOO_LARGE);
    assertThat(letter.getTopic()).isEqualTo(Topics.STATE_CHANGES);
    assertThat(letter.getPartition()).isEqualTo(3);
    assertThat(letter.getOffset()).isEqualTo(42);
    assertThat(letter.getValue()).isNull();
    assertThat(letter.getDetail()).contains(Topics.ALERTS).contains("5128");
  }

  @Test
  void aSizeRefusalByTheBrokerLowersTheLimitSoTheReplayIsCaught() {
    // Given: the broker refused a 900-byte record the auditor thought would fit
    OutputDeadLetters.Production handler = new OutputDeadLetters.Production();
    handler.configure(Map.of(OutputDeadLetters.CONFIG, letters));
    ProducerRecord<byte[], byte[]> record =
        new ProducerRecord<>(Topics.ALERTS, "k".getBytes(), new byte[700]);
    // When
    ProductionExceptionHandler.Response response =
        handler.handleError(
            context(Topics.STATE_CHANGES, 0, 1), record, new RecordTooLargeException("too large"));
    List<Exception> reported = new ArrayList<>();
    producer.send(record, (m, e) -> reported.add(e));
    // Then
    assertThat(response.result()).isEqualTo(ProductionExceptionHandler.Result.FAIL);
    assertThat(reported).singleElement().isInstanceOf(OutputTooLargeException.class);
  }

  @Test
  void anUnreadableInternalRecordIsDeadLetteredWithItsBytes() {
    OutputDeadLetters.Deserialization handler = new OutputDeadLetters.Deserialization();
    handler.configure(Map.of(OutputDeadLetters.CONFIG, letters));
    ConsumerRecord<byte[], byte[]> record =
        new ConsumerRecord<>("app-findings-repartition", 1, 7, "k".getBytes(), new byte[] {9, 9});

    var response =
        handler.handleError(
            context("app-findings-repartition", 1, 7), record, new IllegalStateException("v9"));

    DeadLetter letter =
        new AvroWireFormat<>(DeadLetter.class, registry)
            .deserialize(Topics.DLQ, response.deadLetterQueueRecords().get(0).value());
    assertThat(letter.getReason()).isEqualTo("MALFORMED_PAYLOAD");
    assertThat(letter.getValue().array()).containsExactly(9, 9);
  }

  private static ErrorHandlerContext context(String topic, int partition, long offset) {
    return new ErrorHandlerContext() {
      @Override
      public String topic() {
        return topic;
      }

      @Override
      public int partition() {
        return partition;
      }

      @Override
      public long offset() {
        return offset;
      }

      @Override
      public Headers headers() {
        return new RecordHeaders();
      }

      @Override
      public String processorNodeId() {
        return "lifecycle";
      }

      @Override
      public TaskId taskId() {
        return new TaskId(0, partition);
      }

      @Override
      public long timestamp() {
        return 0;
      }

      @Override
      public byte[] sourceRawKey() {
        return null;
      }

      @Override
      public byte[] sourceRawValue() {
        return null;
      }
    };
  }
}
