package dev.herald.auditor.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.auditor.alerting.AlertRecord;
import dev.herald.auditor.detect.EntityState;
import dev.herald.auditor.detect.EvidenceRef;
import dev.herald.auditor.detect.Finding;
import dev.herald.auditor.detect.Liveness;
import dev.herald.auditor.detect.NodeLedger;
import dev.herald.auditor.detect.Reconciler;
import dev.herald.auditor.detect.ReplicaReport;
import dev.herald.auditor.policy.AuditPolicy;
import dev.herald.auditor.policy.GroupPolicy;
import dev.herald.auditor.store.avro.StoredClosedVersion;
import dev.herald.auditor.store.avro.StoredEntity;
import dev.herald.auditor.store.avro.StoredLedger;
import dev.herald.schema.AlertStatus;
import dev.herald.schema.AlertType;
import dev.herald.schema.Severity;
import dev.herald.schema.Topics;
import dev.herald.schema.canonical.Hashing;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.io.JsonEncoder;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/**
 * The Avro store values: every value reads back equal to what was written, values of the former
 * binary and JSON serdes and garbage fail with a {@link SerializationException} that says what to
 * do, a value of an older schema is resolved, and a field added to a stored class without a mapping
 * fails here instead of being dropped from the stores.
 */
class AvroStoreSerdeTest {
  private static final Set<String> MEMBERS = Set.of("n1", "n2", "n3");
  private static final GroupPolicy POLICY = AuditPolicy.DEFAULT.group("g");

  private static String hash(String s) {
    return Hashing.hex(Hashing.sha256(s.getBytes(StandardCharsets.UTF_8)));
  }

  private static ReplicaReport report(String node, long v, String state, String op) {
    return new ReplicaReport(
        node + "-" + v,
        "g",
        "acct-é",
        v,
        node,
        v == 1 ? "" : hash("s" + (v - 1)),
        hash(state),
        op,
        hash(op),
        1_000 * v,
        new EvidenceRef(Topics.STATE_CHANGES, 2, 40 + v, node, "key-" + node, v, null, true));
  }

  /** An entity with closed versions (one divergent, one lagging node) and an open equivocation. */
  private static EntityState busyEntity() {
    EntityState s = new EntityState("g", "acct-é");
    for (long v = 1; v <= 20; v++) {
      for (String n : List.of("n1", "n2", "n3")) {
        if (v == 7 && n.equals("n3")) {
          continue; // n3 lags at 7
        }
        String state = v == 5 && n.equals("n2") ? "bad" : "s" + v;
        Reconciler.onReport(s, report(n, v, state, "op" + v), MEMBERS, POLICY, 10 * v);
      }
      if (v == 7) {
        Reconciler.close(s, 7, MEMBERS, POLICY, 75);
      }
    }
    Reconciler.onReport(s, report("n1", 21, "s21", "op21"), MEMBERS, POLICY, 300);
    Reconciler.onReport(s, report("n1", 21, "other", "op21"), MEMBERS, POLICY, 301);
    // a report that is not like its neighbours: another topic, group and entity, unusual strings,
    // short hashes, evidence bytes, another signer
    ReplicaReport odd =
        new ReplicaReport(
            "ev-ABC ✓",
            "g2",
            "acct-ü",
            22,
            "n2",
            "abcdef",
            "0a",
            "",
            "",
            -5,
            new EvidenceRef("other-topic", 0, -1, "n9", null, -3, new byte[] {0, 1, -1}, false));
    Reconciler.onReport(s, odd, MEMBERS, POLICY, 302);
    s.openVersions().get(22L).reports().put("n3", null);
    return s;
  }

