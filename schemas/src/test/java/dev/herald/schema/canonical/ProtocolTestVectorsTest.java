package dev.herald.schema.canonical;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

/**
 * The test vectors of {@code docs/producer-protocol.md} §12, checked against the code.
 *
 * <ul>
 *   <li>The {@code text test-vectors} block: every value computed from the fixed inputs the
 *       document lists (scenarios A and B) must equal the documented one.
 *   <li>The {@code jsonl test-cases} block: each line holds inputs and expected outputs; the
 *       outputs are recomputed from the inputs, and every error case must be refused.
 *   <li>The partition and number tables of §3 and §4, which a reader checks by hand.
 * </ul>
 *
 * Drift between the code and the document fails here. Independent oracles (a bug in the code would
 * not be copied into them): RFC 8032's own Ed25519 vectors in the case table, the Python reporter
 * of {@code examples/python-reporter}, written from the document alone and run against the same
 * vectors in CI ({@code PythonReporterVectorsIT}), and {@link CanonicalNumbersTest}'s exact
 * arithmetic. {@code CanonicalAcrossJdksTest} runs all of this on every installed JDK.
 */
class ProtocolTestVectorsTest {
  static final Path DOC = Path.of("../docs/producer-protocol.md");
  private static final HexFormat HEX = HexFormat.of();

  /** Writes case lines as the document holds them: ASCII only, non-ASCII as backslash-u. */
  static final ObjectMapper JSON =
      JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

  // ---------------------------------------------------------------------------------------------
  // The fixed-input scenarios.

  static Ed25519.KeyPair scenarioKey() {
    byte[] seed = new byte[32];
    for (int i = 0; i < 32; i++) {
      seed[i] = (byte) i;
    }
    return Ed25519.fromSeed(seed);
  }

