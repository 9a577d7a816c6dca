package dev.herald.infra.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.herald.schema.LogLeaf;
import dev.herald.schema.NodeRecord;
import dev.herald.schema.Topics;
import dev.herald.schema.TreeHead;
import dev.herald.schema.canonical.Hashing;
import dev.herald.schema.ledger.AuditLogVerifier.AuditorKey;
import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.serde.ByteBuffers;
import dev.herald.schema.serde.MalformedRecordException;
import dev.herald.schema.signing.Ed25519;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * What the audit-log checks read from Kafka: the auditor keys of the registry (role {@code
 * auditor}), the leaves of a log ({@code herald.audit-log.v1}) and its signed tree heads ({@code
 * herald.tree-heads.v1}); and the JSON form of a tree head, which a witness keeps.
 */
final class AuditLogSource {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Properties client;
  private final SchemaRegistryClient registry;
  private final PrintWriter err;

  AuditLogSource(Properties client, SchemaRegistryClient registry, PrintWriter err) {
    this.client = client;
    this.registry = registry;
    this.err = err;
  }

  /** Leaves of one log, in index order; gaps and repeats are reported and end the log there. */
  record Leaves(List<byte[]> hashes, List<String> problems) {}

  /** Every key ever registered with role auditor, by key id, with its node's last status. */
  Map<String, AuditorKey> auditorKeys() {
    AvroWireFormat<NodeRecord> nodes = new AvroWireFormat<>(NodeRecord.class, registry);
    Map<String, AuditorKey> out = new HashMap<>();
    Map<String, String> status = new HashMap<>();
    AlertsCommand.readToEnd(
        client,
        Topics.NODES,
        r -> {
          if (r.value() == null) {
            return;
          }
          NodeRecord n;
          try {
            n = nodes.deserialize(r.topic(), r.value());
          } catch (MalformedRecordException e) {
            return;
          }
          String node = n.getNodeId().toString();
          status.put(node, n.getStatus().name());
          if (n.getRole() != null && n.getRole().toString().equals("auditor")) {
            byte[] key = ByteBuffers.bytes(n.getPublicKey());
            out.put(Ed25519.keyId(key), new AuditorKey(node, key, n.getStatus().name()));
          }
        });
    out.replaceAll(
        (k, v) -> new AuditorKey(v.auditorId(), v.publicKey(), status.get(v.auditorId())));
    return out;
  }

  /** The leaves of {@code logId} read from {@code topic}. */
  Leaves leaves(String topic, String logId) {
    AvroWireFormat<LogLeaf> format = new AvroWireFormat<>(LogLeaf.class, registry);
    List<byte[]> hashes = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    AlertsCommand.readToEnd(
        client,
        topic,
        r -> {
          if (r.value() == null || !problems.isEmpty()) {
            return;
          }
          LogLeaf leaf;
          try {
            leaf = format.deserialize(r.topic(), r.value());
          } catch (MalformedRecordException e) {
            return;
          }
          if (!leaf.getLogId().toString().equals(logId)) {
            return;
          }
          if (leaf.getIndex() != hashes.size()) {
            problems.add(
                "the audit log of "
                    + logId
                    + " has index "
                    + leaf.getIndex()
                    + " where "
                    + hashes.size()
                    + " was expected ("
                    + r.topic()
                    + "["
                    + r.partition()
                    + "]@"
                    + r.offset()
                    + "): a leaf is missing or repeated");
            return;
          }
          hashes.add(ByteBuffers.bytes(leaf.getLeafHash()));
        });
    return new Leaves(hashes, problems);
  }

  /** The tree heads on {@code topic}, in offset order per log, by log id. */
  Map<String, List<TreeHead>> heads(String topic) {
    AvroWireFormat<TreeHead> format = new AvroWireFormat<>(TreeHead.class, registry);
    Map<String, List<TreeHead>> out = new TreeMap<>();
    AlertsCommand.readToEnd(
        client,
        topic,
        r -> {
          if (r.value() == null) {
            return;
          }
          try {
            TreeHead h = format.deserialize(r.topic(), r.value());
            out.computeIfAbsent(h.getLogId().toString(), k -> new ArrayList<>()).add(h);
          } catch (MalformedRecordException e) {
            err.println(
                "warning: skipped an undecodable tree head at "
                    + r.topic()
                    + "["
                    + r.partition()
                    + "]@"
                    + r.offset()
                    + ": "
                    + e.reason());
          }
        });
    return out;
  }

  /** The JSON form of a head (what {@code herald audit-log heads -o json} prints). */
  static Map<String, Object> toJson(TreeHead h) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("logId", h.getLogId().toString());
    m.put("auditorId", h.getAuditorId().toString());
    m.put("keyId", h.getKeyId().toString());
    m.put("treeSize", h.getTreeSize());
    m.put("rootHash", Hashing.hex(h.getRootHash()));
    m.put("timestamp", h.getTimestamp().toString());
    m.put("signature", Base64.getEncoder().encodeToString(ByteBuffers.bytes(h.getSignature())));
    return m;
  }

  /** Reads a head saved as JSON; a {@link CliException} naming the problem. */
  static TreeHead readHead(Path file) {
    try {
      JsonNode n = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
      return TreeHead.newBuilder()
          .setLogId(text(n, "logId"))
          .setAuditorId(text(n, "auditorId"))
          .setKeyId(text(n, "keyId"))
          .setTreeSize(Long.parseLong(text(n, "treeSize")))
          .setRootHash(ByteBuffer.wrap(HexFormat.of().parseHex(text(n, "rootHash"))))
          .setTimestamp(Instant.parse(text(n, "timestamp")))
          .setSignature(ByteBuffer.wrap(Base64.getDecoder().decode(text(n, "signature"))))
          .build();
    } catch (IOException | RuntimeException e) {
      throw new CliException(
          "cannot read tree head " + file + ": " + e.getMessage(),
          "pass one head as printed by: herald audit-log heads --log-id LOG --latest -o json");
    }
  }

  private static String text(JsonNode n, String field) {
    if (!n.hasNonNull(field)) {
      throw new IllegalArgumentException("field '" + field + "' is missing");
    }
    return n.get(field).asText();
  }

  static String json(Object o) {
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(o);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