  @Test
  void entityStateReadsBackEqual() {
    EntityState s = busyEntity();
    assertThat(s.closedVersions()).hasSize(EntityState.CLOSED_WINDOW);
    assertThat(s.forgottenBelow()).isPositive();
    AvroStoreSerde<EntityState, ?> serde = StoreSerdes.entityStates();

    byte[] bytes = serde.serialize(s);
    EntityState back = serde.deserialize(bytes);

    assertThat(mapForm(back))
        .usingRecursiveComparison()
        .ignoringFieldsMatchingRegexes(STORE_FORM)
        .isEqualTo(mapForm(s));
    assertThat(back.openVersions()).isInstanceOf(TreeMap.class);
    assertThat(back.closedVersions().values())
        .allSatisfy(c -> assertThat(c.hashes()).isInstanceOf(TreeMap.class));
    assertThat(back.openVersions().get(21L).equivocators())
        .isInstanceOf(HashSet.class)
        .containsExactly("n1");
    assertThat(back.openVersions().get(22L).reports()).containsEntry("n3", null);
    assertThat(serde.serialize(back)).isEqualTo(bytes);
    // Avro single-object encoding: C3 01 and the schema's fingerprint, little-endian
    assertThat(bytes[0]).isEqualTo((byte) 0xC3);
    assertThat(bytes[1]).isEqualTo((byte) 0x01);
    long fingerprint = SchemaNormalization.parsingFingerprint64(serde.schema());
    assertThat(ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong())
        .isEqualTo(fingerprint);
  }

  @Test
  void extremeVersionsAndUnicodeReadBackEqual() {
    String group = "グループ 🚀";
    String entity = "clé/ß\"x\"\t";
    TreeMap<String, ReplicaReport> reports = new TreeMap<>();
    for (String n : List.of("nœud-1", "n2")) {
      reports.put(
          n,
          new ReplicaReport(
              "ev-" + n,
              group,
              entity,
              Long.MAX_VALUE,
              n,
              hash("p"),
              hash("s"),
              "op-✓",
              hash("op"),
              Long.MIN_VALUE,
              new EvidenceRef(
                  Topics.STATE_CHANGES,
                  Integer.MAX_VALUE,
                  Long.MAX_VALUE,
                  n,
                  "k",
                  -1,
                  null,
                  true)));
    }
    TreeMap<Long, EntityState.VersionSlot> open = new TreeMap<>();
    open.put(
        Long.MAX_VALUE,
        EntityState.VersionSlot.restore(
            Long.MAX_VALUE, Long.MAX_VALUE, Long.MIN_VALUE, reports, new HashSet<>(Set.of("n2"))));
    TreeMap<Long, EntityState.ClosedVersion> closed = new TreeMap<>();
    closed.put(
        Long.MIN_VALUE,
        EntityState.ClosedVersion.restore(
            Long.MIN_VALUE,
            null,
            null,
            new TreeMap<>(Map.of("nœud-1", hash("a"), "n2", "")),
            new TreeMap<>(),
            new HashSet<>(Set.of("ü")),
            true));
    closed.put(
        Long.MAX_VALUE - 1,
        EntityState.ClosedVersion.restore(
            Long.MAX_VALUE - 1,
            hash("a"),
            "op-ü",
            new TreeMap<>(Map.of("nœud-1", hash("a"), "n2", hash("b"))),
            new TreeMap<>(
                Map.of(
                    "n2",
                    new EvidenceRef(
                        "t-é", -1, Long.MIN_VALUE, "n2", "", Long.MAX_VALUE, null, true, ""))),
            new HashSet<>(),
            false));
    EntityState s =
        EntityState.restore(group, entity, open, closed, Long.MIN_VALUE, Long.MAX_VALUE);
    AvroStoreSerde<EntityState, ?> serde = StoreSerdes.entityStates();

    EntityState back = serde.deserialize(serde.serialize(s));

    assertThat(mapForm(back))
        .usingRecursiveComparison()
        .ignoringFieldsMatchingRegexes(STORE_FORM)
        .isEqualTo(mapForm(s));
  }

  @Test
  void anUnchangedClosedVersionIsMappedOnceAndOneHandedOutForChangeIsMappedAgain() {
    // Given: an entity written once
    EntityState s = busyEntity();
    AvroStoreSerde<EntityState, ?> serde = StoreSerdes.entityStates();
    serde.serialize(s);
    EntityState.ClosedVersion c = s.closedVersions().get(12L);
    Object first = c.storeForm();
    assertThat(first).as("the store form kept after the write").isNotNull();

    // When written again unchanged, the same form is written
    serde.serialize(s);
    assertThat(c.storeForm()).isSameAs(first);

    // When a live collection is handed out (it may be changed), the form is dropped and made anew
    c.claims();
    assertThat(c.storeForm()).isNull();
    serde.serialize(s);
    assertThat(c.storeForm()).isNotNull().isNotSameAs(first);
  }

