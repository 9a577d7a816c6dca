package dev.herald.it.adversarial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.herald.auditor.HeraldAuditor;
import dev.herald.auditor.ledger.AuditorIdentity;
import dev.herald.auditor.policy.AuditPolicy;
import dev.herald.infra.cli.HeraldCli;
import dev.herald.infra.topics.TopicAdmin;
import dev.herald.it.support.HeraldRun;
import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.it.support.RunningAuditor;
import dev.herald.schema.AlertType;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.LogLeaf;
import dev.herald.schema.Topics;
import dev.herald.schema.TreeHead;
import dev.herald.schema.ledger.AuditorSignatures;
import dev.herald.schema.ledger.CompactRange;
import dev.herald.schema.registry.RestSchemaRegistryClient;
import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.serde.ByteBuffers;
import dev.herald.schema.signing.Ed25519;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #19 item 2, "who audits the auditor", on a real broker with the real auditor:
 *
 * <ul>
 *   <li>the auditor signs its alerts with its registered key (role auditor) and logs them in a
 *       Merkle log with signed tree heads; {@code herald verify} accepts an untampered alert
 *       (signature and inclusion proof) and {@code herald audit-log check} the honest log;
 *   <li>an alert with one byte changed fails {@code herald verify};
 *   <li>an auditor that drops a logged alert and signs a head over the rewritten log fails {@code
 *       herald audit-log check} against a head a witness kept, and the dropped alert fails {@code
 *       herald verify} against the rewritten log;
 *   <li>two auditors with different keys over the same input publish the same alert ids.
 * </ul>
 */
@Tag("slow")
class AuditLogIT {
  static final String PAY = "pay";
  static final List<String> NODES = List.of("n1", "n2", "n3");
  static final int P = 1;
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension final KafkaBrokerExtension kafka = KafkaBrokerExtension.perTest(false);

  @TempDir Path stateDir;
  @TempDir Path otherStateDir;
  @TempDir Path dir;

  private static HeraldRun herald(AttackRange range, String... args) {
    return HeraldRun.against(range.bootstrap(), range.registryUrl(), args);
  }

  /** A fresh auditor key, written as PEM for the CLI. */
  private Path pem(String auditorId, Ed25519.KeyPair key) throws Exception {
    Path pem = dir.resolve(auditorId + ".pem");
    Ed25519.writePem(pem, key.privateKey());
    return pem;
  }

  /** {@code herald nodes register --role auditor}. */
  private static void registerAuditor(AttackRange range, String auditorId, Path pem) {
    HeraldRun r =
        herald(
            range,
            "nodes",
            "register",
            "--node-id",
            auditorId,
            "--role",
            "auditor",
            "--key",
            pem.toString());
    assertThat(r.code()).as(r.out() + r.err()).isZero();
  }

  private static List<AuditAlert> signedBy(AttackRange range, Ed25519.KeyPair key) {
    return range.alerts().stream().filter(a -> key.keyId().equals(a.getAuditorKeyId())).toList();
  }

  /** n1 equivocates at v2 of {@code acct}: the auditor raises EQUIVOCATION (evidence: both). */
  private static void equivocate(AttackRange range, String acct) throws Exception {
    AttackFleet fleet = range.fleet();
    fleet.send(fleet.batch("n1", P, List.of(AttackFleet.honest("n1", PAY, acct, 2))));
    fleet.send(fleet.batch("n1", P, List.of(AttackFleet.diverged("n1", PAY, acct, 2, "lie"))));
    fleet.round(PAY, List.of("n2", "n3"), List.of(acct), 2);
  }

  /** The latest signed head of {@code logId} as JSON (what a witness keeps). */
  private static JsonNode latestHead(AttackRange range, String logId) throws Exception {
    HeraldRun r = herald(range, "audit-log", "heads", "--log-id", logId, "--latest", "-o", "json");
    assertThat(r.code()).as(r.err()).isZero();
    return JSON.readTree(r.out());
  }

