package dev.herald.schema.canonical;

import dev.herald.schema.AuditAlert;
import dev.herald.schema.Evidence;
import dev.herald.schema.Heartbeat;
import dev.herald.schema.ReportBatch;
import dev.herald.schema.StateChange;
import dev.herald.schema.TreeHead;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The byte encoding that reporters sign and the auditor verifies. Specified in {@code
 * docs/producer-protocol.md}; any language can reproduce it.
 *
 * <p>Fields are written in schema order with fixed-width big-endian integers and length-prefixed
 * strings and bytes; maps are written sorted by key bytes, so the encoding does not depend on the
 * order a map was built in. A domain tag opens each encoding so that a signature over one kind of
 * record can never be replayed as another.
 *
 * <p>Strings must be Unicode text: one holding an unpaired UTF-16 surrogate, or a missing field, is
 * an {@link IllegalArgumentException} (two different records never share one encoding).
 *
 * <pre>{@code
 * byte[] toSign = CanonicalEncoding.reportBatch(batch);   // every field but the signature
 * }</pre>
 */
public final class CanonicalEncoding {
  /** Domain tag of a {@link ReportBatch} encoding. */
  public static final String BATCH_TAG = "HERALD-REPORT-BATCH-V1";

  /** Domain tag of a {@link Heartbeat} encoding. */
  public static final String HEARTBEAT_TAG = "HERALD-HEARTBEAT-V1";

  /** Domain tag of an {@link AuditAlert} encoding (what the auditor signs). */
  public static final String ALERT_TAG = "HERALD-AUDIT-ALERT-V1";

  /** Domain tag of a leaf of the auditor's Merkle log: a signed alert. */
  public static final String ALERT_LEAF_TAG = "HERALD-AUDIT-LOG-LEAF-V1";

  /** Domain tag of a {@link TreeHead} encoding. */
  public static final String TREE_HEAD_TAG = "HERALD-TREE-HEAD-V1";

  private CanonicalEncoding() {}

  /**
   * The bytes the auditor's signature on an alert covers: every field except {@code
   * auditorSignature}, in schema order; an optional field is a presence byte (0 or 1) and then its
   * value; evidence records with every field.
   */
  public static byte[] auditAlert(AuditAlert a) {
    Writer w = new Writer();
    w.tag(ALERT_TAG);
    alertBody(w, a);
    return w.toByteArray();
  }

  /**
   * The data of the alert's leaf in the auditor's Merkle log: the signed bytes ({@link
   * #auditAlert}) and the signature, so the log commits to the signed statement, not only to its
   * content.
   */
  public static byte[] auditAlertLeaf(AuditAlert a) {
    Writer w = new Writer();
    w.tag(ALERT_LEAF_TAG);
    w.byteArray(auditAlert(a));
    w.bytes("auditorSignature", a.getAuditorSignature());
    return w.toByteArray();
  }

  /** The bytes a tree head's signature covers: every field except {@code signature}. */
  public static byte[] treeHead(TreeHead h) {
    Writer w = new Writer();
    w.tag(TREE_HEAD_TAG);
    w.string("logId", h.getLogId());
    w.string("auditorId", h.getAuditorId());
    w.string("keyId", h.getKeyId());
    w.int64(h.getTreeSize());
    w.bytes("rootHash", h.getRootHash());
    w.int64(millis("timestamp", h.getTimestamp()));
    return w.toByteArray();
  }

  private static void alertBody(Writer w, AuditAlert a) {
    w.string("alertId", a.getAlertId());
    w.string("type", required("type", a.getType()).name());
    w.string("severity", required("severity", a.getSeverity()).name());
    w.string("status", required("status", a.getStatus()).name());
    w.string("group", a.getGroup());
    optionalString(w, "entityKey", a.getEntityKey());
    optionalLong(w, a.getVersion());
    List<String> nodes = required("nodes", a.getNodes());
    w.uint32(nodes.size());
    for (String node : nodes) {
      w.string("nodes", node);
    }
    w.presence(a.getMajorityHash() != null);
    if (a.getMajorityHash() != null) {
      w.bytes("majorityHash", a.getMajorityHash());
    }
    w.string("detail", a.getDetail());
    List<Evidence> evidence = required("evidence", a.getEvidence());
    w.uint32(evidence.size());
    for (Evidence e : evidence) {
      w.string("evidence.topic", e.getTopic());
      w.int32(e.getPartition());
      w.int64(e.getOffset());
      w.string("evidence.nodeId", e.getNodeId());
      w.string("evidence.keyId", e.getKeyId());
      w.int64(e.getBatchSeq());
      w.bytes("evidence.record", e.getRecord());
      w.presence(e.getSignatureValid());
      w.bytes("evidence.sha256", e.getSha256());
    }
    w.int64(millis("detectedAt", a.getDetectedAt()));
    w.int64(millis("firstEventTime", a.getFirstEventTime()));
    w.presence(a.getResolvedAt() != null);
    if (a.getResolvedAt() != null) {
      w.int64(a.getResolvedAt().toEpochMilli());
    }
    w.map("attributes", a.getAttributes());
    optionalString(w, "auditorId", a.getAuditorId());
    optionalString(w, "auditorKeyId", a.getAuditorKeyId());
    optionalString(w, "logId", a.getLogId());
    optionalLong(w, a.getLogIndex());
  }

  private static void optionalString(Writer w, String field, CharSequence value) {
    w.presence(value != null);
    if (value != null) {
      w.string(field, value);
    }
  }

  private static void optionalLong(Writer w, Long value) {
    w.presence(value != null);
    if (value != null) {
      w.int64(value);
    }
  }

