package dev.herald.schema.canonical;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.schema.Heartbeat;
import dev.herald.schema.HeartbeatStatus;
import dev.herald.schema.ReportBatch;
import dev.herald.schema.StateChange;
import dev.herald.schema.Topics;
import dev.herald.schema.registry.InMemorySchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.signing.BatchSignatures;
import dev.herald.schema.signing.Ed25519;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

/**
 * The test vectors published in {@code docs/producer-protocol.md} are what the code produces: this
 * test computes every vector from the fixed inputs the document lists and compares it with the
 * {@code test-vectors} block of the document, so the document cannot drift from the code.
 */
class ProtocolTestVectorsTest {
  static final Path DOC = Path.of("../docs/producer-protocol.md");

  /** Every vector, computed from the fixed inputs of the document. */
  static Map<String, String> computed() {
    Map<String, String> v = new LinkedHashMap<>();
    byte[] seed = new byte[32];
    for (int i = 0; i < 32; i++) {
      seed[i] = (byte) i;
    }
    Ed25519.KeyPair keys = Ed25519.fromSeed(seed);
    v.put("seed", Hashing.hex(seed));
    v.put("public_key", Hashing.hex(keys.publicKey()));
    v.put("key_id", keys.keyId());

    String prevJson = "{ \"owner\": \"ada\", \"balance\": 100.00 }";
    String stateJson = "{\"owner\":\"ada\",\"balance\":70,\"tags\":[\"vip\",\"eu\"]}";
    String opJson = "{\"type\":\"withdraw\",\"account\":\"acct-17\",\"amount\":30}";
    byte[] prevCanonical = CanonicalJson.ofJson(prevJson);
    byte[] stateCanonical = CanonicalJson.ofJson(stateJson);
    byte[] opCanonical = CanonicalJson.ofJson(opJson);
    v.put("prev_state_canonical", new String(prevCanonical, StandardCharsets.UTF_8));
    v.put("prev_state_hash", Hashing.hex(Hashing.sha256(prevCanonical)));
    v.put("state_canonical", new String(stateCanonical, StandardCharsets.UTF_8));
    v.put("state_hash", Hashing.hex(Hashing.sha256(stateCanonical)));
    v.put("op_canonical", new String(opCanonical, StandardCharsets.UTF_8));
    v.put("op_digest", Hashing.hex(Hashing.sha256(opCanonical)));

    byte[] routingKey = "payments/acct-17".getBytes(StandardCharsets.UTF_8);
    int murmur = Utils.murmur2(routingKey);
    v.put("murmur2", String.format("%08x", murmur));
    int partition = Utils.toPositive(murmur) % 6;
    v.put("partition_of_6", Integer.toString(partition));

    Map<String, String> attributes = new HashMap<>();
    attributes.put("zone", "b");
    attributes.put("region", "eu-west");
    StateChange report =
        StateChange.newBuilder()
            .setEventId("00000000-0000-4000-8000-000000000001")
            .setGroup("payments")
            .setEntityKey("acct-17")
            .setVersion(8)
            .setNodeId("payments-eu-1")
            .setPrevStateHash(ByteBuffer.wrap(Hashing.sha256(prevCanonical)))
            .setStateHash(ByteBuffer.wrap(Hashing.sha256(stateCanonical)))
            .setOpId("op-991")
            .setOpDigest(ByteBuffer.wrap(Hashing.sha256(opCanonical)))
            .setEventTime(Instant.ofEpochMilli(1_700_000_000_000L))
            .setAttributes(attributes)
            .build();
    v.put("report_canonical", Hashing.hex(CanonicalEncoding.stateChange(report)));
    List<StateChange> reports = new ArrayList<>();
    reports.add(report);
    ReportBatch batch =
        ReportBatch.newBuilder()
            .setNodeId("payments-eu-1")
            .setKeyId(keys.keyId())
            .setPartition(partition)
            .setBatchSeq(1)
            .setCreatedAt(Instant.ofEpochMilli(1_700_000_000_005L))
            .setReports(reports)
            .setSignature(ByteBuffer.allocate(0))
            .build();
    byte[] batchCanonical = CanonicalEncoding.reportBatch(batch);
    v.put("batch_canonical", Hashing.hex(batchCanonical));
    BatchSignatures.sign(batch, keys.privateKey());
    v.put("batch_signature", Hashing.hex(batch.getSignature()));
    InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    byte[] value =
        new AvroWireFormat<>(ReportBatch.class, registry).serialize(Topics.STATE_CHANGES, batch);
    v.put("batch_record_value_schema_id_1", Hashing.hex(value));

    Heartbeat hb =
        Heartbeat.newBuilder()
            .setNodeId("payments-eu-1")
            .setGroups(new ArrayList<>(List.of("payments")))
            .setRegion("eu-west")
            .setSequence(1)
            .setEventTime(Instant.ofEpochMilli(1_700_000_001_000L))
            .setStatus(HeartbeatStatus.UP)
            .setKeyId(keys.keyId())
            .setSignature(ByteBuffer.allocate(0))
            .build();
    v.put("heartbeat_canonical", Hashing.hex(CanonicalEncoding.heartbeat(hb)));
    BatchSignatures.sign(hb, keys.privateKey());
    v.put("heartbeat_signature", Hashing.hex(hb.getSignature()));
    return v;
  }

  /** The {@code name = value} lines of the document's test-vectors block. */
  static Map<String, String> documented() throws IOException {
    List<String> lines = Files.readAllLines(DOC);
    Map<String, String> v = new LinkedHashMap<>();
    boolean in = false;
    StringBuilder pending = null;
    String name = null;
    for (String line : lines) {
      if (line.startsWith("```text test-vectors")) {
        in = true;
        continue;
      }
      if (in && line.startsWith("```")) {
        break;
      }
      if (!in || line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int eq = line.indexOf(" = ");
      if (eq > 0 && !line.startsWith(" ")) {
        if (name != null) {
          v.put(name, pending.toString());
        }
        name = line.substring(0, eq).trim();
        pending = new StringBuilder(line.substring(eq + 3).trim());
      } else if (name != null) {
        pending.append(line.trim()); // long hex values continue on indented lines
      }
    }
    if (name != null) {
      v.put(name, pending.toString());
    }
    return v;
  }

  @Test
  void documentedVectorsMatchTheCode() throws IOException {
    Map<String, String> computed = computed();
    StringBuilder block = new StringBuilder();
    computed.forEach((k, val) -> block.append(k).append(" = ").append(val).append('\n'));
    System.out.println("computed test vectors:\n" + block);
    assertThat(documented()).as("test-vectors block of " + DOC).isEqualTo(computed);
  }

  @Test
  void documentedSignatureVerifiesWithTheDocumentedKey() throws IOException {
    Map<String, String> doc = documented();
    byte[] message = java.util.HexFormat.of().parseHex(doc.get("batch_canonical"));
    byte[] signature = java.util.HexFormat.of().parseHex(doc.get("batch_signature"));
    byte[] publicKey = java.util.HexFormat.of().parseHex(doc.get("public_key"));
    assertThat(Ed25519.verify(publicKey, message, signature)).isTrue();
    message[message.length - 1] ^= 1;
    assertThat(Ed25519.verify(publicKey, message, signature)).isFalse();
  }
}