  @Test
  void anEntityReadFromTheStoreKeepsItsClosedVersionsAsReadUntilOneChanges() {
    // Given: an entity written and read back (a cache miss)
    AvroStoreSerde<EntityState, ?> serde = StoreSerdes.entityStates();
    EntityState s = busyEntity();
    EntityState back = serde.deserialize(serde.serialize(s));

    // Then every closed version carries the form it was read from, and writes back the same state
    assertThat(back.closedVersions().values())
        .isNotEmpty()
        .allSatisfy(c -> assertThat(c.storeForm()).isNotNull());
    assertThat(mapForm(serde.deserialize(serde.serialize(back))))
        .usingRecursiveComparison()
        .ignoringFieldsMatchingRegexes(STORE_FORM)
        .isEqualTo(mapForm(s));

    // When a hash is only read, the form stays; when one is changed, the change is written
    EntityState.ClosedVersion c = back.closedVersions().get(12L);
    Object form = c.storeForm();
    assertThat(c.hashOf("n2")).isEqualTo(s.closedVersions().get(12L).hashOf("n2"));
    assertThat(c.hashedNodes()).isEqualTo(s.closedVersions().get(12L).hashes().keySet());
    assertThat(c.storeForm()).isSameAs(form);
    c.hashes().put("n2", hash("changed"));
    assertThat(c.storeForm()).isNull();
    assertThat(serde.deserialize(serde.serialize(back)).closedVersions().get(12L).hashOf("n2"))
        .isEqualTo(hash("changed"));
  }

  @Test
  void closedVersionsWrittenFromTheirKeptBytesAreEncodedExactlyAsTheirFieldsAre()
      throws IOException {
    // Given: an entity written once (its closed versions keep their encoding), and read back
    AvroStoreSerde<EntityState, ?> serde = StoreSerdes.entityStates();
    EntityState s = busyEntity();
    byte[] first = serde.serialize(s);
    EntityState back = serde.deserialize(first);

    // When: both are written again, their closed versions from the kept bytes
    byte[] again = serde.serialize(s);
    byte[] fromRead = serde.serialize(back);

    // Then: every write is the same record encoded field by field
    assertThat(s.closedVersions().values())
        .isNotEmpty()
        .allSatisfy(c -> assertThat(c.storeForm()).isInstanceOf(EncodedClosedVersion.class));
    byte[] fieldByField = fieldByField(s);
    assertThat(body(first)).isEqualTo(fieldByField);
    assertThat(body(again)).isEqualTo(fieldByField);
    assertThat(body(fromRead)).isEqualTo(fieldByField(back));
    assertThat(mapForm(serde.deserialize(fromRead)))
        .usingRecursiveComparison()
        .ignoringFieldsMatchingRegexes(STORE_FORM)
        .isEqualTo(mapForm(s));

    // and an encoder that is not binary (JSON) gets the fields, not the bytes
    StoredClosedVersion kept = (StoredClosedVersion) s.closedVersions().get(12L).storeForm();
    StoredClosedVersion copy = plain(kept);
    assertThat(json(kept)).isEqualTo(json(copy)).contains("\"version\":12");
  }

  private static byte[] body(byte[] stored) {
    return Arrays.copyOfRange(stored, AvroStoreSerde.HEADER, stored.length);
  }

  /** The entity's record encoded without kept bytes (the same collections, so the same order). */
  private static byte[] fieldByField(EntityState s) throws IOException {
    StoredEntity record = StoreMapping.toAvro(s);
    List<StoredClosedVersion> plain = new ArrayList<>();
    for (StoredClosedVersion c : record.getClosed()) {
      plain.add(plain(c));
    }
    record.setClosed(plain);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    new SpecificDatumWriter<>(StoredEntity.class).write(record, encoder);
    encoder.flush();
    return out.toByteArray();
  }

  private static StoredClosedVersion plain(StoredClosedVersion c) {
    return new StoredClosedVersion(
        c.getVersion(),
        c.getAgreedHash(),
        c.getAgreedOp(),
        c.getHashes(),
        c.getClaims(),
        c.getMissing(),
        c.getRevotable());
  }

