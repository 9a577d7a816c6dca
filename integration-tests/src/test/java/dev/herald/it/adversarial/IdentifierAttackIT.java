package dev.herald.it.adversarial;

import static dev.herald.it.adversarial.Verdict.alert;
import static dev.herald.it.adversarial.Verdict.deadLetter;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.infra.cli.HeraldCli;
import dev.herald.it.support.HeraldRun;
import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.producer.HeraldReporter;
import dev.herald.schema.HeartbeatStatus;
import dev.herald.schema.NodeRecord;
import dev.herald.schema.ReportBatch;
import dev.herald.schema.Topics;
import dev.herald.schema.registry.RestSchemaRegistryClient;
import dev.herald.schema.signing.Ed25519;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Security review #18: identifiers without collisions. Node and group ids follow {@code
 * [a-z0-9][a-z0-9._-]{0,63}}: {@code Node-1} and {@code node-1} + U+200B are refused with a clear
 * error by the CLI and the SDK, raise an alert when written to the registry topic directly, and
 * batches or heartbeats under such ids are {@code INVALID_ID} dead letters; look-alike ids ({@code
 * node-l}) and a Cyrillic twin of a display name raise {@code CONFUSABLE_IDENTITY}.
 */
@Tag("slow")
class IdentifierAttackIT {
  static final String PAY = "pay";
  static final String ZWSP = "\u200B";

  @RegisterExtension final KafkaBrokerExtension kafka = KafkaBrokerExtension.perTest(false);

  @TempDir Path stateDir;
  @TempDir Path dir;

  @Test
  void upperCaseAndInvisibleTwinsAreRefusedByTheCliAndTheSdk() throws Exception {
    try (AttackRange range = AttackRange.on(kafka, "adv-ids-cli").start(stateDir)) {
      Path key = dir.resolve("k.pem");
      Ed25519.writePem(key, Ed25519.generate().privateKey());

      // When
      HeraldRun upper =
          HeraldRun.against(
              range.bootstrap(),
              range.registryUrl(),
              "nodes",
              "register",
              "--node-id",
              "Node-1",
              "--key",
              key.toString(),
              "--group",
              PAY);
      HeraldRun invisible =
          HeraldRun.against(
              range.bootstrap(),
              range.registryUrl(),
              "nodes",
              "register",
              "--node-id",
              "node-1" + ZWSP,
              "--key",
              key.toString(),
              "--group",
              PAY);
      HeraldRun badGroup =
          HeraldRun.against(
              range.bootstrap(),
              range.registryUrl(),
              "nodes",
              "register",
              "--node-id",
              "node-1",
              "--key",
              key.toString(),
              "--group",
              "Pay");

      // Then: one line naming the offending character and the rule, no stack trace, nothing written
      assertThat(upper.code()).as(upper.out() + upper.err()).isEqualTo(HeraldCli.EXIT_USAGE);
      assertThat(upper.err())
          .contains("node id 'Node-1' is not allowed: 'N' at position 0")
          .contains("[a-z0-9][a-z0-9._-]{0,63}")
          .contains("hint:")
          .doesNotContain("\tat ");
      assertThat(invisible.code()).isEqualTo(HeraldCli.EXIT_USAGE);
      assertThat(invisible.err())
          .contains("'node-1\\u200B'")
          .contains("U+200B ZERO WIDTH SPACE at position 6");
      assertThat(badGroup.code()).isEqualTo(HeraldCli.EXIT_USAGE);
      assertThat(badGroup.err()).contains("group id 'Pay'");
      assertThat(HeraldRun.against(range.bootstrap(), range.registryUrl(), "nodes", "list").out())
          .doesNotContain("Node-1")
          .doesNotContain("node-1");

      // ... and the SDK's builder refuses them before anything is sent
      for (String id : List.of("Node-1", "node-1" + ZWSP)) {
        assertThatThrownBy(
                () ->
                    HeraldReporter.builder()
                        .nodeId(id)
                        .group(PAY)
                        .bootstrapServers(range.bootstrap())
                        .schemaRegistry(new RestSchemaRegistryClient(range.registryUrl(), Map.of()))
                        .build())
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("invalid reporter setting 'nodeId'")
            .hasMessageContaining(
                id.equals("Node-1") ? "'N' at position 0" : "U+200B ZERO WIDTH SPACE");
      }
    }
  }

