package dev.herald.it.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.auditor.HeraldAuditor;
import dev.herald.auditor.identity.RegisteredNode;
import dev.herald.auditor.policy.PolicyLoader;
import dev.herald.infra.registry.EmbeddedSchemaRegistry;
import dev.herald.it.reliability.AlertLog;
import dev.herald.it.reliability.Background;
import dev.herald.it.reliability.SignedFleet;
import dev.herald.it.support.AuditedBroker;
import dev.herald.it.support.HeraldRun;
import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.it.support.RunningAuditor;
import dev.herald.schema.NodeStatus;
import dev.herald.schema.canonical.Hashing;
import dev.herald.schema.registry.RestSchemaRegistryClient;
import dev.herald.schema.signing.Ed25519;
import dev.herald.testsupport.DetectionScore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Key rotation, revocation and replays on a real broker with the real auditor, the registry changed
 * with the real CLI ({@code herald nodes keygen|rotate|revoke}):
 *
 * <ol>
 *   <li>after {@code herald nodes rotate}, n2's batches signed with the new key are counted, and a
 *       batch signed with the old key after the rotation's grace (time.keyRotationGrace) is a
 *       {@code FORGED_REPORT} and is not counted (its report alone would raise lag alerts);
 *   <li>after {@code herald nodes revoke}, n3 keeps reporting: {@code UNKNOWN_NODE}, and its
 *       reports count nowhere (its divergences raise nothing, its heartbeats are dead letters);
 *   <li>a byte-for-byte replay of an old batch, once inside the auditor's recent-batch window and
 *       once after it (70 newer batches of that node on that partition), is never counted twice.
 * </ol>
 *
 * The alert set must equal the ground truth, no alert id may be OPEN twice, and the auditor's
 * {@code herald_reports{outcome=accepted}} must equal exactly the reports the fleet sent with a
 * valid key as an active node.
 */
@Tag("slow")
class KeyRotationIT {
  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @TempDir Path dir;
  @TempDir Path stateDir;

