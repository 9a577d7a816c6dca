package dev.herald.it.reliability;

import dev.herald.schema.Heartbeat;
import dev.herald.schema.HeartbeatStatus;
import dev.herald.schema.ReportBatch;
import dev.herald.schema.StateChange;
import dev.herald.schema.Topics;
import dev.herald.schema.serde.AvroWireFormat;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Generates bad input of every kind the auditor must survive, each with the outcome it must have: a
 * dead letter with one of the given reasons, or a rejection by the Kafka client or broker.
 *
 * <p>Kinds: random bytes, a header of a wrong or unknown schema id, truncated and over-long Avro,
 * valid Avro with absurd values (negative and zero versions, empty ids, short hashes and
 * signatures, oversized attributes), heartbeats of unknown nodes and with forged signatures,
 * far-future record timestamps and 10 MB records (both refused by Kafka before the auditor sees
 * them).
 */
final class BadRecords {
  /** Where a bad record must end. */
  enum Fate {
    DEAD_LETTER,
    REJECTED_BY_KAFKA
  }

  /**
   * One bad record.
   *
   * @param kind what is wrong with it
   * @param topic where it is sent
   * @param key record key, unique: {@code fuzz-<kind>-<n>} (the dead letter keeps it)
   * @param value record value (may be null)
   * @param timestamp record timestamp
   * @param fate where it must end
   * @param reasons the dead-letter reasons it may have
   */
  record Bad(
      String kind,
      String topic,
      String key,
      byte[] value,
      long timestamp,
      Fate fate,
      Set<String> reasons) {}

  static final int OVERSIZED_LIMIT = 16 * 1024;

  private final Random random;
  private final SignedFleet fleet;
  private final AvroWireFormat<ReportBatch> batches;
  private final AvroWireFormat<Heartbeat> heartbeats;
  private int counter;

  BadRecords(long seed, SignedFleet fleet) {
    this.random = new Random(seed);
    this.fleet = fleet;
    this.batches = fleet.batchFormat();
    this.heartbeats = fleet.heartbeatFormat();
  }

  /** {@code count} bad records, the kinds in turn. */
  List<Bad> next(int count) {
    List<Bad> out = new ArrayList<>(count);
    List<Consumer<List<Bad>>> kinds =
        List.of(
            this::randomBytes,
            this::shortHeader,
            this::empty,
            this::unknownSchemaId,
            this::wrongRecordType,
            this::truncatedAvro,
            this::trailingBytes,
            this::randomBody,
            this::absurdBatch,
            this::oversizedForTheAuditor,
            this::absurdHeartbeat);
    while (out.size() < count) {
      kinds.get(counter % kinds.size()).accept(out);
      counter++;
    }
    return out.subList(0, count);
  }