  @Test
  void aTamperedAndADroppedAlertAreCaughtAndTheHonestLogVerifies() throws Exception {
    Ed25519.KeyPair key = Ed25519.generate();
    Path pem = pem("auditor-a", key);
    try (AttackRange range =
        AttackRange.on(kafka, "ledger-tamper")
            .auditorIdentity(new AuditorIdentity("auditor-a", key, Duration.ofMillis(500)))
            .start(stateDir)) {
      // Given: an auditor with a registered key, an equivocation and two divergences
      registerAuditor(range, "auditor-a", pem);
      List<String> accounts = AttackFleet.entitiesOn(PAY, P, "acct", 1);
      range.warmUp(PAY, NODES, accounts, 1);
      equivocate(range, accounts.get(0));
      range.fleet().divergence(PAY, NODES, "n3", P);
      range.fleet().divergence(PAY, NODES, "n2", P);
      AuditAlert alert =
          await()
              .atMost(Verdict.DETECTION)
              .until(
                  () ->
                      signedBy(range, key).stream()
                          .filter(a -> a.getType() == AlertType.EQUIVOCATION)
                          .findFirst()
                          .orElse(null),
                  a -> a != null);
      String logId = alert.getLogId();
      long index = alert.getLogIndex();
      assertThat(logId).startsWith("ledger-tamper/lifecycle/");
      // a witness keeps a signed head that covers the alert
      JsonNode head =
          await()
              .atMost(Verdict.DETECTION)
              .ignoreExceptions()
              .until(() -> latestHead(range, logId), h -> h.get("treeSize").asLong() > index);
      Path kept = dir.resolve("head.json");
      Files.writeString(kept, JSON.writeValueAsString(head));
      AvroWireFormat<AuditAlert> wire = new AvroWireFormat<>(AuditAlert.class, schemas(range));
      byte[] bytes = wire.serialize(Topics.ALERTS, alert);
      Path good = dir.resolve("alert.avro");
      Files.write(good, bytes);
      byte[] tampered = bytes.clone();
      int at = indexOf(tampered, alert.getDetail().getBytes(StandardCharsets.UTF_8));
      tampered[at] ^= 0x01; // one byte of the detail text
      Path bad = dir.resolve("tampered.avro");
      Files.write(bad, tampered);

      // When: the honest log and alert are checked
      HeraldRun verified = herald(range, "verify", good.toString(), "--require-auditor-signature");
      HeraldRun consistent =
          herald(range, "audit-log", "check", "--log-id", logId, "--old", kept.toString());
      // ... and the tampered alert
      HeraldRun tamperedVerify =
          herald(range, "verify", bad.toString(), "--require-auditor-signature");

      // Then
      assertThat(verified.code()).as(verified.out() + verified.err()).isZero();
      assertThat(verified.out())
          .contains("auditor auditor signature OK")
          .contains("signed by auditor auditor-a key " + key.keyId())
          .containsPattern("auditor inclusion +OK +log " + logId + " index " + index);
      assertThat(consistent.code()).as(consistent.out() + consistent.err()).isZero();
      assertThat(consistent.out()).contains("CONSISTENT");
      assertThat(tamperedVerify.code())
          .as(tamperedVerify.out() + tamperedVerify.err())
          .isEqualTo(HeraldCli.EXIT_CHECK_FAILED);
      assertThat(tamperedVerify.out())
          .contains("the alert was changed after the auditor signed it")
          .contains("this alert was rewritten after it was logged")
          .doesNotContain("\tat ");

      // When: the auditor restarts (same state) and logs more alerts
      HeraldAuditor restarted = range.restartAuditor();
      RunningAuditor.awaitRunning(Duration.ofSeconds(90), restarted);
      long before = head.get("treeSize").asLong();
      // alerts that blame one node go to that node's lifecycle task: n1's, like the equivocation
      range.fleet().divergence(PAY, NODES, "n1", P);
      await()
          .atMost(Verdict.DETECTION)
          .ignoreExceptions()
          .until(() -> latestHead(range, logId), h -> h.get("treeSize").asLong() > before);
      HeraldRun afterRestart =
          herald(range, "audit-log", "check", "--log-id", logId, "--old", kept.toString());

      // Then: the log went on from where it was, every head matches it (no fork, no repeat)
      assertThat(afterRestart.code()).as(afterRestart.out() + afterRestart.err()).isZero();
      assertThat(afterRestart.out()).contains("CONSISTENT").doesNotContain("FAILED");

      // When: the auditor drops the alert from its log, appends another and signs a new head
      String forgedLog = "forged-audit-log";
      String forgedHeads = "forged-tree-heads";
      forgeLogWithout(range, key, logId, index, forgedLog, forgedHeads);
      HeraldRun dropped =
          herald(
              range,
              "audit-log",
              "check",
              "--log-id",
              logId,
              "--old",
              kept.toString(),
              "--audit-log-topic",
              forgedLog,
              "--tree-heads-topic",
              forgedHeads);
      HeraldRun droppedVerify =
          herald(
              range,
              "verify",
              good.toString(),
              "--require-auditor-signature",
              "--audit-log-topic",
              forgedLog,
              "--tree-heads-topic",
              forgedHeads);

      // Then: the head the witness kept has no consistent extension, and the alert is not in the
      // rewritten log
      assertThat(dropped.code())
          .as(dropped.out() + dropped.err())
          .isEqualTo(HeraldCli.EXIT_CHECK_FAILED);
      assertThat(dropped.out())
          .contains("INCONSISTENT")
          .contains("an alert was dropped or rewritten")
          .doesNotContain("\tat ");
      assertThat(droppedVerify.code())
          .as(droppedVerify.out() + droppedVerify.err())
          .isEqualTo(HeraldCli.EXIT_CHECK_FAILED);
      assertThat(droppedVerify.out()).contains("auditor auditor signature OK");
      assertThat(droppedVerify.out()).contains("FAILED").contains("inclusion");
    }
  }

