package dev.herald.auditor.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.herald.auditor.detect.EntityState;
import dev.herald.auditor.policy.AuditPolicy;
import dev.herald.auditor.policy.PolicyHolder;
import dev.herald.auditor.policy.PolicyLoader;
import dev.herald.schema.AlertStatus;
import dev.herald.schema.AlertType;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.DeadLetter;
import dev.herald.schema.ReportBatch;
import dev.herald.schema.Topics;
import dev.herald.schema.signing.Ed25519;
import dev.herald.testsupport.Fleet;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reconciliation topology on {@link TopologyTestDriver}: wiring, grace and silence punctuation,
 * DLQ routing, RESOLVED transitions and store hygiene. No broker.
 */
class AuditorTopologyTest {
  private static final String G = "g";
  private static final List<String> MEMBERS = List.of("n1", "n2", "n3");

  @TempDir Path stateDir;
  private final TestReplicas replicas = new TestReplicas();
  @AutoClose private TopologyRig rig;
  private final List<AuditAlert> seen = new ArrayList<>();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  private void start(AuditPolicy policy) {
    start(policy, InputFrontier.NONE);
  }

  private void start(AuditPolicy policy, InputFrontier frontier) {
    start(() -> policy, frontier);
  }

  private void start(Supplier<AuditPolicy> policies, InputFrontier frontier) {
    rig =
        TopologyRig.reconciliation(
            replicas, stateDir, "auditor-test", policies, meters, 0, frontier);
    for (String n : MEMBERS) {
      rig.nodes.pipeInput(n, replicas.registration(n, List.of(G)));
    }
    rig.nodes.pipeInput("outsider", replicas.registration("outsider", List.of("other")));
  }

  private void allReport(String entity, long v, long time) {
    for (String n : MEMBERS) {
      rig.send(n, time, replicas.signedBatch(n, replicas.honest(n, G, entity, v)));
    }
  }

  private List<AuditAlert> newAlerts() {
    List<AuditAlert> out = new ArrayList<>(rig.alerts.readValuesToList());
    seen.addAll(out);
    return out;
  }