  /**
   * Records Kafka itself refuses or corrects: a year-2500 timestamp (the input topics run on
   * LogAppendTime, so the broker stamps it with its own clock) and a 10 MB attribute.
   */
  List<Bad> refusedByKafka(int count) {
    List<Bad> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      if (i % 2 == 0) {
        long year2500 = Instant.parse("2500-01-01T00:00:00Z").toEpochMilli();
        // accepted and restamped with the broker's clock; then dead-lettered as the junk it is
        out.add(
            new Bad(
                "FAR_FUTURE_TIMESTAMP",
                Topics.STATE_CHANGES,
                key("FAR_FUTURE_TIMESTAMP"),
                new byte[] {1},
                year2500,
                Fate.DEAD_LETTER,
                Set.of("BAD_MAGIC_BYTE")));
      } else {
        StateChange sc = fleet.sampleChange("n1", "h0", 1);
        sc.setAttributes(Map.of("blob", "x".repeat(10 * 1024 * 1024)));
        out.add(
            new Bad(
                "TEN_MB_ATTRIBUTES",
                Topics.STATE_CHANGES,
                key("TEN_MB_ATTRIBUTES"),
                fleet.sampleBatch("n1", List.of(sc), 1),
                System.currentTimeMillis(),
                Fate.REJECTED_BY_KAFKA,
                Set.of()));
      }
    }
    return out;
  }

  private String key(String kind) {
    return "fuzz-" + kind + "-" + counter + "-" + random.nextInt(1_000_000);
  }

  private String anyInputTopic() {
    return random.nextBoolean() ? Topics.STATE_CHANGES : Topics.HEARTBEATS;
  }

  private Bad dead(String kind, String topic, byte[] value, String... reasons) {
    return new Bad(
        kind,
        topic,
        key(kind),
        value,
        System.currentTimeMillis(),
        Fate.DEAD_LETTER,
        Set.of(reasons));
  }

  private void randomBytes(List<Bad> out) {
    byte[] b = new byte[1 + random.nextInt(600)];
    random.nextBytes(b);
    if (b[0] == 0) {
      b[0] = 1;
    }
    out.add(dead("RANDOM_BYTES", anyInputTopic(), b, "BAD_MAGIC_BYTE"));
  }

  private void shortHeader(List<Bad> out) {
    byte[] b = new byte[1 + random.nextInt(4)];
    random.nextBytes(b);
    b[0] = 0;
    out.add(dead("SHORT_HEADER", anyInputTopic(), b, "TRUNCATED_HEADER"));
  }

  private void empty(List<Bad> out) {
    out.add(dead("EMPTY", anyInputTopic(), random.nextBoolean() ? null : new byte[0], "EMPTY"));
  }

  private void unknownSchemaId(List<Bad> out) {
    byte[] b = validBatch();
    ByteBuffer.wrap(b).putInt(1, 1_000_000 + random.nextInt(1000));
    out.add(dead("UNKNOWN_SCHEMA_ID", anyInputTopic(), b, "UNKNOWN_SCHEMA"));
  }

  private void wrongRecordType(List<Bad> out) {
    // a valid heartbeat on the state-change topic, or a valid batch on the heartbeat topic
    if (random.nextBoolean()) {
      out.add(
          dead("WRONG_RECORD_TYPE", Topics.STATE_CHANGES, validHeartbeat(), "INCOMPATIBLE_SCHEMA"));
    } else {
      out.add(dead("WRONG_RECORD_TYPE", Topics.HEARTBEATS, validBatch(), "INCOMPATIBLE_SCHEMA"));
    }
  }

  private void truncatedAvro(List<Bad> out) {
    boolean batch = random.nextBoolean();
    byte[] b = batch ? validBatch() : validHeartbeat();
    byte[] cut = Arrays.copyOf(b, AvroWireFormat.HEADER_SIZE + random.nextInt(b.length - 5));
    out.add(
        dead(
            "TRUNCATED_AVRO",
            batch ? Topics.STATE_CHANGES : Topics.HEARTBEATS,
            cut,
            "MALFORMED_PAYLOAD"));
  }

  private void trailingBytes(List<Bad> out) {
    boolean batch = random.nextBoolean();
    byte[] b = batch ? validBatch() : validHeartbeat();
    byte[] longer = Arrays.copyOf(b, b.length + 1 + random.nextInt(32));
    out.add(
        dead(
            "TRAILING_BYTES",
            batch ? Topics.STATE_CHANGES : Topics.HEARTBEATS,
            longer,
            "MALFORMED_PAYLOAD"));
  }

  private void randomBody(List<Bad> out) {
    // the right header, then noise: decoding fails, or (rarely) decodes to nonsense
    byte[] header = Arrays.copyOf(validBatch(), AvroWireFormat.HEADER_SIZE);
    byte[] b = Arrays.copyOf(header, AvroWireFormat.HEADER_SIZE + 1 + random.nextInt(300));
    byte[] noise = new byte[b.length - AvroWireFormat.HEADER_SIZE];
    random.nextBytes(noise);
    System.arraycopy(noise, 0, b, AvroWireFormat.HEADER_SIZE, noise.length);
    out.add(dead("RANDOM_BODY", Topics.STATE_CHANGES, b, "MALFORMED_PAYLOAD", "INVALID"));
  }

  private void absurdBatch(List<Bad> out) {
    StateChange sc = fleet.sampleChange("n1", "h" + random.nextInt(5), 1 + random.nextInt(3));
    ReportBatch b = batchOf(sc);
    String what;
    switch (random.nextInt(9)) {
      case 0 -> {
        sc.setVersion(-1 - random.nextInt(Integer.MAX_VALUE));
        what = "NEGATIVE_VERSION";
      }
      case 1 -> {
        sc.setVersion(0);
        what = "ZERO_VERSION";
      }
      case 2 -> {
        sc.setEventId("");
        what = "EMPTY_EVENT_ID";
      }
      case 3 -> {
        sc.setEntityKey("");
        sc.setEventTime(Instant.parse("9999-12-31T23:59:59Z"));
        what = "EMPTY_ENTITY_FAR_FUTURE_EVENT_TIME";
      }
      case 4 -> {
        b.setNodeId("");
        what = "EMPTY_NODE_ID";
      }
      case 5 -> {
        b.setBatchSeq(-random.nextInt(1000));
        what = "NON_POSITIVE_BATCH_SEQ";
      }
      case 6 -> {
        sc.setStateHash(ByteBuffer.wrap(new byte[] {1, 2, 3}));
        what = "SHORT_STATE_HASH";
      }
      case 7 -> {
        b.setSignature(ByteBuffer.wrap(new byte[7]));
        what = "SHORT_SIGNATURE";
      }
      default -> {
        sc.setOpId(" ");
        what = "BLANK_OP_ID";
      }
    }
    out.add(
        dead(
            "ABSURD_" + what,
            Topics.STATE_CHANGES,
            batches.serialize(Topics.STATE_CHANGES, b),
            "INVALID"));
  }

  private void oversizedForTheAuditor(List<Bad> out) {
    // accepted by Kafka (< 1 MB), over the auditor's limits.maxRecordBytes
    StateChange sc = fleet.sampleChange("n1", "h0", 1);
    sc.setAttributes(Map.of("blob", "y".repeat(OVERSIZED_LIMIT + random.nextInt(24_000))));
    ReportBatch b = batchOf(sc);
    out.add(
        dead(
            "OVERSIZED_ATTRIBUTES",
            Topics.STATE_CHANGES,
            batches.serialize(Topics.STATE_CHANGES, b),
            "OVERSIZED"));
  }

  private void absurdHeartbeat(List<Bad> out) {
    Heartbeat hb = heartbeat("n" + (1 + random.nextInt(3)));
    switch (random.nextInt(3)) {
      case 0 -> {
        hb.setNodeId("");
        out.add(
            dead(
                "HEARTBEAT_EMPTY_NODE_ID",
                Topics.HEARTBEATS,
                heartbeats.serialize(Topics.HEARTBEATS, hb),
                "INVALID"));
      }
      case 1 -> {
        hb.setEventTime(Instant.parse("9999-12-31T23:59:59Z"));
        hb.setSequence(-5);
        out.add(
            dead(
                "HEARTBEAT_FAR_FUTURE_FORGED",
                Topics.HEARTBEATS,
                heartbeats.serialize(Topics.HEARTBEATS, hb),
                "FORGED"));
      }
      default -> {
        hb.setNodeId("ghost-" + random.nextInt(1000));
        out.add(
            dead(
                "HEARTBEAT_UNKNOWN_NODE",
                Topics.HEARTBEATS,
                heartbeats.serialize(Topics.HEARTBEATS, hb),
                "UNKNOWN_NODE"));
      }
    }
  }

  private ReportBatch batchOf(StateChange sc) {
    return ReportBatch.newBuilder()
        .setNodeId("n1")
        .setKeyId(fleet.key("n1").keyId())
        .setPartition(SignedFleet.partitionOf(sc.getEntityKey()))
        .setBatchSeq(1 + random.nextInt(1000))
        .setCreatedAt(Instant.now())
        .setReports(new ArrayList<>(List.of(sc)))
        .setSignature(ByteBuffer.wrap(new byte[64]))
        .build();
  }

  private byte[] validBatch() {
    return fleet.sampleBatch("n1", List.of(fleet.sampleChange("n1", "h0", 1)), 1);
  }

  private Heartbeat heartbeat(String node) {
    return Heartbeat.newBuilder()
        .setNodeId(node)
        .setGroups(List.of(SignedFleet.GROUP))
        .setRegion("eu-1")
        .setSequence(1)
        .setEventTime(Instant.now())
        .setStatus(HeartbeatStatus.UP)
        .setKeyId(fleet.key(node).keyId())
        .setSignature(ByteBuffer.wrap(new byte[64]))
        .build();
  }

  private byte[] validHeartbeat() {
    return heartbeats.serialize(Topics.HEARTBEATS, heartbeat("n1"));
  }
}