  @Test
  void twinsWrittenToTheRegistryDirectlyAreRejectedWithAnAlert() throws Exception {
    try (AttackRange range = AttackRange.on(kafka, "adv-ids-registry").start(stateDir)) {
      AttackFleet fleet = range.fleet();
      fleet.register(List.of(PAY), "node-1");
      range.startAuditor();

      // When: an operator credential writes Node-1 and node-1 + U+200B straight to the topic
      List<AttackFleet.Sent> written = new ArrayList<>();
      for (String twin : List.of("Node-1", "node-1" + ZWSP)) {
        NodeRecord r = fleet.registrationOf("node-1");
        r.setNodeId(twin);
        r.setDisplayName(twin);
        r.setPublicKey(ByteBuffer.wrap(AttackFleet.attackerKey(twin).publicKey()));
        written.add(fleet.writeRegistry(twin, r));
      }

      // Then: neither is applied; each is a dead letter and an alert naming the twin
      range
          .verdict("twins in the registry")
          .expect(deadLetter("INVALID_ID").at(written.get(0)))
          .expect(deadLetter("INVALID_ID").at(written.get(1)))
          .expect(alert("CONFUSABLE_IDENTITY").group("").nodes("Node-1", "node-1"))
          .expect(alert("CONFUSABLE_IDENTITY").group("").nodes("node-1", "node-1" + ZWSP))
          .expectThat(
              "neither twin is registered",
              () ->
                  range.auditor().queries().registeredNode("Node-1").isEmpty()
                      && range.auditor().queries().registeredNode("node-1" + ZWSP).isEmpty())
          .check();
    }
  }

  @Test
  void lookAlikeIdsAndACyrillicTwinOfADisplayNameAreConfusable() throws Exception {
    try (AttackRange range = AttackRange.on(kafka, "adv-ids-confusable").start(stateDir)) {
      AttackFleet fleet = range.fleet();
      NodeRecord ledger = fleet.registrationOf("node-1");
      ledger.setDisplayName("Ledger");
      fleet.writeRegistry("node-1", ledger);
      range.startAuditor();

      // When: node-l (a lower-case L) and node-2 displayed as "Lеdger" (a Cyrillic е)
      NodeRecord ell = fleet.registrationOf("node-l");
      fleet.writeRegistry("node-l", ell);
      NodeRecord twin = fleet.registrationOf("node-2");
      twin.setDisplayName("L\u0435dger");
      fleet.writeRegistry("node-2", twin);

      // Then
      range
          .verdict("look-alikes")
          .expect(alert("CONFUSABLE_IDENTITY").group("").nodes("node-1", "node-l"))
          .expect(alert("CONFUSABLE_IDENTITY").group("").nodes("node-1", "node-2"))
          .check();
    }
  }

  @Test
  void batchesAndHeartbeatsUnderIdsOffTheRuleAreInvalidIdDeadLettersThatBlameNobody()
      throws Exception {
    try (AttackRange range = AttackRange.on(kafka, "adv-ids-input").start(stateDir)) {
      AttackFleet fleet = range.fleet();
      List<String> accounts = AttackFleet.entitiesOn(PAY, 0, "acct", 2);
      range.warmUp(PAY, List.of("n1", "n2", "n3"), accounts, 1);

      // When: a batch and a heartbeat claim "N1", and n1 signs a report for group "Pay"
      ReportBatch upper =
          AttackFleet.batch(
              "N1",
              0,
              List.of(AttackFleet.honest("N1", PAY, accounts.get(0), 2)),
              fleet.key("n1"),
              fleet.nextSeq("n1", 0),
              Instant.now());
      AttackFleet.Sent batchAt =
          fleet.sendRaw(Topics.STATE_CHANGES, 0, null, "N1", fleet.encode(upper));
      AttackFleet.Sent beatAt =
          fleet.sendRaw(
              Topics.HEARTBEATS,
              AttackFleet.heartbeatPartitionOf("N1"),
              null,
              "N1",
              fleet.encode(fleet.heartbeat("N1", 1, Instant.now(), HeartbeatStatus.UP)));
      int p = AttackFleet.partitionOf("Pay", "acct-x");
      ReportBatch group =
          fleet.batch("n1", p, List.of(AttackFleet.honest("n1", "Pay", "acct-x", 1)));
      AttackFleet.Sent groupAt = fleet.send(group);
      fleet.round(PAY, List.of("n1", "n2", "n3"), accounts, 2);

      // Then
      range
          .verdict("ids off the rule")
          .expect(deadLetter("INVALID_ID").at(batchAt))
          .expect(deadLetter("INVALID_ID").at(beatAt))
          .expect(deadLetter("INVALID_ID").at(groupAt))
          .check();
    }
  }
}