  private static String json(StoredClosedVersion v) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    JsonEncoder encoder =
        EncoderFactory.get().jsonEncoder(StoredClosedVersion.getClassSchema(), out);
    v.customEncode(encoder);
    encoder.flush();
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void aClosedVersionChangedAfterAWriteIsWrittenAsChanged() {
    // Given: an entity written once
    EntityState s = busyEntity();
    s.openVersions().get(22L).reports().remove("n3");
    AvroStoreSerde<EntityState, ?> serde = StoreSerdes.entityStates();
    serde.serialize(s);
    long lagging = 7;
    assertThat(s.closedVersions().get(lagging).missing()).containsExactly("n3");

    // When: the lagging node reports late (a hash added, a missing node removed), and a summary is
    // changed in place
    Reconciler.onReport(s, report("n3", lagging, "s7", "op7"), MEMBERS, POLICY, 500);
    EntityState.ClosedVersion other = s.closedVersions().get(12L);
    other.hashes().put("n2", hash("changed"));
    EntityState back = serde.deserialize(serde.serialize(s));

    // Then
    assertThat(mapForm(back))
        .usingRecursiveComparison()
        .ignoringFieldsMatchingRegexes(STORE_FORM)
        .isEqualTo(mapForm(s));
    assertThat(back.closedVersions().get(lagging).missing()).isEmpty();
    assertThat(back.closedVersions().get(lagging).hashes()).containsKey("n3");
    assertThat(back.closedVersions().get(12L).hashes().get("n2")).isEqualTo(hash("changed"));
  }

  @Test
  void emptyAndNullPartsReadBackEqual() {
    EntityState s = new EntityState();
    AvroStoreSerde<EntityState, ?> serde = StoreSerdes.entityStates();

    EntityState back = serde.deserialize(serde.serialize(s));

    assertThat(mapForm(back))
        .usingRecursiveComparison()
        .ignoringFieldsMatchingRegexes(STORE_FORM)
        .isEqualTo(mapForm(s));
    assertThat(back.group()).isNull();
    assertThat(back.openVersions()).isEmpty();
    assertThat(back.closedVersions()).isEmpty();
    assertThat(serde.serialize(null)).isNull();
    assertThat(serde.deserialize(null)).isNull();
    // null collections are stored empty
    EntityState nulls = EntityState.restore("g", "e", null, null, 0, 0);
    assertThat(serde.deserialize(serde.serialize(nulls)).openVersions()).isEmpty();
  }

  @Test
  void aHashThatIsNotLowerCaseHexCannotBeWritten() {
    EntityState s = new EntityState("g", "e");
    Reconciler.onReport(
        s,
        new ReplicaReport("ev", "g", "e", 1, "n1", "", "ABCDEF", "op", "", 1, null),
        MEMBERS,
        POLICY,
        1);
    AvroStoreSerde<EntityState, ?> serde = StoreSerdes.entityStates();

    assertThatThrownBy(() -> serde.serialize(s))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("cannot write EntityState")
        .hasMessageContaining("stateHash 'ABCDEF'")
        .hasMessageContaining("lower-case hex");
  }

  @Test
  void nodeLedgerReadsBackEqual() {
    NodeLedger l = new NodeLedger();
    GroupPolicy p = POLICY;
    for (long seq = 0; seq < NodeLedger.BATCH_WINDOW + 5; seq++) {
      l.rememberBatch(seq, hash("batch" + seq).substring(0, 32));
      l.admit(p, 1_000 + seq);
    }
    l.inFlight = 7;
    l.flooding = true;
    AvroStoreSerde<NodeLedger, ?> serde = StoreSerdes.nodeLedgers();

    NodeLedger back = serde.deserialize(serde.serialize(l));

    assertThat(back).usingRecursiveComparison().isEqualTo(l);
    assertThat(back.tokens).isEqualTo(l.tokens);
    l.inFlight--;
    assertThat(serde.deserialize(serde.serialize(l))).usingRecursiveComparison().isEqualTo(l);
    l.recentBatches.put(l.recentBatches.lastKey(), hash("replaced"));
    assertThat(serde.deserialize(serde.serialize(l)).recentBatches.lastEntry().getValue())
        .isEqualTo(hash("replaced"));
    l.recentBatches.put(Long.MAX_VALUE, "");
    l.tokens = Double.MAX_VALUE;
    l.unverifiedTokens = Double.NEGATIVE_INFINITY;
    assertThat(serde.deserialize(serde.serialize(l))).usingRecursiveComparison().isEqualTo(l);
    l.tokens = Double.NaN;
    assertThat(serde.deserialize(serde.serialize(l)).tokens).isNaN();
    assertThat(serde.deserialize(serde.serialize(new NodeLedger())))
        .usingRecursiveComparison()
        .isEqualTo(new NodeLedger());
  }