  @Test
  void rotatedKeyCountsOldKeyIsForgedRevokedNodeIsUnknownAndReplaysCountOnce() throws Exception {
    String bootstrap = KAFKA.bootstrapServers();
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (AuditedBroker stack = AuditedBroker.start(KAFKA.clientProperties())) {
      EmbeddedSchemaRegistry registry = stack.registry();
      KafkaProducer<String, byte[]> producer = stack.producer();
      AlertLog alerts = stack.alerts();
      Background clock = stack.clock();
      SignedFleet fleet =
          new SignedFleet(
              producer,
              producer,
              new RestSchemaRegistryClient(registry.url(), Map.of()),
              12,
              6); // rounds 1-5 are played: no CONFLICTING_WRITE, no attacker forgery
      fleet.registerAll();
      try (HeraldAuditor auditor =
          RunningAuditor.start(
              RunningAuditor.config(
                      bootstrap,
                      "herald-it-rotation",
                      stateDir,
                      PolicyLoader.parse(
                          "defaults:\n  heartbeat:\n    silenceThreshold: 5m\n"
                              + "time:\n  keyRotationGrace: 2s\n"),
                      registry.url())
                  .meters(meters))) {
        fleet.keepAlive(clock);

        // Given: two honest rounds and a replay inside the recent-batch window
        fleet.playRound(1);
        fleet.playRound(2);
        fleet.replayFirstBatch();
        awaitTruth(alerts, fleet);

        // When: n2's key is rotated with the CLI (the rotation signed by its current key)
        Path currentKeyFile = dir.resolve("n2.pem");
        Ed25519.writePem(currentKeyFile, fleet.keyOf("n2").privateKey());
        Path newKeyFile = dir.resolve("n2-2027.pem");
        HeraldRun.succeeds("nodes", "keygen", "--node-id", "n2", "--out", newKeyFile.toString());
        HeraldRun.succeeds(
            "nodes",
            "rotate",
            "--node-id",
            "n2",
            "--key",
            currentKeyFile.toString(),
            "--new-key",
            newKeyFile.toString(),
            "--bootstrap-server",
            bootstrap,
            "--schema-registry-url",
            registry.url());
        Ed25519.KeyPair newKey = Ed25519.readPem(newKeyFile);
        RegisteredNode rotated =
            await()
                .atMost(Duration.ofSeconds(30))
                .until(
                    () -> auditor.queries().registeredNode("n2").orElse(null),
                    n -> n != null && n.publicKeyHex().equals(Hashing.hex(newKey.publicKey())));
        Ed25519.KeyPair oldKey = fleet.useKey("n2", newKey);
        fleet.playRound(3); // n2 signs with the new key

        // ... and, once the rotation's grace (time.keyRotationGrace, 2 s here) is over, the old key
        // signs a new batch
        long graceOver = rotated.registeredAtMs() + 2_000;
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> System.currentTimeMillis() > graceOver + 500);
        fleet.sendSignedWith("n2", List.of(fleet.report("n2", "stolen", 1)), oldKey);
        fleet.expectAlert("FORGED_REPORT", List.of("n2"));
        fleet.playRound(4);
        awaitTruth(alerts, fleet);

        // When: n3 is revoked with the CLI and keeps reporting
        HeraldRun.succeeds(
            "nodes",
            "revoke",
            "--node-id",
            "n3",
            "--bootstrap-server",
            bootstrap,
            "--schema-registry-url",
            registry.url());
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () ->
                    auditor
                        .queries()
                        .registeredNode("n3")
                        .map(n -> n.status() == NodeStatus.REVOKED)
                        .orElse(false));
        fleet.revoked("n3");
        fleet.expectNodeAlert("NODE_STATUS_CHANGED", "n3"); // every status change is an alert
        fleet.playRound(5);

        // ... and the first batch is replayed again, after 70 newer batches of its node
        for (int i = 0; i < 70; i++) {
          fleet.tick();
        }
        fleet.replayFirstBatch();

        // Then
        DetectionScore score =
            alerts.awaitGroundTruth(
                fleet::groundTruth, Duration.ofSeconds(120), Duration.ofSeconds(4));
        double[] accepted = new double[1];
        await()
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(200))
            .until(
                () ->
                    (accepted[0] = meters.counter("herald_reports", "outcome", "accepted").count())
                        >= fleet.countedReports());
        double duplicates = meters.counter("herald_reports", "outcome", "duplicate").count();
        // replayed batches are recognised by their signed content and sequence at admission
        double batchDuplicates = meters.counter("herald_batches", "outcome", "replay").count();
        double unknown = meters.counter("herald_batches", "outcome", "unknown_node").count();
        double forged = meters.counter("herald_batches", "outcome", "forged").count();
        System.out.println(
            "ROTATION alerts:\n"
                + score.table()
                + "ROTATION reports counted="
                + (long) accepted[0]
                + " expected="
                + fleet.countedReports()
                + "; duplicate reports="
                + (long) duplicates
                + " (batches dropped as duplicates="
                + (long) batchDuplicates
                + "); forged batches="
                + (long) forged
                + "; batches of the revoked node="
                + (long) unknown
                + "; duplicated OPEN alerts="
                + alerts.duplicates());
        assertThat(score.perfect()).as(score.table()).isTrue();
        alerts.assertNoAlertIdOpenTwice();
        assertThat((long) accepted[0])
            .as(
                "reports counted: each honest report exactly once, none of the old key, none of"
                    + " the revoked node, no replay")
            .isEqualTo(fleet.countedReports());
        assertThat(forged).as("batches of the old key").isEqualTo(1.0);
        assertThat(unknown).as("batches of the revoked node").isPositive();
        assertThat(duplicates + batchDuplicates).as("both replays seen as duplicates").isPositive();
        assertThat(auditor.state()).isEqualTo("RUNNING/RUNNING");
      }
    }
  }

  private static void awaitTruth(AlertLog alerts, SignedFleet fleet) {
    DetectionScore score =
        alerts.awaitGroundTruth(fleet::groundTruth, Duration.ofSeconds(90), Duration.ofSeconds(2));
    assertThat(score.perfect()).as(score.table()).isTrue();
  }
}
