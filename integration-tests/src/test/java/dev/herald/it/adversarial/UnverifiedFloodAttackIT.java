package dev.herald.it.adversarial;

import static dev.herald.it.adversarial.Verdict.alert;
import static dev.herald.it.adversarial.Verdict.deadLetter;

import dev.herald.auditor.api.AuditorApi;
import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.ReportBatch;
import dev.herald.schema.StateChange;
import dev.herald.schema.Topics;
import dev.herald.schema.registry.RestSchemaRegistryClient;
import dev.herald.schema.signing.Ed25519;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Security review #8: with only the reporter credential, an attacker writes decodable batches that
 * verify against nothing — 1,000 claiming to be the honest n1, each with a fresh random group, and
 * 300 from random unregistered node ids (all on one partition). That must cost dead letters and a
 * bounded number of alerts: at most one FORGED_REPORT episode for n1, in n1's own registered group,
 * naming n1 as the victim (so the API never marks n1 a suspect); a bounded number of UNKNOWN_NODE
 * alerts; and an earlier real EQUIVOCATION is still listed by the API.
 */
@Tag("slow")
class UnverifiedFloodAttackIT {
  static final String PAY = "pay";
  static final List<String> NODES = List.of("n1", "n2", "n3");
  static final int CLAIMING_N1 = 1_000;
  static final int GHOSTS = 300;

  /**
   * CONTRACT-13 caps, per partition task, the distinct unregistered ids that get an alert, without
   * a number; all ghosts write to one partition, so a cap shows as far fewer alerts than ids.
   */
  static final int UNKNOWN_NODE_ALERTS_AT_MOST = 50;

  @RegisterExtension final KafkaBrokerExtension kafka = KafkaBrokerExtension.perTest(false);

  @TempDir Path stateDir;

  @Test
  void junkInAnHonestNodesNameCostsDeadLettersAndOneVictimEpisode() throws Exception {
    try (AttackRange range = AttackRange.on(kafka, "adv-unverified").start(stateDir);
        AuditorApi api =
            AuditorApi.builder()
                .kafka(kafka.clientProperties())
                .registry(new RestSchemaRegistryClient(range.registryUrl(), Map.of()))
                .host("127.0.0.1")
                .port(0)
                .start()) {
      AttackFleet fleet = range.fleet();
      String acct = AttackFleet.entitiesOn(PAY, 1, "acct", 1).get(0);
      range.warmUp(PAY, NODES, List.of(acct), 2);
      // a real EQUIVOCATION: n3 signs a second, different report for version 2
      fleet.send(
          fleet.batch(
              "n3",
              AttackFleet.partitionOf(PAY, acct),
              List.of(AttackFleet.diverged("n3", PAY, acct, 2, "second"))));
      org.awaitility.Awaitility.await()
          .atMost(Verdict.DETECTION)
          .until(() -> equivocation(range, acct).isPresent());

      // When
      Random random = new Random(8);
      for (int i = 0; i < CLAIMING_N1; i++) {
        junk(
            fleet,
            "n1",
            fleet.key("n1").keyId(),
            "g-" + Long.toHexString(random.nextLong()),
            "e-" + Long.toHexString(random.nextLong()),
            random);
      }
      List<String> ghostEntities = AttackFleet.entitiesOn(PAY, 3, "ghost-e", GHOSTS);
      for (int i = 0; i < GHOSTS; i++) {
        String ghost = "ghost-" + Long.toHexString(random.nextLong());
        junk(
            fleet,
            ghost,
            AttackFleet.attackerKey(ghost).keyId(),
            PAY,
            ghostEntities.get(i),
            random);
      }
      fleet.flushRaw();
      String div = fleet.divergence(PAY, NODES, "n3", 1);

      // Then
      String equivocation = equivocation(range, acct).map(AuditAlert::getAlertId).orElse("?");
      range
          .verdict("1,000 unverified batches claiming n1, 300 unregistered ids")
          .expect(alert("EQUIVOCATION").group(PAY).entity(acct).version(2).nodes("n3"))
          .expect(alert("DIVERGENCE").group(PAY).entity(div).version(1).nodes("n3"))
          .expect(
              deadLetter("FORGED")
                  .topic(Topics.STATE_CHANGES)
                  .where("of n1", d -> d.getKey() != null && Verdict.utf8(d.getKey()).equals("n1")),
              CLAIMING_N1)
          .allow(
              deadLetter("UNKNOWN_NODE")
                  .where(
                      "of a ghost",
                      d -> d.getKey() != null && Verdict.utf8(d.getKey()).startsWith("ghost-")))
          .atMost(alert("FORGED_REPORT").group(PAY).nodes("n1").attribute("role", "victim"), 1)
          .atMost(alert("UNKNOWN_NODE").group(""), UNKNOWN_NODE_ALERTS_AT_MOST)
          .expectThat(
              "GET /api/alerts still lists the EQUIVOCATION of n3",
              () -> api.alerts().get(equivocation).isPresent())
          .expectThat(
              "GET /api/alerts lists the DIVERGENCE played after the flood",
              () ->
                  api.alerts().openByGroup().values().stream()
                      .flatMap(List::stream)
                      .anyMatch(a -> div.equals(a.getEntityKey())))
          .expectThat(
              "GET /api/nodes does not mark n1 a suspect",
              () ->
                  api.nodes().list(api.alerts()).stream()
                      .noneMatch(n -> n.nodeId().equals("n1") && n.suspect()))
          .check();
    }
  }

  private static Optional<AuditAlert> equivocation(AttackRange range, String acct) {
    return range.alerts().stream()
        .filter(a -> a.getType().name().equals("EQUIVOCATION") && acct.equals(a.getEntityKey()))
        .findFirst();
  }

  /** A decodable batch of {@code node} for {@code entity} of {@code group}, signed by nobody. */
  private static void junk(
      AttackFleet fleet, String node, String keyId, String group, String entity, Random r) {
    int p = AttackFleet.partitionOf(group, entity);
    StateChange sc = AttackFleet.honest(node, group, entity, 1);
    ReportBatch b =
        AttackFleet.batch(
            node,
            p,
            List.of(sc),
            AttackFleet.attackerKey("junk"),
            1 + r.nextInt(1 << 30),
            Instant.now());
    byte[] signature = new byte[Ed25519.SIGNATURE_SIZE];
    r.nextBytes(signature);
    b.setKeyId(keyId);
    b.setSignature(ByteBuffer.wrap(signature));
    fleet.sendRawAsync(Topics.STATE_CHANGES, p, null, node, fleet.encode(b));
  }
}