  @Test
  void findingReadsBackEqual() {
    EntityState s = busyEntity();
    s.openVersions().get(22L).reports().remove("n3");
    List<Finding> findings = new ArrayList<>();
    findings.addAll(Reconciler.close(s, 21, MEMBERS, POLICY, 400));
    findings.addAll(Reconciler.close(s, 22, MEMBERS, POLICY, 401));
    findings.add(
        Finding.episode(
            AlertType.FLOOD,
            "g",
            "n1",
            "flood ✓",
            5,
            6,
            Map.of("excess", "3", "b", "x", "ключ", "значение"),
            List.of(
                new EvidenceRef("t", 1, 2, "n1", "k", 3, new byte[] {9, 8}, false),
                report("n1", 1, "s1", "op1").evidence())));
    findings.add(
        new Finding(
            Finding.Kind.RESOLVE,
            AlertType.NODE_SILENT,
            null,
            null,
            null,
            List.of("b", "a"),
            null,
            null,
            Long.MIN_VALUE,
            Long.MAX_VALUE,
            Map.of(),
            List.of()));
    assertThat(findings).hasSizeGreaterThan(2);
    AvroStoreSerde<Finding, ?> serde = StoreSerdes.findings();

    for (Finding f : findings) {
      assertThat(serde.deserialize(serde.serialize(f))).usingRecursiveComparison().isEqualTo(f);
    }
  }

  @Test
  void alertRecordReadsBackEqual() {
    AlertRecord r = new AlertRecord();
    r.identityKey = "DIVERGENCE|g|acct|5|n2";
    r.alertId = "0123456789abcdef";
    r.type = AlertType.DIVERGENCE;
    r.severity = Severity.values()[Severity.values().length - 1];
    r.status = AlertStatus.OPEN;
    r.group = "g";
    r.entityKey = "acct-é";
    r.version = Long.MAX_VALUE;
    r.nodes = new ArrayList<>(List.of("n2"));
    r.majorityHash = hash("s5");
    r.detail = "detail ✓";
    r.evidence = new ArrayList<>(List.of(report("n2", 5, "bad", "op5").evidence()));
    r.firstEventTime = 5_000;
    r.detectedAt = 5_100;
    r.resolvedAt = 6_000L;
    r.episode = 3;
    r.count = 12;
    r.outstanding = 2;
    r.firstOccurrence = "acct@5";
    r.lastOccurrence = "acct@9";
    r.lastOccurrenceAt = 9;
    r.lastSeenWall = 10;
    r.lastPublishedWall = 11;
    r.pendingUpdate = true;
    r.resolvedByQuiet = true;
    AvroStoreSerde<AlertRecord, ?> serde = StoreSerdes.alertRecords();

    assertThat(serde.deserialize(serde.serialize(r))).usingRecursiveComparison().isEqualTo(r);
    AlertRecord empty = new AlertRecord();
    assertThat(serde.deserialize(serde.serialize(empty)))
        .usingRecursiveComparison()
        .isEqualTo(empty);
  }

  @Test
  void livenessReadsBackEqual() {
    Liveness l = new Liveness();
    AvroStoreSerde<Liveness, ?> serde = StoreSerdes.liveness();
    assertThat(serde.deserialize(serde.serialize(l))).usingRecursiveComparison().isEqualTo(l);
    l.nodeId = "nœud-✓";
    l.lastHeartbeat = Long.MAX_VALUE;
    l.silenceThresholdMs = 30_000;
    l.silent = true;
    l.stopping = true;
    l.lastSequence = 42;

    assertThat(serde.deserialize(serde.serialize(l))).usingRecursiveComparison().isEqualTo(l);
  }

  @Test
  void valuesOfTheFormerBinaryAndJsonSerdesFailWithWhatToDo() {
    AvroStoreSerde<EntityState, ?> serde = StoreSerdes.entityStates();
    byte[] binary = {(byte) 0xB1, 2, 1, 'g', 1, 1, 'e'};
    byte[] json = "{\"group\":\"g\",\"entityKey\":\"e\"}".getBytes(StandardCharsets.UTF_8);

    for (byte[] old : List.of(binary, json)) {
      assertThatThrownBy(() -> serde.deserialize(old))
          .isInstanceOf(SerializationException.class)
          .hasMessageContaining("cannot read EntityState")
          .hasMessageContaining("written by an older Herald build")
          .hasMessageContaining("kafka-streams-application-reset")
          .hasMessageContaining("--state-dir");
    }
    assertThatThrownBy(() -> serde.deserialize(binary)).hasMessageContaining("binary 0xB1");
    assertThatThrownBy(() -> serde.deserialize(json)).hasMessageContaining("JSON");
  }