  /** Every {@code name = value} vector, computed from the fixed inputs of the document. */
  static Map<String, String> computed() {
    Map<String, String> v = new LinkedHashMap<>();
    Ed25519.KeyPair keys = scenarioKey();
    v.put("seed", Hashing.hex(keys.privateKey().getEncoded()));
    v.put("public_key", Hashing.hex(keys.publicKey()));
    v.put("key_id", keys.keyId());

    // Scenario A: one report of version 8
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

    int murmur = Utils.murmur2("payments/acct-17".getBytes(StandardCharsets.UTF_8));
    v.put("murmur2", String.format("%08x", murmur));
    int partition = Utils.toPositive(murmur) % 6;
    v.put("partition_of_6", Integer.toString(partition));

    Map<String, String> attributes = new LinkedHashMap<>();
    attributes.put("zone", "b");
    attributes.put("region", "eu-west");
    StateChange report =
        report(
            "00000000-0000-4000-8000-000000000001",
            "acct-17",
            8,
            Hashing.sha256(prevCanonical),
            stateCanonical,
            "op-991",
            opCanonical,
            1_700_000_000_000L,
            attributes);
    v.put("report_canonical", Hashing.hex(CanonicalEncoding.stateChange(report)));
    ReportBatch batch = batch(keys, partition, 1, 1_700_000_000_005L, List.of(report));
    v.put("batch_canonical", Hashing.hex(CanonicalEncoding.reportBatch(batch)));
    BatchSignatures.sign(batch, keys.privateKey());
    v.put("batch_signature", Hashing.hex(batch.getSignature()));
    v.put("batch_record_value_schema_id_1", Hashing.hex(recordValue(batch)));

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
    int hbPartition =
        Utils.toPositive(Utils.murmur2("payments-eu-1".getBytes(StandardCharsets.UTF_8))) % 6;
    v.put("heartbeat_partition_of_6", Integer.toString(hbPartition));
    v.put("heartbeat_record_value_schema_id_2", Hashing.hex(heartbeatValue(hb)));

    // Scenario B: versions 1 to 3 of one entity with a non-ASCII key in one batch
    String key = "konto-\u00f8";
    int bPartition =
        Utils.toPositive(Utils.murmur2(("payments/" + key).getBytes(StandardCharsets.UTF_8))) % 6;
    v.put("b_partition_of_6", Integer.toString(bPartition));
    String[] states = {
      "{\"owner\":\"\u00e5sa\",\"balance\":0}",
      "{\"owner\":\"\u00e5sa\",\"balance\":12.5}",
      "{\"balance\": 1E1, \"owner\": \"\\u00e5sa\"}"
    };
    String[] ops = {
      "{\"type\":\"open\",\"owner\":\"\u00e5sa\"}",
      "{\"type\":\"deposit\",\"amount\":12.50}",
      "{\"type\":\"withdraw\",\"amount\":2.5}"
    };
    List<Map<String, String>> attrs = new ArrayList<>();
    attrs.add(new LinkedHashMap<>());
    Map<String, String> second = new LinkedHashMap<>();
    second.put("\u00f8", "1");
    second.put("z", "2");
    second.put("\u00e9", "3");
    attrs.add(second);
    attrs.add(new LinkedHashMap<>());
    List<StateChange> reports = new ArrayList<>();
    byte[] prevHash = new byte[0];
    for (int i = 0; i < 3; i++) {
      byte[] state = CanonicalJson.ofJson(states[i]);
      byte[] op = CanonicalJson.ofJson(ops[i]);
      v.put("b_state_canonical_" + (i + 1), new String(state, StandardCharsets.UTF_8));
      v.put("b_state_hash_" + (i + 1), Hashing.hex(Hashing.sha256(state)));
      v.put("b_op_canonical_" + (i + 1), new String(op, StandardCharsets.UTF_8));
      v.put("b_op_digest_" + (i + 1), Hashing.hex(Hashing.sha256(op)));
      reports.add(
          report(
              "00000000-0000-4000-8000-00000000000" + (i + 2),
              key,
              i + 1,
              prevHash,
              state,
              "op-" + (i + 1),
              op,
              1_700_000_002_000L + i,
              attrs.get(i)));
      prevHash = Hashing.sha256(state);
    }
    v.put("b_report_1_canonical", Hashing.hex(CanonicalEncoding.stateChange(reports.get(0))));
    ReportBatch b = batch(keys, bPartition, 2, 1_700_000_002_010L, reports);
    v.put("b_batch_canonical", Hashing.hex(CanonicalEncoding.reportBatch(b)));
    BatchSignatures.sign(b, keys.privateKey());
    v.put("b_batch_signature", Hashing.hex(b.getSignature()));
    v.put("b_batch_record_value_schema_id_1", Hashing.hex(recordValue(b)));
    return v;
  }

  private static StateChange report(
      String eventId,
      String entityKey,
      long version,
      byte[] prevHash,
      byte[] stateCanonical,
      String opId,
      byte[] opCanonical,
      long eventTime,
      Map<String, String> attributes) {
    return StateChange.newBuilder()
        .setEventId(eventId)
        .setGroup("payments")
        .setEntityKey(entityKey)
        .setVersion(version)
        .setNodeId("payments-eu-1")
        .setPrevStateHash(ByteBuffer.wrap(prevHash))
        .setStateHash(ByteBuffer.wrap(Hashing.sha256(stateCanonical)))
        .setOpId(opId)
        .setOpDigest(ByteBuffer.wrap(Hashing.sha256(opCanonical)))
        .setEventTime(Instant.ofEpochMilli(eventTime))
        .setAttributes(attributes)
        .build();
  }

  private static ReportBatch batch(
      Ed25519.KeyPair keys, int partition, long seq, long createdAt, List<StateChange> reports) {
    return ReportBatch.newBuilder()
        .setNodeId("payments-eu-1")
        .setKeyId(keys.keyId())
        .setPartition(partition)
        .setBatchSeq(seq)
        .setCreatedAt(Instant.ofEpochMilli(createdAt))
        .setReports(new ArrayList<>(reports))
        .setSignature(ByteBuffer.allocate(0))
        .build();
  }

