package dev.herald.auditor.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.auditor.alerting.AlertRecord;
import dev.herald.auditor.detect.EntityState;
import dev.herald.auditor.detect.EvidenceRef;
import dev.herald.auditor.detect.Finding;
import dev.herald.auditor.detect.NodeLedger;
import dev.herald.auditor.detect.Reconciler;
import dev.herald.auditor.detect.ReplicaReport;
import dev.herald.auditor.policy.AuditPolicy;
import dev.herald.auditor.policy.GroupPolicy;
import dev.herald.schema.AlertStatus;
import dev.herald.schema.AlertType;
import dev.herald.schema.Severity;
import dev.herald.schema.Topics;
import dev.herald.schema.canonical.Hashing;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/**
 * The binary store layouts: every value reads back equal to what was written, values written by the
 * former JSON serde still read, and a field added to a stored class without a layout fails here
 * instead of being dropped from the stores.
 */
class StoreCodecsTest {
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
    // a report that is not like its neighbours: another topic, unusual strings, evidence bytes
    ReplicaReport odd =
        new ReplicaReport(
            "ev-ABC",
            "g",
            "acct-é",
            22,
            "n2",
            "ABCDEF",
            "0a1",
            "",
            "not hex at all ✓",
            -5,
            new EvidenceRef("other-topic", 0, -1, "n9", null, -3, new byte[] {0, 1, -1}, false));
    Reconciler.onReport(s, odd, MEMBERS, POLICY, 302);
    s.openVersions().get(22L).reports.put("n3", null);
    return s;
  }

  @Test
  void entityStateReadsBackEqual() {
    EntityState s = busyEntity();
    assertThat(s.closedVersions()).hasSize(EntityState.CLOSED_WINDOW);
    assertThat(s.forgottenBelow()).isPositive();
    BinarySerde<EntityState> serde = StoreCodecs.entityStates();

    byte[] bytes = serde.serialize(s);
    EntityState back = serde.deserialize(bytes);

    assertThat(back).usingRecursiveComparison().isEqualTo(s);
    assertThat(back.openVersions()).isInstanceOf(TreeMap.class);
    assertThat(back.closedVersions().values())
        .allSatisfy(c -> assertThat(c.hashes).isInstanceOf(TreeMap.class));
    assertThat(back.openVersions().get(21L).equivocators)
        .isInstanceOf(HashSet.class)
        .containsExactly("n1");
    assertThat(serde.serialize(back)).isEqualTo(bytes);
    assertThat(bytes.length)
        .isLessThan(new JsonSerde<>(EntityState.class).serializer().serialize("t", s).length / 2);
  }

  @Test
  void aClosedVersionChangedAfterAWriteIsWrittenAsChanged() {
    // Given: an entity written once, its closed summaries remembered encoded
    EntityState s = busyEntity();
    s.openVersions().get(22L).reports.remove("n3");
    BinarySerde<EntityState> serde = StoreCodecs.entityStates();
    serde.serialize(s);
    long lagging = 7;
    assertThat(s.closedVersions().get(lagging).missing).containsExactly("n3");

    // When: the lagging node reports late (a hash added, a missing node removed), and a summary is
    // changed by hand in place
    Reconciler.onReport(s, report("n3", lagging, "s7", "op7"), MEMBERS, POLICY, 500);
    EntityState.ClosedVersion other = s.closedVersions().get(12L);
    other.agreedOp = "op-changed";
    other.hashes.put("n2", hash("changed"));
    EntityState back = serde.deserialize(serde.serialize(s));

    // Then
    assertThat(back).usingRecursiveComparison().isEqualTo(s);
    assertThat(back.closedVersions().get(lagging).missing).isEmpty();
    assertThat(back.closedVersions().get(lagging).hashes).containsKey("n3");
    assertThat(back.closedVersions().get(12L).agreedOp).isEqualTo("op-changed");
    assertThat(back.closedVersions().get(12L).hashes.get("n2")).isEqualTo(hash("changed"));
  }

  @Test
  void emptyAndNullPartsReadBackEqual() {
    EntityState s = EntityState.restore(null, null, null, new TreeMap<>(), 0, 0);
    BinarySerde<EntityState> serde = StoreCodecs.entityStates();

    EntityState back = serde.deserialize(serde.serialize(s));

    assertThat(back).usingRecursiveComparison().isEqualTo(s);
    assertThat(back.openVersions()).isNull();
    assertThat(back.closedVersions()).isEmpty();
    assertThat(serde.serialize(null)).isNull();
    assertThat(serde.deserialize(null)).isNull();
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
    BinarySerde<NodeLedger> serde = StoreCodecs.nodeLedgers();

    NodeLedger back = serde.deserialize(serde.serialize(l));

    assertThat(back).usingRecursiveComparison().isEqualTo(l);
    assertThat(back.tokens).isEqualTo(l.tokens);
    // the window's encoding is reused only while it holds the same entries
    l.inFlight--;
    assertThat(serde.deserialize(serde.serialize(l))).usingRecursiveComparison().isEqualTo(l);
    l.rememberBatch(1_000, hash("later").substring(0, 32));
    assertThat(serde.deserialize(serde.serialize(l))).usingRecursiveComparison().isEqualTo(l);
    l.recentBatches.put(l.recentBatches.lastKey(), "replaced");
    assertThat(serde.deserialize(serde.serialize(l)).recentBatches.lastEntry().getValue())
        .isEqualTo("replaced");
    assertThat(serde.deserialize(serde.serialize(new NodeLedger())))
        .usingRecursiveComparison()
        .isEqualTo(new NodeLedger());
  }

  @Test
  void findingReadsBackEqual() {
    EntityState s = busyEntity();
    s.openVersions().get(22L).reports.remove("n3");
    List<Finding> findings = new ArrayList<>();
    findings.addAll(Reconciler.close(s, 21, MEMBERS, POLICY, 400));
    findings.addAll(Reconciler.close(s, 22, MEMBERS, POLICY, 401));
    findings.add(
        Finding.episode(
            AlertType.FLOOD,
            "g",
            "n1",
            "flood",
            5,
            6,
            Map.of("excess", "3", "b", "x"),
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
            "back",
            1,
            2,
            Map.of(),
            List.of()));
    assertThat(findings).hasSizeGreaterThan(2);
    BinarySerde<Finding> serde = StoreCodecs.findings();

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
    r.entityKey = "acct";
    r.version = 5L;
    r.nodes = new ArrayList<>(List.of("n2"));
    r.majorityHash = hash("s5");
    r.detail = "detail";
    r.evidence = new ArrayList<>(List.of(report("n2", 5, "bad", "op5").evidence()));
    r.firstEventTime = 5_000;
    r.detectedAt = 5_100;
    r.resolvedAt = 6_000L;
    r.episode = 3;
    r.count = 12;
    r.outstanding = 2;
    r.firstOccurrence = "acct@5";
    r.lastOccurrence = "acct@9";
    BinarySerde<AlertRecord> serde = StoreCodecs.alertRecords();

    assertThat(serde.deserialize(serde.serialize(r))).usingRecursiveComparison().isEqualTo(r);
    AlertRecord empty = new AlertRecord();
    assertThat(serde.deserialize(serde.serialize(empty)))
        .usingRecursiveComparison()
        .isEqualTo(empty);
  }

  @Test
  void valuesWrittenAsJsonStillRead() {
    EntityState s = busyEntity();
    s.openVersions().get(22L).reports.remove("n3");
    NodeLedger l = new NodeLedger();
    l.rememberBatch(1, "ab");

    byte[] entityJson = new JsonSerde<>(EntityState.class).serializer().serialize("t", s);
    byte[] ledgerJson = new JsonSerde<>(NodeLedger.class).serializer().serialize("t", l);

    // the JSON reader made other map types (LinkedHashMap for a Map field): compare the layouts
    BinarySerde<EntityState> entities = StoreCodecs.entityStates();
    BinarySerde<NodeLedger> ledgers = StoreCodecs.nodeLedgers();
    assertThat(entities.serialize(entities.deserialize(entityJson)))
        .isEqualTo(entities.serialize(s));
    assertThat(ledgers.deserialize(ledgerJson)).usingRecursiveComparison().isEqualTo(l);
  }

  @Test
  void truncatedOrForeignBytesAreRejected() {
    BinarySerde<EntityState> serde = StoreCodecs.entityStates();
    byte[] bytes = serde.serialize(busyEntity());

    assertThatThrownBy(() -> serde.deserialize(Arrays.copyOf(bytes, bytes.length / 2)))
        .isInstanceOf(SerializationException.class);
    assertThatThrownBy(() -> serde.deserialize(new byte[] {7, 1, 2}))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("format");
  }

  /**
   * The layouts in {@link StoreCodecs} list these fields; a new field must be added there (and
   * here), or it would be lost at the next store write.
   */
  @Test
  void layoutsCoverEveryStoredField() {
    assertThat(fields(EntityState.class))
        .containsExactlyInAnyOrder(
            "group", "entityKey", "open", "closed", "forgottenBelow", "highestClosed");
    assertThat(fields(EntityState.VersionSlot.class))
        .containsExactlyInAnyOrder(
            "version", "openedAt", "firstEventTime", "reports", "equivocators");
    assertThat(fields(EntityState.ClosedVersion.class))
        .containsExactlyInAnyOrder(
            "version", "agreedHash", "agreedOp", "hashes", "claims", "missing", "revotable");
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

  private static Set<String> fields(Class<?> type) {
    return Arrays.stream(type.getDeclaredFields())
        .filter(f -> !Modifier.isStatic(f.getModifiers()))
        .map(Field::getName)
        .collect(Collectors.toSet());
  }

  private static List<String> components(Class<?> type) {
    return Arrays.stream(type.getRecordComponents()).map(RecordComponent::getName).toList();
  }
}
