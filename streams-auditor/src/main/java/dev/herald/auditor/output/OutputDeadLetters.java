package dev.herald.auditor.output;

import dev.herald.schema.DeadLetter;
import dev.herald.schema.Topics;
import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dead letters for what the auditor's Streams applications cannot write or read, built with Kafka
 * Streams' own dead-letter hook (KIP-1034: a handler's response carries the records to write
 * instead, and they are written in the same exactly-once transaction).
 *
 * <ul>
 *   <li>{@link Production}: an output its topic would refuse ({@link OutputTooLargeException}, from
 *       {@link SizeGuardedProducer}) becomes a small dead letter with reason {@value
 *       #OUTPUT_TOO_LARGE} — the coordinates of the input that caused it, the size, the topic and
 *       SHA-256 of key and value — and processing goes on. A size refusal from the broker itself
 *       (the topic's limit is lower than the auditor knew) cannot be undone inside an exactly-once
 *       transaction: the limit is lowered so the replayed record is caught before sending, and the
 *       thread fails once. Other errors keep Kafka Streams' default answer (retry what is
 *       retriable, else fail).
 *   <li>{@link Deserialization}: a record of an internal topic (e.g. a finding written by another
 *       version) that this version cannot read becomes a dead letter with reason {@code
 *       MALFORMED_PAYLOAD} and its bytes, instead of being dropped with a log line.
 * </ul>
 *
 * <p>The handlers are configured by Kafka Streams from its properties; the shared instance is
 * passed under {@link #CONFIG}.
 *
 * <pre>{@code
 * props.put(OutputDeadLetters.CONFIG, new OutputDeadLetters(registry, limits, meters));
 * props.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, OutputDeadLetters.Production.class);
 * }</pre>
 */
public final class OutputDeadLetters {
  private static final Logger LOG = LoggerFactory.getLogger(OutputDeadLetters.class);

  /** The Streams property under which the handlers find this instance. */
  public static final String CONFIG = "herald.output.dead.letters";

  /** The dead-letter reason of an output too large for its topic. */
  public static final String OUTPUT_TOO_LARGE = "OUTPUT_TOO_LARGE";

  /** Keys up to this size are kept in a dead letter; longer ones are named by their SHA-256. */
  static final int MAX_KEY_BYTES = 256;

  private final AvroWireFormat<DeadLetter> format;
  private final OutputLimits limits;
  private final MeterRegistry meters;

  public OutputDeadLetters(
      SchemaRegistryClient registry, OutputLimits limits, MeterRegistry meters) {
    this.format = new AvroWireFormat<>(DeadLetter.class, registry);
    this.limits = limits;
    this.meters = meters;
  }

  /** The limits this instance lowers when the broker refuses a record. */
  public OutputLimits limits() {
    return limits;
  }

  /** The dead letter of an output that is too large for its topic. */
  ProducerRecord<byte[], byte[]> tooLarge(
      ErrorHandlerContext context,
      ProducerRecord<byte[], byte[]> output,
      OutputTooLargeException e) {
    String detail =
        "output of "
            + e.size()
            + " bytes to "
            + output.topic()
            + " exceeds the "
            + e.limit()
            + " bytes it accepts (max.message.bytes, batch overhead included); not written."
            + " key sha256="
            + sha256(output.key())
            + " value sha256="
            + sha256(output.value())
            + (context.processorNodeId() == null ? "" : " processor=" + context.processorNodeId());
    LOG.warn(
        "dead-lettering an output too large for {}: {} bytes > {} (input {}-{}@{})",
        output.topic(),
        e.size(),
        e.limit(),
        context.topic(),
        context.partition(),
        context.offset());
    meters.counter("herald_dead_letters", "reason", OUTPUT_TOO_LARGE).increment();
    return letter(context, smallKey(output.key()), null, OUTPUT_TOO_LARGE, detail);
  }

  /** The dead letter of a record this version cannot read. */
  ProducerRecord<byte[], byte[]> unreadable(
      ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception e) {
    String detail =
        "a record of "
            + record.topic()
            + " that this auditor version cannot read: "
            + e.getClass().getSimpleName()
            + (e.getMessage() == null ? "" : " " + e.getMessage());
    LOG.warn(
        "dead-lettering an unreadable record {}-{}@{}: {}",
        record.topic(),
        record.partition(),
        record.offset(),
        e.toString());
    meters.counter("herald_dead_letters", "reason", "MALFORMED_PAYLOAD").increment();
    return letter(context, smallKey(record.key()), record.value(), "MALFORMED_PAYLOAD", detail);
  }

  private ProducerRecord<byte[], byte[]> letter(
      ErrorHandlerContext context, byte[] key, byte[] value, String reason, String detail) {
    long now = System.currentTimeMillis();
    DeadLetter letter =
        DeadLetter.newBuilder()
            .setTopic(context.topic() == null ? "" : context.topic())
            .setPartition(context.partition())
            .setOffset(context.offset())
            .setKey(key == null ? null : ByteBuffer.wrap(key))
            .setValue(value == null ? null : ByteBuffer.wrap(value))
            .setReason(reason)
            .setDetail(detail)
            .setComponent("auditor")
            .setDetectedAt(Instant.ofEpochMilli(now))
            .build();
    return new ProducerRecord<>(Topics.DLQ, null, now, key, format.serialize(Topics.DLQ, letter));
  }

  private static byte[] smallKey(byte[] key) {
    if (key == null || key.length <= MAX_KEY_BYTES) {
      return key;
    }
    return ("sha256:" + sha256(key)).getBytes(StandardCharsets.UTF_8);
  }

  static String sha256(byte[] bytes) {
    if (bytes == null) {
      return "-";
    }
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }

  private static OutputDeadLetters from(Map<String, ?> configs) {
    Object o = configs.get(CONFIG);
    if (o instanceof OutputDeadLetters d) {
      return d;
    }
    throw new IllegalStateException(
        "the Streams properties carry no " + CONFIG + "; build them with HeraldAuditor");
  }

  /** The production exception handler of the auditor's Streams applications. */
  public static final class Production implements ProductionExceptionHandler {
    private OutputDeadLetters letters;

    @Override
    public void configure(Map<String, ?> configs) {
      letters = from(configs);
    }

    @Override
    public Response handleError(
        ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception exception) {
      if (exception instanceof OutputTooLargeException tooLarge) {
        try {
          return Response.resume(List.of(letters.tooLarge(context, record, tooLarge)));
        } catch (RuntimeException e) {
          // e.g. the dead letter cannot be serialized while the registry is down: fail, and the
          // replacement thread produces the same output again later; nothing is lost.
          LOG.error("cannot dead-letter an oversized output: {}", e.toString());
          return Response.fail();
        }
      }
      if (exception instanceof RecordTooLargeException) {
        int size = OutputLimits.size(record.key(), record.value(), record.headers().toArray());
        letters.limits().refused(record.topic(), size);
        LOG.error(
            "the broker refused a record of {} bytes on {}; its max.message.bytes is lower than"
                + " the auditor read at start. The thread is replaced and the record is"
                + " dead-lettered as {} when produced again; fix: raise max.message.bytes of {}",
            size,
            record.topic(),
            OUTPUT_TOO_LARGE,
            record.topic());
        return Response.fail();
      }
      return exception instanceof RetriableException ? Response.retry() : Response.fail();
    }
  }

  /** The deserialization exception handler of the auditor's Streams applications. */
  public static final class Deserialization implements DeserializationExceptionHandler {
    private OutputDeadLetters letters;

    @Override
    public void configure(Map<String, ?> configs) {
      letters = from(configs);
    }

    @Override
    public Response handleError(
        ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
      try {
        return Response.resume(List.of(letters.unreadable(context, record, exception)));
      } catch (RuntimeException e) {
        LOG.error("cannot dead-letter an unreadable record: {}", e.toString());
        return Response.fail();
      }
    }
  }
}