  @Test
  void aValueOfAnOlderSchemaIsResolved() throws IOException {
    // Given: an older ledger schema with a field the current one dropped
    Schema current = StoreSerdes.nodeLedgers().schema();
    String text = current.toString();
    Schema older =
        new Schema.Parser()
            .parse(
                text.replace(
                    "{\"name\":\"tokens\"",
                    "{\"name\":\"legacy\",\"type\":\"string\"},{\"name\":\"tokens\""));
    long olderFingerprint = SchemaNormalization.parsingFingerprint64(older);
    GenericRecord value = new GenericData.Record(older);
    value.put("legacy", "x");
    value.put("tokens", 2.5);
    value.put("refilledAt", 7L);
    value.put("inFlight", 3);
    value.put("flooding", true);
    GenericRecord digest =
        new GenericData.Record(older.getField("recentBatches").schema().getElementType());
    digest.put("batchSeq", 4L);
    digest.put("digest", ByteBuffer.wrap(new byte[] {(byte) 0xab, 0x01}));
    value.put("recentBatches", List.of(digest));
    value.put("unverifiedTokens", -1.0);
    value.put("unverifiedRefilledAt", 0L);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(new byte[] {(byte) 0xC3, 0x01});
    out.write(
        ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(olderFingerprint).array());
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<GenericRecord>(older).write(value, encoder);
    encoder.flush();
    byte[] bytes = out.toByteArray();

    // When: read by a serde that knows the older schema, and by one that does not
    AvroStoreSerde<NodeLedger, StoredLedger> knowing =
        new AvroStoreSerde<>(
            "NodeLedger",
            StoredLedger.class,
            StoreMapping::toAvro,
            StoreMapping::fromAvro,
            Map.of(olderFingerprint, older));
    NodeLedger read = knowing.deserialize(bytes);

    // Then
    assertThat(read.tokens).isEqualTo(2.5);
    assertThat(read.inFlight).isEqualTo(3);
    assertThat(read.recentBatches).containsExactly(Map.entry(4L, "ab01"));
    assertThatThrownBy(() -> StoreSerdes.nodeLedgers().deserialize(bytes))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("unknown schema")
        .hasMessageContaining(String.format("%016x", olderFingerprint));
  }

  @Test
  void everyReleasedSchemaIsKnownToTheSerde() {
    assertThat(StoreSchemas.released().values())
        .extracting(Schema::getFullName)
        .contains(
            StoreSerdes.entityStates().schema().getFullName(),
            StoreSerdes.nodeLedgers().schema().getFullName(),
            StoreSerdes.findings().schema().getFullName(),
            StoreSerdes.liveness().schema().getFullName(),
            StoreSerdes.alertRecords().schema().getFullName());
    assertThat(StoreSchemas.released())
        .containsKey(StoreSerdes.entityStates().fingerprint())
        .containsKey(StoreSerdes.alertRecords().fingerprint());
  }

  @Test
  void truncatedForeignAndGarbageBytesFailOnlyWithSerializationException() {
    AvroStoreSerde<EntityState, ?> serde = StoreSerdes.entityStates();
    byte[] bytes = serde.serialize(busyEntity());

    assertThatThrownBy(() -> serde.deserialize(Arrays.copyOf(bytes, bytes.length / 2)))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("cannot read EntityState");
    assertThatThrownBy(() -> serde.deserialize(Arrays.copyOf(bytes, bytes.length + 1)))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("bytes left");
    assertThatThrownBy(() -> serde.deserialize(new byte[] {7, 1, 2}))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("not an auditor store value");
    assertThatThrownBy(() -> serde.deserialize(new byte[0]))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("empty value");
    // a count far larger than the value fails before anything is allocated
    byte[] hugeCount = Arrays.copyOf(bytes, 14);
    hugeCount[10] = 2; // group: union branch 1 (string)
    hugeCount[11] = (byte) 0xfe; // length: zig-zag varint of a huge number
    hugeCount[12] = (byte) 0xff;
    hugeCount[13] = (byte) 0x7f;
    assertThatThrownBy(() -> serde.deserialize(hugeCount))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("corrupt");
    // random damage behind a valid header: a SerializationException or a value, nothing else
    Random random = new Random(18);
    for (int i = 0; i < 3_000; i++) {
      byte[] damaged = bytes.clone();
      int flips = 1 + random.nextInt(8);
      for (int f = 0; f < flips; f++) {
        damaged[AvroStoreSerde.HEADER + random.nextInt(damaged.length - AvroStoreSerde.HEADER)] =
            (byte) random.nextInt(256);
      }
      byte[] value =
          random.nextBoolean()
              ? damaged
              : Arrays.copyOf(damaged, AvroStoreSerde.HEADER + random.nextInt(bytes.length));
      try {
        serde.deserialize(value);
      } catch (SerializationException expected) {
        assertThat(expected).hasMessageStartingWith("cannot read EntityState");
      }
    }
  }