  /** The record value under schema id 1 (a fresh registry gives the first schema id 1). */
  private static byte[] recordValue(ReportBatch batch) {
    return new AvroWireFormat<>(ReportBatch.class, new InMemorySchemaRegistryClient())
        .serialize(Topics.STATE_CHANGES, batch);
  }

  /** The heartbeat's record value under schema id 2 (registered after another schema). */
  private static byte[] heartbeatValue(Heartbeat hb) {
    InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    registry.register("herald.state-changes.v1-value", ReportBatch.getClassSchema());
    return new AvroWireFormat<>(Heartbeat.class, registry).serialize(Topics.HEARTBEATS, hb);
  }

  // ---------------------------------------------------------------------------------------------
  // The document.

  static List<String> docLines() {
    try {
      return Files.readAllLines(DOC, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The lines of the fenced block whose opening line is {@code fence}. */
  static List<String> block(String fence) {
    List<String> out = new ArrayList<>();
    boolean in = false;
    for (String line : docLines()) {
      if (line.equals(fence)) {
        in = true;
      } else if (in && line.startsWith("```")) {
        return out;
      } else if (in) {
        out.add(line);
      }
    }
    throw new AssertionError(DOC + " has no block opened by " + fence);
  }

  /** The {@code name = value} lines of the document's test-vectors block. */
  static Map<String, String> documented() {
    Map<String, String> v = new LinkedHashMap<>();
    StringBuilder pending = null;
    String name = null;
    for (String line : block("```text test-vectors")) {
      if (line.isBlank() || line.startsWith("#")) {
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

  /** The cases of the document's jsonl block, one JSON object per line. */
  static List<JsonNode> documentedCases() {
    List<JsonNode> cases = new ArrayList<>();
    for (String line : block("```jsonl test-cases")) {
      if (line.isBlank()) {
        continue;
      }
      try {
        cases.add(JSON.readTree(line));
      } catch (IOException e) {
        throw new AssertionError("not a JSON line in the jsonl block of " + DOC + ": " + line, e);
      }
    }
    return cases;
  }

  // ---------------------------------------------------------------------------------------------
  // The cases: outputs recomputed from the inputs.

  /** The case with its outputs recomputed from its inputs; error cases must be refused. */
  static ObjectNode recompute(JsonNode c) {
    ObjectNode out = JSON.createObjectNode();
    String kind = c.path("kind").asText();
    out.put("kind", kind);
    switch (kind) {
      case "murmur2" -> {
        String key = c.get("key").asText();
        byte[] utf8 = key.getBytes(StandardCharsets.UTF_8);
        int h = Utils.murmur2(utf8);
        out.put("key", key);
        out.put("utf8", HEX.formatHex(utf8));
        out.put("murmur2", String.format("%08x", h));
        out.put("partition_of_6", Utils.toPositive(h) % 6);
        out.put("partition_of_12", Utils.toPositive(h) % 12);
      }
      case "json" -> {
        String in = c.get("in").asText();
        byte[] canonical = CanonicalJson.ofJson(in);
        out.put("in", in);
        out.put("canonical", new String(canonical, StandardCharsets.UTF_8));
        out.put("sha256", Hashing.hex(Hashing.sha256(canonical)));
      }
      case "json_error" -> {
        String in = c.get("in").asText();
        assertThatThrownBy(() -> CanonicalJson.ofJson(in))
            .as("JSON text %s must be refused (%s)", in, c.path("why").asText())
            .isInstanceOf(IllegalArgumentException.class);
        out.put("in", in);
        copy(c, out, "why");
      }
      case "double" -> {
        String bits = c.get("bits").asText();
        double d = Double.longBitsToDouble(Long.parseUnsignedLong(bits, 16));
        out.put("bits", bits);
        copy(c, out, "note");
        out.put("canonical", CanonicalNumbers.of(d));
      }
      case "float32" -> {
        String bits = c.get("bits").asText();
        float f = Float.intBitsToFloat(Integer.parseUnsignedInt(bits, 16));
        out.put("bits", bits);
        copy(c, out, "note");
        out.put("canonical", new String(CanonicalJson.ofValue(f), StandardCharsets.UTF_8));
      }
      case "string" -> {
        String in = c.get("in").asText();
        CanonicalEncoding.Writer w = new CanonicalEncoding.Writer();
        w.string("in", in);
        out.put("in", in);
        out.put("encoding", HEX.formatHex(w.toByteArray()));
      }
      case "string_error" -> {
        String in = c.get("in").asText();
        assertThatThrownBy(() -> new CanonicalEncoding.Writer().string("in", in))
            .as("string %s must be refused", c.get("in"))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CanonicalJson.ofValue(List.of(in)))
            .isInstanceOf(IllegalArgumentException.class);
        out.put("in", in);
        copy(c, out, "why");
      }
      case "map" -> {
        Map<String, String> map = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = c.get("in").fields();
        it.forEachRemaining(e -> map.put(e.getKey(), e.getValue().asText()));
        CanonicalEncoding.Writer w = new CanonicalEncoding.Writer();
        w.map("in", map);
        out.set("in", c.get("in"));
        out.put("encoding", HEX.formatHex(w.toByteArray()));
        out.put("canonical_json", new String(CanonicalJson.ofValue(map), StandardCharsets.UTF_8));
      }
      case "ed25519" -> {
        // inputs and outputs both come from RFC 8032 §7.1: an oracle, not a recomputation
        Ed25519.KeyPair keys = Ed25519.fromSeed(HEX.parseHex(c.get("secret").asText()));
        byte[] message = HEX.parseHex(c.get("message").asText());
        copy(c, out, "source");
        out.put("secret", c.get("secret").asText());
        out.put("public", Hashing.hex(keys.publicKey()));
        out.put("message", c.get("message").asText());
        out.put("signature", Hashing.hex(Ed25519.sign(keys.privateKey(), message)));
      }
      default -> throw new AssertionError("unknown case kind " + kind + " in " + c);
    }
    return out;
  }

  /** Copies a field that only documents a case (a note, a reason, a source), when present. */
  private static void copy(JsonNode from, ObjectNode to, String field) {
    if (from.has(field)) {
      to.set(field, from.get(field));
    }
  }

  static String line(JsonNode node) {
    try {
      // DEL is ASCII but invisible: escaped like the rest
      return JSON.writeValueAsString(node).replace("\u007f", "\\u007F");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The tests.

  @Test
  void documentedVectorsMatchTheCode() {
    Map<String, String> computed = computed();
    StringBuilder block = new StringBuilder();
    computed.forEach((k, val) -> block.append(k).append(" = ").append(val).append('\n'));
    Map<String, String> documented = documented();
    if (!documented.equals(computed)) {
      System.out.println("computed test vectors:\n" + block);
    }
    assertThat(documented).as("test-vectors block of " + DOC).isEqualTo(computed);
  }

  @Test
  void everyDocumentedCaseHoldsForTheCode() {
    List<JsonNode> cases = documentedCases();
    StringBuilder recomputed = new StringBuilder();
    List<String> differ = new ArrayList<>();
    for (JsonNode c : cases) {
      ObjectNode again = recompute(c);
      recomputed.append(line(again)).append('\n');
      if (!again.equals(c)) {
        differ.add("documented: " + line(c) + "\n  computed: " + line(again));
      }
    }
    if (!differ.isEmpty()) {
      System.out.println("recomputed test cases:\n" + recomputed);
    }
    assertThat(differ).as("cases of " + DOC + " that differ from the code").isEmpty();
    assertThat(cases.stream().map(c -> c.get("kind").asText()).distinct())
        .as("kinds of cases")
        .contains(
            "murmur2",
            "json",
            "json_error",
            "double",
            "float32",
            "string",
            "string_error",
            "map",
            "ed25519");
  }

  @Test
  void rfc8032VectorsAreInTheDocumentAndHold() {
    List<JsonNode> rfc =
        documentedCases().stream().filter(c -> c.get("kind").asText().equals("ed25519")).toList();
    assertThat(rfc).hasSizeGreaterThanOrEqualTo(3);
    for (JsonNode c : rfc) {
      byte[] pub = HEX.parseHex(c.get("public").asText());
      byte[] message = HEX.parseHex(c.get("message").asText());
      byte[] signature = HEX.parseHex(c.get("signature").asText());
      assertThat(Ed25519.verify(pub, message, signature)).as(c.get("source").asText()).isTrue();
      signature[0] ^= 1;
      assertThat(Ed25519.verify(pub, message, signature)).isFalse();
    }
  }

  @Test
  void documentedSignatureVerifiesWithTheDocumentedKey() {
    Map<String, String> doc = documented();
    byte[] publicKey = HEX.parseHex(doc.get("public_key"));
    for (String prefix : List.of("", "b_")) {
      byte[] message = HEX.parseHex(doc.get(prefix + "batch_canonical"));
      byte[] signature = HEX.parseHex(doc.get(prefix + "batch_signature"));
      assertThat(Ed25519.verify(publicKey, message, signature)).isTrue();
      message[message.length - 1] ^= 1;
      assertThat(Ed25519.verify(publicKey, message, signature)).isFalse();
    }
  }

  private static final Pattern PARTITION_ROW =
      Pattern.compile(
          "^\\| `(\"(?:[^\"\\\\]|\\\\.)*\")` \\| `([0-9a-f]*)` \\| `([0-9a-f]{8})` \\| (\\d+) \\|"
              + " (\\d+) \\|.*$");

  @Test
  void thePartitionTableHoldsForTheCode() throws IOException {
    List<String> rows = table("<!-- checked: partition-table -->");
    assertThat(rows).hasSizeGreaterThanOrEqualTo(8);
    for (String row : rows) {
      Matcher m = PARTITION_ROW.matcher(row);
      assertThat(m.matches()).as("row of the partition table: %s", row).isTrue();
      String key = JSON.readTree(m.group(1)).asText();
      byte[] utf8 = key.getBytes(StandardCharsets.UTF_8);
      int h = Utils.murmur2(utf8);
      assertThat(m.group(2)).as("UTF-8 of %s", key).isEqualTo(HEX.formatHex(utf8));
      assertThat(m.group(3)).as("murmur2 of %s", key).isEqualTo(String.format("%08x", h));
      assertThat(Integer.parseInt(m.group(4)))
          .as("of 6: %s", key)
          .isEqualTo(Utils.toPositive(h) % 6);
      assertThat(Integer.parseInt(m.group(5)))
          .as("of 12: %s", key)
          .isEqualTo(Utils.toPositive(h) % 12);
    }
  }

  private static final Pattern NUMBER_ROW =
      Pattern.compile("^\\| (JSON text|binary64) `([^`]+)`[^|]*\\| `([^`]+)` \\|.*$");

  @Test
  void theNumberTableHoldsForTheCode() {
    List<String> rows = table("<!-- checked: number-table -->");
    assertThat(rows).hasSizeGreaterThanOrEqualTo(8);
    for (String row : rows) {
      Matcher m = NUMBER_ROW.matcher(row);
      assertThat(m.matches()).as("row of the number table: %s", row).isTrue();
      String canonical =
          m.group(1).equals("binary64")
              ? CanonicalNumbers.of(
                  Double.longBitsToDouble(Long.parseUnsignedLong(m.group(2).substring(2), 16)))
              : new String(CanonicalJson.ofJson(m.group(2)), StandardCharsets.UTF_8);
      assertThat(m.group(3)).as(row).isEqualTo(canonical);
    }
  }

  /** The body rows of the markdown table that follows {@code marker}. */
  static List<String> table(String marker) {
    List<String> lines = docLines();
    int at = lines.indexOf(marker);
    assertThat(at).as("marker %s in %s", marker, DOC).isNotNegative();
    List<String> rows = new ArrayList<>();
    for (int i = at + 1; i < lines.size() && lines.get(i).startsWith("|"); i++) {
      rows.add(lines.get(i));
    }
    return rows.subList(Math.min(2, rows.size()), rows.size()); // header and separator
  }
}
