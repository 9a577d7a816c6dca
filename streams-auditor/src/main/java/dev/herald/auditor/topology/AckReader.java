package dev.herald.auditor.topology;

import dev.herald.auditor.detect.Finding;
import dev.herald.auditor.health.RegistryRetry;
import dev.herald.schema.AlertAck;
import dev.herald.schema.AlertType;
import dev.herald.schema.Topics;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.serde.MalformedRecordException;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Reads operators' acknowledgements ({@code herald.alert-acks.v1}) into {@link Finding.Kind#ACK}
 * findings for the alert lifecycle; a record that is not a valid acknowledgement is a dead letter
 * with its reason. The topic is writable by operators only (and the auditor's own API, for
 * operator-role tokens), so an acknowledgement is an operator's statement: the alert keeps it in
 * its detail ("acknowledged by …: …").
 */
final class AckReader implements Processor<String, byte[], String, Emission> {
  private final AvroWireFormat<AlertAck> format;
  private ProcessorContext<String, Emission> context;

  AckReader(AvroWireFormat<AlertAck> format) {
    this.format = format;
  }

  @Override
  public void init(ProcessorContext<String, Emission> context) {
    this.context = context;
  }

  @Override
  public void process(Record<String, byte[]> record) {
    long wall = context.currentSystemTimeMs();
    AlertAck ack;
    try {
      ack =
          RegistryRetry.STREAM_THREADS.decode(
              () -> format.deserialize(Topics.ALERT_ACKS, record.value()));
    } catch (MalformedRecordException e) {
      dead(record, e.reason().name(), e.getMessage(), wall);
      return;
    }
    AlertType type;
    try {
      type = AlertType.valueOf(ack.getType().toString());
    } catch (IllegalArgumentException e) {
      dead(record, "INVALID", "acknowledgement of unknown alert type " + ack.getType(), wall);
      return;
    }
    String reason = ack.getReason().toString().strip();
    if (reason.isEmpty() || ack.getAlertId().toString().isBlank()) {
      dead(record, "INVALID", "an acknowledgement needs an alert id and a reason", wall);
      return;
    }
    String by = ack.getAcknowledgedBy().toString();
    long at = ack.getAt().toEpochMilli();
    Finding f =
        new Finding(
            Finding.Kind.ACK,
            type,
            ack.getGroup().toString(),
            ack.getEntityKey() == null ? null : ack.getEntityKey().toString(),
            ack.getVersion(),
            ack.getNodes().stream().map(Object::toString).toList(),
            null,
            "acknowledged by " + (by.isBlank() ? "an operator" : by) + ": " + reason,
            at,
            at,
            Map.of("alertId", ack.getAlertId().toString(), "by", by, "reason", reason),
            List.of());
    context.forward(
        new Record<>(
            Emission.routingKey(f), new Emission.Found(f), Math.max(0, record.timestamp())));
  }

  private void dead(Record<String, byte[]> record, String reason, String detail, long wall) {
    context.forward(
        DeadLetters.of(record, context.recordMetadata().orElse(null), reason, detail, wall));
  }
}
