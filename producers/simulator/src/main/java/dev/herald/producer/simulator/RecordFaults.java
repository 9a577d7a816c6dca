package dev.herald.producer.simulator;

import dev.herald.producer.SentBatch;
import dev.herald.schema.canonical.Hashing;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Records that must raise no alert: a batch delivered twice byte for byte, and bytes that are not a
 * record at all (dead-lettered).
 */
final class RecordFaults {
  private RecordFaults() {}

  /** A batch already written, written again byte for byte (same batchSeq). */
  static final class BenignDuplicate implements FaultInjector {
    @Override
    public Injection inject(Fleet fleet, long faultNumber) {
      SimulatedNode node = fleet.nodes().get(fleet.faultRandom.nextInt(fleet.nodes().size()));
      SentBatch batch = fleet.lastBatch(node.nodeId());
      if (batch == null) {
        return new NotYet(node.nodeId() + " has not sent a batch yet");
      }
      fleet.raw.send(
          new ProducerRecord<>(batch.topic(), batch.partition(), batch.key(), batch.value()));
      return Injected.of(node.group(), List.of(node.nodeId()));
    }
  }

  /** Bytes that are not a wire-format Avro record, on the state-changes topic. */
  static final class Malformed implements FaultInjector {
    private int seq;

    @Override
    public Injection inject(Fleet fleet, long faultNumber) {
      SimulatedNode node = fleet.nodes().get(fleet.faultRandom.nextInt(fleet.nodes().size()));
      byte[] junk = new byte[24];
      fleet.faultRandom.nextBytes(junk);
      byte[] value =
          switch (seq++ % 3) {
            case 0 -> ("not avro: " + Hashing.hex(junk)).getBytes(StandardCharsets.UTF_8);
            case 1 -> new byte[] {0, 0, 0}; // truncated wire-format header
            default -> { // valid header, unknown schema id, garbage body
              junk[0] = 0;
              junk[1] = 0x7f;
              yield junk;
            }
          };
      String topic = fleet.config.topic;
      int partitions = fleet.raw.partitionsFor(topic).size();
      fleet.raw.send(
          new ProducerRecord<>(
              topic,
              fleet.faultRandom.nextInt(partitions),
              node.nodeId().getBytes(StandardCharsets.UTF_8),
              value));
      return Injected.of("", List.of(node.nodeId()));
    }
  }
}