  /** The bytes a batch's signature covers: every field except {@code signature}. */
  public static byte[] reportBatch(ReportBatch batch) {
    Writer w = new Writer();
    w.tag(BATCH_TAG);
    w.string("nodeId", batch.getNodeId());
    w.string("keyId", batch.getKeyId());
    w.int32(batch.getPartition());
    w.int64(batch.getBatchSeq());
    w.int64(millis("createdAt", batch.getCreatedAt()));
    List<StateChange> reports = required("reports", batch.getReports());
    w.uint32(reports.size());
    for (StateChange report : reports) {
      stateChange(w, report);
    }
    return w.toByteArray();
  }

  /** The encoding of one report, as it appears inside a batch encoding. */
  public static byte[] stateChange(StateChange report) {
    Writer w = new Writer();
    stateChange(w, report);
    return w.toByteArray();
  }

  /** The bytes a heartbeat's signature covers: every field except {@code signature}. */
  public static byte[] heartbeat(Heartbeat heartbeat) {
    Writer w = new Writer();
    w.tag(HEARTBEAT_TAG);
    w.string("nodeId", heartbeat.getNodeId());
    List<String> groups = required("groups", heartbeat.getGroups());
    w.uint32(groups.size());
    for (String group : groups) {
      w.string("groups", group);
    }
    w.string("region", heartbeat.getRegion());
    w.int64(heartbeat.getSequence());
    w.int64(millis("eventTime", heartbeat.getEventTime()));
    w.string("status", required("status", heartbeat.getStatus()).name());
    w.string("keyId", heartbeat.getKeyId());
    return w.toByteArray();
  }

  private static void stateChange(Writer w, StateChange r) {
    w.string("eventId", r.getEventId());
    w.string("group", r.getGroup());
    w.string("entityKey", r.getEntityKey());
    w.int64(r.getVersion());
    w.string("nodeId", r.getNodeId());
    w.bytes("prevStateHash", r.getPrevStateHash());
    w.bytes("stateHash", r.getStateHash());
    w.string("opId", r.getOpId());
    w.bytes("opDigest", r.getOpDigest());
    w.int64(millis("eventTime", r.getEventTime()));
    w.map("attributes", r.getAttributes());
  }

  private static <T> T required(String field, T value) {
    if (value == null) {
      throw new IllegalArgumentException("field " + field + " is missing");
    }
    return value;
  }

  private static long millis(String field, Instant instant) {
    return required(field, instant).toEpochMilli();
  }

  /**
   * Appends primitives in the canonical layout. Its own growable array, not a {@code
   * ByteArrayOutputStream}, whose every {@code write} takes a lock: the auditor encodes every batch
   * it verifies, and the per-byte locking was the encoding's largest cost (JFR, docs/benchmarks.md
   * "Round 10"). Error messages are built only for an error.
   */
  static final class Writer {
    private byte[] buf = new byte[512];
    private int count;

    private void ensure(int more) {
      if (more > buf.length - count) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, Math.addExact(count, more)));
      }
    }

    private void write(byte[] bytes, int offset, int length) {
      ensure(length);
      System.arraycopy(bytes, offset, buf, count, length);
      count += length;
    }

    void tag(String tag) {
      byte[] bytes = tag.getBytes(StandardCharsets.US_ASCII);
      ensure(bytes.length + 1);
      write(bytes, 0, bytes.length);
      buf[count++] = 0;
    }

    void presence(boolean present) {
      ensure(1);
      buf[count++] = (byte) (present ? 1 : 0);
    }

    void uint32(long value) {
      ensure(4);
      buf[count++] = (byte) (value >>> 24);
      buf[count++] = (byte) (value >>> 16);
      buf[count++] = (byte) (value >>> 8);
      buf[count++] = (byte) value;
    }

    void int32(int value) {
      uint32(value & 0xFFFFFFFFL);
    }

    void int64(long value) {
      ensure(8);
      for (int shift = 56; shift >= 0; shift -= 8) {
        buf[count++] = (byte) (value >>> shift);
      }
    }

    void string(String field, CharSequence value) {
      byteArray(utf8(required(field, value).toString(), "field ", field));
    }

    void bytes(String field, ByteBuffer value) {
      ByteBuffer b = required(field, value);
      int length = b.remaining();
      uint32(length);
      if (b.hasArray()) {
        write(b.array(), b.arrayOffset() + b.position(), length);
      } else {
        ensure(length);
        b.duplicate().get(buf, count, length);
        count += length;
      }
    }

    void byteArray(byte[] value) {
      uint32(value.length);
      write(value, 0, value.length);
    }

    void map(String field, Map<String, String> map) {
      List<byte[][]> entries = new ArrayList<>(required(field, map).size());
      for (Map.Entry<String, String> e : map.entrySet()) {
        entries.add(
            new byte[][] {
              utf8(entryPart(field, " key", e.getKey()), "an entry of field ", field),
              utf8(entryPart(field, " value", e.getValue()), "an entry of field ", field)
            });
      }
      entries.sort((a, b) -> Arrays.compareUnsigned(a[0], b[0]));
      uint32(entries.size());
      for (byte[][] e : entries) {
        byteArray(e[0]);
        byteArray(e[1]);
      }
    }

    private static String entryPart(String field, String part, String value) {
      if (value == null) {
        throw new IllegalArgumentException("field " + field + part + " is missing");
      }
      return value;
    }

    /** UTF-8 of {@code s}; the error names {@code before + field}. */
    private static byte[] utf8(String s, String before, String field) {
      int bad = Utf16.unpairedSurrogate(s);
      if (bad >= 0) {
        throw Utf16.notUnicode(before + field, s, bad);
      }
      return s.getBytes(StandardCharsets.UTF_8);
    }

    byte[] toByteArray() {
      return Arrays.copyOf(buf, count);
    }
  }
}
