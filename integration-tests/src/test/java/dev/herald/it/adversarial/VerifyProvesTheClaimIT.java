package dev.herald.it.adversarial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.infra.cli.HeraldCli;
import dev.herald.it.support.HeraldRun;
import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.schema.AlertStatus;
import dev.herald.schema.AlertType;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.Evidence;
import dev.herald.schema.ReportBatch;
import dev.herald.schema.Severity;
import dev.herald.schema.Topics;
import dev.herald.schema.canonical.Hashing;
import dev.herald.schema.registry.RestSchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.signing.Ed25519;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Security review #10 / code review F6: {@code herald verify} must prove an alert's claim, not only
 * check signatures, and check each signature against the key the node had when the record was
 * written. On a real broker with the real auditor:
 *
 * <ul>
 *   <li>an EQUIVOCATION alert whose evidence is two unrelated, validly signed batches of the node
 *       (what a compromised auditor could publish to frame it) does not verify (exit 3);
 *   <li>a true EQUIVOCATION, raised by the auditor, still verifies (exit 0) after the node rotated
 *       its key twice;
 *   <li>a "second claim" signed with the node's retired key after the rotation (a thief's batch)
 *       does not verify.
 * </ul>
 */
@Tag("slow")
class VerifyProvesTheClaimIT {
  static final String PAY = "pay";
  static final List<String> NODES = List.of("n1", "n2", "n3");
  static final int P = 1;

  @RegisterExtension final KafkaBrokerExtension kafka = KafkaBrokerExtension.perTest(false);

  @TempDir Path stateDir;
  @TempDir Path dir;

  private static HeraldRun verify(AttackRange range, String target, String... options) {
    List<String> args = new ArrayList<>(List.of("verify", target));
    args.addAll(List.of(options));
    return HeraldRun.against(range.bootstrap(), range.registryUrl(), args.toArray(String[]::new));
  }

  private static Evidence evidence(ReportBatch b, AttackFleet.Sent at, byte[] bytes) {
    return Evidence.newBuilder()
        .setTopic(Topics.STATE_CHANGES)
        .setPartition(at.partition())
        .setOffset(at.offset())
        .setNodeId(b.getNodeId())
        .setKeyId(b.getKeyId())
        .setBatchSeq(b.getBatchSeq())
        .setRecord(ByteBuffer.wrap(bytes))
        .setSignatureValid(true)
        .setSha256(ByteBuffer.wrap(Hashing.sha256(bytes)))
        .build();
  }

  /** An EQUIVOCATION alert as a compromised auditor could write it, as a wire-format file. */
  private Path alertFile(AttackRange range, String entity, long version, List<Evidence> ev)
      throws Exception {
    Instant now = Instant.now();
    AuditAlert alert =
        AuditAlert.newBuilder()
            .setAlertId("framed-" + now.toEpochMilli())
            .setType(AlertType.EQUIVOCATION)
            .setSeverity(Severity.CRITICAL)
            .setStatus(AlertStatus.OPEN)
            .setGroup(PAY)
            .setEntityKey(entity)
            .setVersion(version)
            .setNodes(List.of("n1"))
            .setDetail("node n1 signed two different reports")
            .setEvidence(ev)
            .setDetectedAt(now)
            .setFirstEventTime(now)
            .setAttributes(Map.of())
            .build();
    AvroWireFormat<AuditAlert> format =
        new AvroWireFormat<>(
            AuditAlert.class, new RestSchemaRegistryClient(range.registryUrl(), Map.of()));
    Path file = dir.resolve(alert.getAlertId() + ".avro");
    Files.write(file, format.serialize(Topics.ALERTS, alert));
    return file;
  }

  @Test
  void anEquivocationWhoseEvidenceIsTwoUnrelatedBatchesOfTheNodeDoesNotVerify() throws Exception {
    try (AttackRange range = AttackRange.on(kafka, "adv-verify-unrelated").start(stateDir)) {
      AttackFleet fleet = range.fleet();
      List<String> accounts = AttackFleet.entitiesOn(PAY, P, "acct", 2);
      range.warmUp(PAY, NODES, accounts, 0);
      // Given: two honest batches of n1, about two different entities
      ReportBatch one =
          fleet.batch("n1", P, List.of(AttackFleet.honest("n1", PAY, accounts.get(0), 1)));
      AttackFleet.Sent oneAt = fleet.send(one);
      ReportBatch two =
          fleet.batch("n1", P, List.of(AttackFleet.honest("n1", PAY, accounts.get(1), 1)));
      AttackFleet.Sent twoAt = fleet.send(two);
      Path framed =
          alertFile(
              range,
              accounts.get(0),
              1,
              List.of(
                  evidence(one, oneAt, fleet.encode(one)),
                  evidence(two, twoAt, fleet.encode(two))));

      // When
      HeraldRun r = verify(range, framed.toString());

      // Then
      assertThat(r.code()).as(r.out() + r.err()).isEqualTo(HeraldCli.EXIT_CHECK_FAILED);
      assertThat(r.out())
          .contains("evidence 0: VALID")
          .contains("evidence 1: VALID")
          .contains("claim NOT_SUPPORTED")
          .contains("only one signed claim of node n1 for pay/" + accounts.get(0) + " v1")
          .contains("INVALID: the evidence does not support the alert");
    }
  }