  /**
   * {@link StoreMapping} maps these fields; a new field must be added there, to the schema (and
   * here), or it would be lost at the next store write.
   */
  @Test
  void theMappingCoversEveryStoredField() {
    assertThat(fields(EntityState.class))
        .containsExactlyInAnyOrder(
            "group", "entityKey", "open", "closed", "forgottenBelow", "highestClosed");
    assertThat(fields(EntityState.VersionSlot.class))
        .containsExactlyInAnyOrder(
            "version", "openedAt", "firstEventTime", "reports", "equivocators");
    assertThat(fields(EntityState.ClosedVersion.class))
        .containsExactlyInAnyOrder(
            "version", "agreedHash", "agreedOp", "hashes", "claims", "missing", "revotable");
    assertThat(fields(Liveness.class))
        .containsExactlyInAnyOrder(
            "nodeId", "lastHeartbeat", "silenceThresholdMs", "silent", "stopping", "lastSequence");
    assertThat(fields(NodeLedger.class))
        .containsExactlyInAnyOrder(
            "tokens",
            "refilledAt",
            "inFlight",
            "flooding",
            "recentBatches",
            "unverifiedTokens",
            "unverifiedRefilledAt");
    assertThat(fields(AlertRecord.class))
        .containsExactlyInAnyOrder(
            "identityKey",
            "alertId",
            "type",
            "severity",
            "status",
            "group",
            "entityKey",
            "version",
            "nodes",
            "majorityHash",
            "detail",
            "evidence",
            "firstEventTime",
            "detectedAt",
            "resolvedAt",
            "episode",
            "count",
            "outstanding",
            "firstOccurrence",
            "lastOccurrence",
            "lastOccurrenceAt",
            "lastSeenWall",
            "lastPublishedWall",
            "pendingUpdate",
            "resolvedByQuiet");
    assertThat(components(ReplicaReport.class))
        .containsExactly(
            "eventId",
            "group",
            "entityKey",
            "version",
            "nodeId",
            "prevHash",
            "stateHash",
            "opId",
            "opDigest",
            "eventTime",
            "evidence");
    assertThat(components(EvidenceRef.class))
        .containsExactly(
            "topic",
            "partition",
            "offset",
            "nodeId",
            "keyId",
            "batchSeq",
            "record",
            "signatureValid",
            "sha256");
    assertThat(components(Finding.class))
        .containsExactly(
            "kind",
            "type",
            "group",
            "entityKey",
            "version",
            "nodes",
            "majorityHash",
            "detail",
            "firstEventTime",
            "detectedAt",
            "attributes",
            "evidence");
  }

  /**
   * Caches, not part of the value: the closed versions' kept store form, and an entity's closed
   * window as arrays (transient, built on first use).
   */
  private static final String STORE_FORM = ".*storeForm|.*window.*";

  /**
   * {@code e} with its closed window in map form (an entity holds it as a map or as arrays,
   * whichever it was last used as), so two entities compare field by field.
   */
  private static EntityState mapForm(EntityState e) {
    e.closedVersions();
    return e;
  }

  private static Set<String> fields(Class<?> type) {
    return Arrays.stream(type.getDeclaredFields())
        .filter(
            f -> !Modifier.isStatic(f.getModifiers()) && !Modifier.isTransient(f.getModifiers()))
        .map(Field::getName)
        .collect(Collectors.toSet());
  }

  private static List<String> components(Class<?> type) {
    return Arrays.stream(type.getRecordComponents()).map(RecordComponent::getName).toList();
  }
}