  private void assertSingleNewAlert(AlertType type, String node) {
    assertThat(newAlerts())
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.getType()).isEqualTo(type);
              assertThat(a.getNodes()).containsExactly(node);
            });
  }

  /** Starts with an input frontier the test moves: empty (records pending) until set. */
  private AtomicReference<OptionalLong> startWithFrontier() {
    AtomicReference<OptionalLong> caughtUp = new AtomicReference<>(OptionalLong.empty());
    start(AuditPolicy.DEFAULT, (topic, partition) -> caughtUp.get());
    return caughtUp;
  }

  private KeyValueStore<String, EntityState> entities() {
    return rig.driver.getKeyValueStore(AuditorStores.ENTITIES);
  }

  private long deadlineEntries() {
    KeyValueStore<Bytes, byte[]> d = rig.driver.getKeyValueStore(AuditorStores.DEADLINES);
    long n = 0;
    try (KeyValueIterator<Bytes, byte[]> it = d.all()) {
      while (it.hasNext()) {
        if (it.next().key.get()[0] == 0) {
          n++;
        }
      }
    }
    return n;
  }

  @Test
  void writeBackCacheSettingsNameAWriteBackStoreAndAPositiveCount() {
    AuditorTopology.checkWriteBackSettings(
        java.util.Map.of("herald.writeback.herald-entities.entries", "4096", "linger.ms", "5"));

    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                AuditorTopology.checkWriteBackSettings(
                    java.util.Map.of("herald.writeback.herald-entity.entries", "4096")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("unknown setting herald.writeback.herald-entity.entries")
        .hasMessageContaining("herald-entities");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                AuditorTopology.checkWriteBackSettings(
                    java.util.Map.of("herald.writeback.herald-claims.entries", "lots")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must be a positive number of entries per task, got 'lots'");
  }

  @Test
  void honestReplicasRaiseNothingAndTheClosedVersionLeavesTheStore() {
    start(AuditPolicy.DEFAULT);
    allReport("a", 1, 1_000);
    allReport("a", 2, 1_100);
    rig.send("n1", 5_000, replicas.signedBatch("n1")); // an empty batch only advances stream time
    assertThat(newAlerts()).isEmpty();
    assertThat(rig.dlq.isEmpty()).isTrue();
    assertThat(entities().get(EntityState.entityId("g", "a")).openVersions()).isEmpty();
    assertThat(deadlineEntries()).isZero();
  }

  @Test
  void aVersionClosedByItsLastReportLeavesNoDeadlineToComeDue() {
    start(AuditPolicy.DEFAULT);
    rig.send("n1", 1_000, replicas.signedBatch("n1", replicas.honest("n1", G, "a", 1)));
    assertThat(deadlineEntries()).isOne();

    for (String n : MEMBERS) {
      if (!n.equals("n1")) {
        rig.send(n, 1_100, replicas.signedBatch(n, replicas.honest(n, G, "a", 1)));
      }
    }

    // closed well within its 2 s grace, before stream time reaches the deadline
    assertThat(entities().get(EntityState.entityId("g", "a")).openVersions()).isEmpty();
    assertThat(deadlineEntries()).isZero();
    assertThat(newAlerts()).isEmpty();
  }

  @Test
  void graceExpiryByStreamTimeRaisesLagThatResolvesWhenTheReplicaCatchesUp() {
    start(AuditPolicy.DEFAULT);
    rig.send("n1", 1_000, replicas.signedBatch("n1", replicas.honest("n1", G, "a", 1)));
    rig.send("n2", 1_000, replicas.signedBatch("n2", replicas.honest("n2", G, "a", 1)));
    assertThat(newAlerts()).isEmpty();
    assertThat(deadlineEntries()).isOne();

    rig.send("n1", 3_500, replicas.signedBatch("n1")); // stream time passes the 2 s grace
    List<AuditAlert> opened = newAlerts();
    assertThat(opened)
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.getType()).isEqualTo(AlertType.REPLICA_LAG);
              assertThat(a.getStatus()).isEqualTo(AlertStatus.OPEN);
              assertThat(a.getNodes()).containsExactly("n3");
              assertThat(a.getEntityKey()).isNull();
            });
    assertThat(entities().get(EntityState.entityId("g", "a")).openVersions()).isEmpty();
    assertThat(deadlineEntries()).isZero();

    rig.send("n3", 3_600, replicas.signedBatch("n3", replicas.honest("n3", G, "a", 1)));
    assertThat(newAlerts())
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.getStatus()).isEqualTo(AlertStatus.RESOLVED);
              assertThat(a.getAlertId()).isEqualTo(opened.get(0).getAlertId());
            });
  }

  @Test
  void divergenceCarriesTheSignedEvidenceOfTheMinority() {
    start(AuditPolicy.DEFAULT);
    rig.send("n1", 1_000, replicas.signedBatch("n1", replicas.honest("n1", G, "a", 1)));
    rig.send("n2", 1_000, replicas.signedBatch("n2", replicas.honest("n2", G, "a", 1)));
    byte[] bad = replicas.signedBatch("n3", replicas.change("n3", G, "a", 1, "", "evil", "op1"));
    rig.send("n3", 1_000, bad);
    assertThat(newAlerts())
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.getType()).isEqualTo(AlertType.DIVERGENCE);
              assertThat(a.getNodes()).containsExactly("n3");
              assertThat(a.getVersion()).isEqualTo(1L);
              assertThat(a.getEvidence())
                  .singleElement()
                  .satisfies(
                      e -> {
                        assertThat(e.getSignatureValid()).isTrue();
                        assertThat(e.getRecord().array()).isEqualTo(bad);
                      });
            });
  }

  @Test
  void badRecordsGoToTheDeadLetterTopicWithAReasonAndAuditingContinues() {
    start(PolicyLoader.parse("limits:\n  maxRecordBytes: 4096\n"));
    rig.send("x", 1_000, new byte[] {1, 2, 3});
    rig.send("x", 1_000, new byte[] {0, 0, 0, 0, 99, 1, 2});
    rig.send("x", 1_000, new byte[5000]);
    ReportBatch invalid = replicas.batch("n1", List.of(replicas.honest("n1", G, "a", 1)));
    invalid.getReports().get(0).setVersion(0);
    rig.send("n1", 1_000, replicas.signed(invalid));
    allReport("b", 1, 1_100);
    List<DeadLetter> letters = rig.dlq.readValuesToList();
    assertThat(letters)
        .extracting(DeadLetter::getReason)
        .containsExactly("BAD_MAGIC_BYTE", "UNKNOWN_SCHEMA", "OVERSIZED", "INVALID");
    assertThat(letters.get(0).getValue().array()).containsExactly(1, 2, 3);
    assertThat(letters.get(0).getTopic()).isEqualTo(Topics.STATE_CHANGES);
    assertThat(newAlerts()).isEmpty();
    assertThat(entities().get(EntityState.entityId("g", "b")).closedVersions()).containsKey(1L);
    assertThat(meters.get("herald_dead_letters").tag("reason", "INVALID").counter().count())
        .isEqualTo(1.0);
    assertThat(meters.get("herald_reports").tag("outcome", "accepted").counter().count())
        .isEqualTo(3.0);
  }

  @Test
  void aReloadedPolicyAppliesFromTheNextRecordWithoutARestart(@TempDir Path dir) throws Exception {
    // Given an auditor running on the default policy (records up to 512 KiB)
    PolicyHolder policies = new PolicyHolder(AuditPolicy.DEFAULT);
    start(policies, InputFrontier.NONE);
    rig.send("x", 1_000, new byte[5000]);
    assertThat(rig.dlq.readValuesToList())
        .extracting(DeadLetter::getReason)
        .doesNotContain("OVERSIZED");

    // When the operator's policy file now limits records to 4 KiB and is reloaded
    Path file = dir.resolve("policy.yaml");
    Files.writeString(file, "limits:\n  maxRecordBytes: 4096\n");
    assertThat(policies.reload(file)).isInstanceOf(PolicyHolder.Applied.class);

    // Then the same record is now OVERSIZED, and honest traffic is still audited
    rig.send("x", 1_100, new byte[5000]);
    allReport("a", 1, 1_200);
    assertThat(rig.dlq.readValuesToList())
        .extracting(DeadLetter::getReason)
        .containsExactly("OVERSIZED");
    assertThat(newAlerts()).isEmpty();
    assertThat(entities().get(EntityState.entityId("g", "a")).closedVersions()).containsKey(1L);
  }

  @Test
  void validlySignedBatchWrittenToAnotherPartitionIsMisplacedAndBlamesNobody() {
    start(AuditPolicy.DEFAULT);
    ReportBatch misplaced = replicas.batch("n2", List.of(replicas.honest("n2", G, "a", 1)));
    misplaced.setPartition(3);
    rig.send("n2", 1_000, replicas.signed(misplaced));
    // n2 signed "partition 3" into the batch: whoever wrote it to partition 0 was not n2
    assertThat(newAlerts()).isEmpty();
    assertThat(rig.dlq.readValuesToList())
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.getReason()).isEqualTo("MISPLACED");
              assertThat(d.getDetail()).contains("signed for partition 3");
            });
    assertThat(entities().get(EntityState.entityId("g", "a"))).isNull();
  }

  @Test
  void forgedBatchIsAlertedOnceAndExcludedFromReconciliation() {
    start(AuditPolicy.DEFAULT);
    Ed25519.KeyPair attacker = Fleet.filledKey(0);
    ReportBatch forged =
        replicas.batch("n3", List.of(replicas.change("n3", G, "a", 1, "", "evil", "op1")));
    rig.send("n3", 1_000, replicas.signedWith(forged, attacker));
    ReportBatch forged2 =
        replicas.batch("n3", List.of(replicas.change("n3", G, "a", 2, "s1", "evil", "op2")));
    rig.send("n3", 1_000, replicas.signedWith(forged2, attacker));
    allReport("a", 1, 1_000);
    List<AuditAlert> found = newAlerts();
    assertThat(found)
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.getType()).isEqualTo(AlertType.FORGED_REPORT);
              assertThat(a.getNodes()).containsExactly("n3");
              assertThat(a.getGroup()).isEqualTo(G);
              assertThat(a.getEvidence().get(0).getSignatureValid()).isFalse();
            });
  }

  @Test
  void unknownAndNonMemberReportersAreAlertedAndExcluded() {
    start(AuditPolicy.DEFAULT);
    rig.send("ghost", 1_000, replicas.signedBatch("ghost", replicas.honest("ghost", G, "a", 1)));
    rig.send(
        "outsider",
        1_000,
        replicas.signedBatch("outsider", replicas.honest("outsider", G, "a", 1)));
    allReport("a", 1, 1_000);
    assertThat(newAlerts())
        .extracting(a -> a.getType() + " " + a.getNodes())
        .containsExactlyInAnyOrder("UNKNOWN_NODE [ghost]", "NOT_A_MEMBER [outsider]");
  }

  @Test
  void floodingNodeGoesToTheDeadLetterTopicWithoutDisturbingOthers() {
    start(
        PolicyLoader.parse(
            "defaults:\n  rateBudget:\n    reportsPerSecond: 1\n    burst: 3\n"
                + "    maxInFlightVersions: 100\n"));
    List<dev.herald.schema.StateChange> flood = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      flood.add(replicas.honest("n1", G, "f" + i, 1));
    }
    rig.send("n1", 1_000, replicas.signed(replicas.batch("n1", flood)));
    allReport("a", 1, 1_100);
    // n1's own report of "a" is over budget too: its missing vote is FLOOD, not REPLICA_LAG
    assertThat(rig.dlq.readKeyValuesToList())
        .isNotEmpty()
        .allSatisfy(
            kv -> {
              assertThat(kv.key).isEqualTo("n1");
              assertThat(kv.value.getReason()).isEqualTo("FLOOD");
            });
    rig.send("n2", 9_000, replicas.signedBatch("n2"));
    assertThat(newAlerts())
        .extracting(a -> a.getType() + " " + a.getNodes())
        .containsExactly("FLOOD [n1]");
  }

  @Test
  void duplicateBatchDeliveryIsIdempotent() {
    start(AuditPolicy.DEFAULT);
    byte[] b = replicas.signedBatch("n1", replicas.honest("n1", G, "a", 1));
    rig.send("n1", 1_000, b);
    rig.send("n1", 1_000, b);
    rig.send("n2", 1_000, replicas.signedBatch("n2", replicas.honest("n2", G, "a", 1)));
    rig.send("n3", 1_000, replicas.signedBatch("n3", replicas.honest("n3", G, "a", 1)));
    rig.send("n3", 9_000, replicas.signedBatch("n3"));
    assertThat(newAlerts()).isEmpty();
    // the second copy is recognised by its signed content, counted nowhere and kept as a replay
    assertThat(rig.dlq.readValuesToList())
        .extracting(DeadLetter::getReason)
        .containsExactly("REPLAY");
    assertThat(entities().get(EntityState.entityId("g", "a")).closedVersions().get(1L).hashes())
        .containsOnlyKeys(MEMBERS);
  }

  /** A running stream thread punctuates every 250 ms; this advances the wall clock that way. */
  private void runFor(Duration duration) {
    for (long ms = 0; ms < duration.toMillis(); ms += 250) {
      rig.driver.advanceWallClockTime(Duration.ofMillis(250));
    }
  }

  @Test
  void silentNodeIsAlertedByWallClockAndResolvedByItsNextHeartbeat() {
    start(AuditPolicy.DEFAULT);
    rig.heartbeats.pipeInput("n1", replicas.heartbeat("n1", 1, 0), 0);
    runFor(Duration.ofSeconds(3));
    assertThat(newAlerts()).isEmpty();
    runFor(Duration.ofSeconds(3));
    List<AuditAlert> silent = newAlerts();
    assertThat(silent)
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.getType()).isEqualTo(AlertType.NODE_SILENT);
              assertThat(a.getGroup()).isEmpty();
              assertThat(a.getNodes()).containsExactly("n1");
            });
    rig.heartbeats.pipeInput("n1", replicas.heartbeat("n1", 2, 6_500), 6_500);
    assertThat(newAlerts())
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.getStatus()).isEqualTo(AlertStatus.RESOLVED);
              assertThat(a.getAlertId()).isEqualTo(silent.get(0).getAlertId());
            });
  }

  @Test
  void aStalledStreamThreadDoesNotDeclareTheFleetSilentWhenItWakesUp() {
    // Given two nodes that heartbeat
    start(AuditPolicy.DEFAULT);
    rig.heartbeats.pipeInput("n1", replicas.heartbeat("n1", 1, 0), 0);
    rig.heartbeats.pipeInput("n2", replicas.heartbeat("n2", 1, 0), 0);
    // When the thread does not run for 20 s (GC, overload) and then punctuates before reading
    rig.driver.advanceWallClockTime(Duration.ofSeconds(20));
    // Then nobody is silent: that time was not observed
    assertThat(newAlerts()).isEmpty();
    // And once it runs and reads nothing for longer than the threshold, silence is declared
    runFor(Duration.ofSeconds(6));
    assertThat(newAlerts()).extracting(AuditAlert::getType).containsOnly(AlertType.NODE_SILENT);
  }

  @Test
  void heartbeatsReadAheadOfReportsDoNotCloseVersionsEarly() {
    // Given n1's report of a@1, then heartbeats 20 s later read ahead of the other reports
    start(AuditPolicy.DEFAULT);
    rig.send("n1", 1_000, replicas.signedBatch("n1", replicas.honest("n1", G, "a", 1)));
    rig.heartbeats.pipeInput("n1", replicas.heartbeat("n1", 1, 20_000), 20_000);
    rig.heartbeats.pipeInput("n2", replicas.heartbeat("n2", 1, 20_000), 20_000);
    // When the other members' reports of a@1, sent at the same time as n1's, are read after them
    rig.send("n2", 1_010, replicas.signedBatch("n2", replicas.honest("n2", G, "a", 1)));
    rig.send("n3", 1_020, replicas.signedBatch("n3", replicas.honest("n3", G, "a", 1)));
    // Then the version closed with every vote: no NO_QUORUM, no REPLICA_LAG
    assertThat(newAlerts()).isEmpty();
  }

  @Test
  void aQuietPartitionStillClosesItsLastVersionByTheWallClock() {
    // Given a@1 reported by two of three members, and then nothing more on the partition
    start(AuditPolicy.DEFAULT);
    rig.send("n1", 1_000, replicas.signedBatch("n1", replicas.honest("n1", G, "a", 1)));
    rig.send("n2", 1_000, replicas.signedBatch("n2", replicas.honest("n2", G, "a", 1)));
    assertThat(newAlerts()).isEmpty();
    // When the auditor runs for longer than the grace without any report batch
    runFor(Duration.ofSeconds(6));
    // Then the version closes anyway, and the missing member lags
    assertSingleNewAlert(AlertType.REPLICA_LAG, "n3");
  }

  @Test
  void whileHeartbeatsWaitUnreadSilenceIsJudgedByTheHeartbeatsRead() {
    // Given an auditor that is behind on the heartbeat topic (records pending on the broker)
    AtomicReference<OptionalLong> caughtUp = startWithFrontier();
    // When it reads n1's heartbeats every 3 s up to 12 s, n2's only up to 3 s, over 30 s of wall
    for (long t = 0; t <= 12_000; t += 3_000) {
      rig.heartbeats.pipeInput("n1", replicas.heartbeat("n1", t / 3_000 + 1, t), t);
      if (t <= 3_000) {
        rig.heartbeats.pipeInput("n2", replicas.heartbeat("n2", t / 3_000 + 1, t), t);
      }
      runFor(Duration.ofMillis(7_500));
    }
    // Then only n2 is silent: by the heartbeats read, time went on 9 s past its last one, while
    // n1's were never more than 3 s apart, however long the wall clock took to read them
    assertSingleNewAlert(AlertType.NODE_SILENT, "n2");
  }

  @Test
  void aCaughtUpAuditorJudgesSilenceAsOfWhenItWasCaughtUp() {
    // Given a node whose last heartbeat was at 0, alone on its partition
    AtomicReference<OptionalLong> caughtUp = startWithFrontier();
    rig.heartbeats.pipeInput("n1", replicas.heartbeat("n1", 1, 0), 0);
    // When the auditor is seen caught up at 4 s: nothing (the threshold is 5 s)
    caughtUp.set(OptionalLong.of(4_000));
    runFor(Duration.ofSeconds(1));
    assertThat(newAlerts()).isEmpty();
    // And when it is behind for a minute of wall clock: still nothing, heartbeats may be pending
    caughtUp.set(OptionalLong.of(4_000));
    runFor(Duration.ofSeconds(60));
    assertThat(newAlerts()).isEmpty();
    // Then once it is caught up at 6 s with nothing more from n1, n1 is silent
    caughtUp.set(OptionalLong.of(6_000));
    runFor(Duration.ofSeconds(1));
    assertThat(newAlerts())
        .singleElement()
        .satisfies(a -> assertThat(a.getType()).isEqualTo(AlertType.NODE_SILENT));
  }

  @Test
  void aVersionClosesByTheWallClockOnlyOnceThePartitionIsCaughtUp() {
    // Given a@1 reported by two of three members
    AtomicReference<OptionalLong> caughtUp = startWithFrontier();
    rig.send("n1", 1_000, replicas.signedBatch("n1", replicas.honest("n1", G, "a", 1)));
    rig.send("n2", 1_000, replicas.signedBatch("n2", replicas.honest("n2", G, "a", 1)));
    // When a minute of wall clock passes while batches wait unread: nothing closes
    runFor(Duration.ofSeconds(60));
    assertThat(newAlerts()).isEmpty();
    // Then once the partition is read to its end past the grace, n3 lags
    caughtUp.set(OptionalLong.of(60_000));
    runFor(Duration.ofSeconds(1));
    assertSingleNewAlert(AlertType.REPLICA_LAG, "n3");
  }

  @Test
  void aSilenceReadInOneGoIsStillAlertedByTheGapBetweenHeartbeats() {
    // Given an auditor reading a backlog (a replay, a restart): heartbeats of n1 at 1 s and 21 s
    // come in one go, with no clock check in between
    startWithFrontier();
    rig.heartbeats.pipeInput("n1", replicas.heartbeat("n1", 1, 1_000), 1_000);
    rig.heartbeats.pipeInput("n1", replicas.heartbeat("n1", 2, 21_000), 21_000);
    // Then the 20 s gap is a silence, opened and resolved
    assertThat(newAlerts())
        .extracting(AuditAlert::getType, AuditAlert::getStatus)
        .containsExactly(
            tuple(AlertType.NODE_SILENT, AlertStatus.OPEN),
            tuple(AlertType.NODE_SILENT, AlertStatus.RESOLVED));
  }

  @Test
  void forgedHeartbeatIsADeadLetterNotAProofOfLife() {
    start(AuditPolicy.DEFAULT);
    byte[] hb = replicas.heartbeat("n1", 1, 0);
    hb[hb.length - 1] ^= 1;
    rig.heartbeats.pipeInput("n1", hb, 0);
    assertThat(rig.dlq.readValuesToList())
        .extracting(DeadLetter::getReason)
        .containsExactly("FORGED");
    assertThat(rig.driver.<String, Object>getKeyValueStore(AuditorStores.LIVENESS).get("n1"))
        .isNull();
  }

  @Test
  void noAlertIdIsPublishedTwiceAsOpen() {
    start(AuditPolicy.DEFAULT);
    for (long v = 1; v <= 5; v++) {
      rig.send("n1", 1_000 * v, replicas.signedBatch("n1", replicas.honest("n1", G, "a", v)));
      rig.send("n2", 1_000 * v, replicas.signedBatch("n2", replicas.honest("n2", G, "a", v)));
    }
    rig.send("n1", 20_000, replicas.signedBatch("n1"));
    List<KeyValue<String, AuditAlert>> all = new ArrayList<>();
    newAlerts().forEach(a -> all.add(KeyValue.pair(a.getAlertId(), a)));
    assertThat(all)
        .singleElement()
        .satisfies(
            kv -> {
              assertThat(kv.value.getType()).isEqualTo(AlertType.REPLICA_LAG);
              assertThat(kv.key).isEqualTo(kv.value.getAlertId());
            });
  }

  @Test
  void anOperatorsAcknowledgementTurnsTheAlertAcknowledgedAndOnlyThatAlert() {
    // Given an EQUIVOCATION (firing until acknowledged)
    start(AuditPolicy.DEFAULT);
    rig.send("n1", 1_000, replicas.signedBatch("n1", replicas.honest("n1", G, "a", 1)));
    rig.send(
        "n1", 1_000, replicas.signedBatch("n1", replicas.change("n1", G, "a", 1, "", "x", "op1")));
    AuditAlert equivocation = newAlerts().get(0);
    assertThat(equivocation.getType()).isEqualTo(AlertType.EQUIVOCATION);
    TestInputTopic<String, byte[]> acks = rig.rawInput(Topics.ALERT_ACKS);
    dev.herald.schema.serde.AvroWireFormat<dev.herald.schema.AlertAck> format =
        new dev.herald.schema.serde.AvroWireFormat<>(
            dev.herald.schema.AlertAck.class, replicas.schemas);
    // When an acknowledgement of another id arrives, and a malformed one, then the right one
    AuditAlert other = AuditAlert.newBuilder(equivocation).setAlertId("not-this-one").build();
    acks.pipeInput(
        dev.herald.auditor.alerting.AlertAcks.routingKey(other),
        format.serialize(
            Topics.ALERT_ACKS,
            dev.herald.auditor.alerting.AlertAcks.of(other, "wrong", "bob", Instant.now())));
    acks.pipeInput("junk", new byte[] {1, 2, 3});
    assertThat(newAlerts()).isEmpty();
    assertThat(rig.dlq.readValuesToList())
        .extracting(DeadLetter::getReason)
        .contains("BAD_MAGIC_BYTE");
    acks.pipeInput(
        dev.herald.auditor.alerting.AlertAcks.routingKey(equivocation),
        format.serialize(
            Topics.ALERT_ACKS,
            dev.herald.auditor.alerting.AlertAcks.of(
                equivocation, "forensics done", "alice", Instant.now())));
    // Then it is ACKNOWLEDGED, same id, with who and why
    assertThat(newAlerts())
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.getAlertId()).isEqualTo(equivocation.getAlertId());
              assertThat(a.getStatus()).isEqualTo(AlertStatus.ACKNOWLEDGED);
              assertThat(a.getDetail()).contains("acknowledged by alice: forensics done");
            });
  }
}