  /**
   * What a dishonest auditor publishes: its log without leaf {@code dropped}, one more leaf, and a
   * head over that signed with its (registered) key.
   */
  private void forgeLogWithout(
      AttackRange range,
      Ed25519.KeyPair key,
      String logId,
      long dropped,
      String forgedLog,
      String forgedHeads)
      throws Exception {
    try (TopicAdmin admin = new TopicAdmin(kafka.clientProperties())) {
      admin.create(
          List.of(
              new Topics.Spec(forgedLog, "logId", "LogLeaf", 1, Map.of("cleanup.policy", "delete")),
              new Topics.Spec(
                  forgedHeads, "logId", "TreeHead", 1, Map.of("cleanup.policy", "delete"))),
          (short) 1);
    }
    SchemaRegistryClient schemas = schemas(range);
    List<LogLeaf> leaves;
    try (TopicTail<LogLeaf> honest =
        new TopicTail<>(
            kafka.clientProperties(),
            Topics.AUDIT_LOG,
            new AvroWireFormat<>(LogLeaf.class, schemas))) {
      leaves =
          await()
              .atMost(Duration.ofSeconds(30))
              .until(
                  () -> honest.all().stream().filter(l -> l.getLogId().equals(logId)).toList(),
                  l -> l.size() > dropped);
    }
    List<byte[]> kept = new ArrayList<>();
    for (LogLeaf l : leaves) {
      if (l.getIndex() != dropped) {
        kept.add(ByteBuffers.bytes(l.getLeafHash()));
      }
    }
    kept.add(
        dev.herald.schema.ledger.MerkleTree.leafHash(
            "a later alert".getBytes(StandardCharsets.UTF_8)));
    CompactRange range2 = CompactRange.EMPTY;
    AvroWireFormat<LogLeaf> leafWire = new AvroWireFormat<>(LogLeaf.class, schemas);
    AvroWireFormat<TreeHead> headWire = new AvroWireFormat<>(TreeHead.class, schemas);
    Properties p = new Properties();
    p.putAll(kafka.clientProperties());
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
      for (int i = 0; i < kept.size(); i++) {
        range2 = range2.append(kept.get(i));
        LogLeaf leaf =
            LogLeaf.newBuilder()
                .setLogId(logId)
                .setIndex(i)
                .setAlertId("forged-" + i)
                .setLeafHash(ByteBuffer.wrap(kept.get(i)))
                .build();
        producer
            .send(new ProducerRecord<>(forgedLog, logId, leafWire.serialize(forgedLog, leaf)))
            .get();
      }
      TreeHead head =
          AuditorSignatures.sign(
              TreeHead.newBuilder()
                  .setLogId(logId)
                  .setAuditorId("auditor-a")
                  .setKeyId(key.keyId())
                  .setTreeSize(range2.size())
                  .setRootHash(ByteBuffer.wrap(range2.root()))
                  .setTimestamp(Instant.now())
                  .setSignature(ByteBuffer.allocate(0))
                  .build(),
              key);
      producer
          .send(new ProducerRecord<>(forgedHeads, logId, headWire.serialize(forgedHeads, head)))
          .get();
    }
  }

  @Test
  void twoAuditorsWithDifferentKeysPublishTheSameAlertIds() throws Exception {
    Ed25519.KeyPair keyA = Ed25519.generate();
    Ed25519.KeyPair keyB = Ed25519.generate();
    Path pemA = pem("auditor-a", keyA);
    Path pemB = pem("auditor-b", keyB);
    try (AttackRange range =
        AttackRange.on(kafka, "ledger-two-a")
            .auditorIdentity(new AuditorIdentity("auditor-a", keyA, Duration.ofMillis(500)))
            .start(stateDir)) {
      registerAuditor(range, "auditor-a", pemA);
      registerAuditor(range, "auditor-b", pemB);
      // Given: a second auditor, its own application id and key, over the same input
      HeraldAuditor second =
          HeraldAuditor.start(
              RunningAuditor.config(
                      range.bootstrap(),
                      "ledger-two-b",
                      otherStateDir,
                      AuditPolicy.DEFAULT,
                      schemas(range))
                  .auditorIdentity(new AuditorIdentity("auditor-b", keyB, Duration.ofMillis(500)))
                  .build());
      try {
        List<String> accounts = AttackFleet.entitiesOn(PAY, P, "acct", 1);
        range.warmUp(PAY, NODES, accounts, 1);
        RunningAuditor.awaitRunning(Duration.ofSeconds(90), second);
        // When: the same faults reach both
        equivocate(range, accounts.get(0));
        List<String> diverged = new ArrayList<>();
        diverged.add(range.fleet().divergence(PAY, NODES, "n3", P));
        diverged.add(range.fleet().divergence(PAY, NODES, "n2", P));
        Set<AlertType> injected = Set.of(AlertType.EQUIVOCATION, AlertType.DIVERGENCE);
        // Then: each auditor publishes one alert per fault (3), signed with its own key
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () ->
                    ids(signedBy(range, keyA), injected).size() >= 3
                        && ids(signedBy(range, keyB), injected).size() >= 3);
        Set<String> a = ids(signedBy(range, keyA), injected);
        Set<String> b = ids(signedBy(range, keyB), injected);
        assertThat(a).hasSize(3).isEqualTo(b);
        assertThat(signedBy(range, keyA))
            .allSatisfy(x -> assertThat(x.getLogId()).startsWith("ledger-two-a/"));
        assertThat(signedBy(range, keyB))
            .allSatisfy(
                x -> {
                  assertThat(x.getLogId()).startsWith("ledger-two-b/");
                  assertThat(AuditorSignatures.verify(x, Ed25519.publicKey(keyB.publicKey())))
                      .isTrue();
                });
        assertThat(diverged).hasSize(2);
      } finally {
        second.close();
      }
    }
  }

  private static Set<String> ids(List<AuditAlert> alerts, Set<AlertType> types) {
    return alerts.stream()
        .filter(x -> types.contains(x.getType()))
        .map(AuditAlert::getAlertId)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  private static SchemaRegistryClient schemas(AttackRange range) {
    return new RestSchemaRegistryClient(range.registryUrl(), Map.of());
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
        return i;
      }
    }
    throw new AssertionError("the detail text is not in the alert's bytes");
  }
}