  /** n1 equivocates at v2 of the range's one account; returns the auditor's alert. */
  private static AuditAlert equivocation(AttackRange range, String acct) throws Exception {
    AttackFleet fleet = range.fleet();
    fleet.send(fleet.batch("n1", P, List.of(AttackFleet.honest("n1", PAY, acct, 2))));
    fleet.send(fleet.batch("n1", P, List.of(AttackFleet.diverged("n1", PAY, acct, 2, "lie"))));
    fleet.round(PAY, List.of("n2", "n3"), List.of(acct), 2);
    return await()
        .atMost(Verdict.DETECTION)
        .until(
            () ->
                range.alerts().stream()
                    .filter(a -> a.getType().name().equals("EQUIVOCATION"))
                    .filter(a -> a.getNodes().equals(List.of("n1")))
                    .findFirst()
                    .orElse(null),
            a -> a != null);
  }

  @Test
  void aTrueEquivocationStillVerifiesAfterTwoRotations() throws Exception {
    try (AttackRange range = AttackRange.on(kafka, "adv-verify-rotations").start(stateDir)) {
      List<String> accounts = AttackFleet.entitiesOn(PAY, P, "acct", 1);
      range.warmUp(PAY, NODES, accounts, 1);
      // Given: n1 signs two different claims for v2, and the auditor raises EQUIVOCATION
      AuditAlert alert = equivocation(range, accounts.get(0));

      // When: n1 rotates its key twice
      range.rotate("n1");
      range.rotate("n1");
      range.fleet().round(PAY, NODES, accounts, 3);

      // Then: the evidence verifies against n1's first key, valid when it was written
      HeraldRun r = verify(range, alert.getAlertId());
      assertThat(r.code()).as(r.out() + r.err()).isZero();
      assertThat(r.out())
          .contains("claim SUPPORTED")
          .contains("VALID: the evidence supports the alert");
    }
  }

  @Test
  void aClaimSignedWithARetiredKeyAfterTheRotationDoesNotVerify() throws Exception {
    try (AttackRange range =
        AttackRange.on(kafka, "adv-verify-thief")
            .keyRotationGrace(Duration.ofSeconds(2))
            .start(stateDir)) {
      AttackFleet fleet = range.fleet();
      List<String> accounts = AttackFleet.entitiesOn(PAY, P, "acct", 1);
      String acct = accounts.get(0);
      range.warmUp(PAY, NODES, accounts, 1);
      ReportBatch honest = fleet.batch("n1", P, List.of(AttackFleet.honest("n1", PAY, acct, 2)));
      AttackFleet.Sent honestAt = fleet.send(honest);
      fleet.round(PAY, List.of("n2", "n3"), accounts, 2);
      Ed25519.KeyPair first = fleet.key("n1");
      AttackFleet.Rotation rotation = range.rotate("n1");

      // When: after the rotation's grace, a holder of n1's first key signs another claim for v2
      // (backdated), and an alert presents it with n1's true claim as an equivocation
      long graceOver = rotation.registeredAtMs() + 2_500;
      await().atMost(Duration.ofSeconds(10)).until(() -> System.currentTimeMillis() > graceOver);
      ReportBatch thief =
          AttackFleet.batch(
              "n1",
              P,
              List.of(AttackFleet.diverged("n1", PAY, acct, 2, "thief")),
              first,
              fleet.nextSeq("n1", P),
              Instant.now().minusSeconds(3_600));
      byte[] thiefBytes = fleet.encode(thief);
      AttackFleet.Sent thiefAt = fleet.sendRaw(Topics.STATE_CHANGES, P, null, "n1", thiefBytes);
      Path stolen =
          alertFile(
              range,
              acct,
              2,
              List.of(
                  evidence(honest, honestAt, fleet.encode(honest)),
                  evidence(thief, thiefAt, thiefBytes)));

      // Then
      HeraldRun r = verify(range, stolen.toString(), "--rotation-grace", "2s");
      assertThat(r.code()).as(r.out() + r.err()).isEqualTo(HeraldCli.EXIT_CHECK_FAILED);
      assertThat(r.out())
          .contains("evidence 0: VALID")
          .contains("evidence 1: INVALID")
          .contains("held a retired key");
    }
  }
}
