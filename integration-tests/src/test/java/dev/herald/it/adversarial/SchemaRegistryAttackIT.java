package dev.herald.it.adversarial;

import static dev.herald.it.adversarial.Verdict.alert;
import static dev.herald.it.adversarial.Verdict.deadLetter;

import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.schema.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Security review #9: the schema registry as a way to stall or blind the auditor. Unknown schema
 * ids must cost a dead letter each, not a registry round trip each; and a registry outage — even
 * across an auditor restart — must lose nothing: nothing is dead-lettered as REGISTRY_UNAVAILABLE,
 * no honest node becomes UNKNOWN_NODE or NODE_SILENT, and faults played during the outage are
 * detected once it is over.
 */
@Tag("slow")
class SchemaRegistryAttackIT {
  static final String PAY = "pay";
  static final List<String> NODES = List.of("n1", "n2", "n3");
  static final int UNKNOWN_IDS = 5_000;

  /** The 5-byte header of a record with schema id 0x7fffffff and no payload. */
  static final byte[] UNKNOWN_SCHEMA = {0x00, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff};

  @RegisterExtension final KafkaBrokerExtension kafka = KafkaBrokerExtension.perTest(false);

  @TempDir Path stateDir;

  /**
   * 5,000 records {@code 00 7f ff ff ff} in bursts of 1,000 between honest rounds, against a
   * registry 20 ms away: each is an UNKNOWN_SCHEMA dead letter, and a divergence played right after
   * is detected within the usual time (a registry round trip per record would stall the stream
   * thread for 100 s).
   */
  @Test
  void anUnknownSchemaIdFloodCostsDeadLettersAndDelaysNothing() throws Exception {
    try (AttackRange range =
        AttackRange.on(kafka, "adv-schema-flood")
            .registryLatency(Duration.ofMillis(20))
            .start(stateDir)) {
      AttackFleet fleet = range.fleet();
      List<String> accounts = AttackFleet.entitiesOn(PAY, 0, "acct", 6);
      range.warmUp(PAY, NODES, accounts, 1);

      // When
      for (int burst = 0; burst < UNKNOWN_IDS / 1_000; burst++) {
        for (int i = 0; i < 1_000; i++) {
          fleet.sendRawAsync(
              Topics.STATE_CHANGES, i % AttackFleet.PARTITIONS, null, "attacker", UNKNOWN_SCHEMA);
        }
        fleet.flushRaw();
        fleet.round(PAY, NODES, accounts, 2 + burst);
      }
      String div = fleet.divergence(PAY, NODES, "n3", 0);

      // Then
      range
          .verdict("unknown schema id flood")
          .expect(deadLetter("UNKNOWN_SCHEMA").topic(Topics.STATE_CHANGES), UNKNOWN_IDS)
          .expect(alert("DIVERGENCE").group(PAY).entity(div).version(1).nodes("n3"))
          .check();
    }
  }

  /**
   * The registry goes down, the auditor restarts during the outage, honest rounds and a divergence
   * are played; the registry comes back (same address), another divergence is played. Both
   * divergences are detected and nothing else happens.
   */
  @Test
  void aRegistryOutageAcrossAnAuditorRestartLosesNothing() throws Exception {
    try (AttackRange range =
        AttackRange.on(kafka, "adv-schema-outage")
            .policy(
                """
                defaults:
                  heartbeat:
                    silenceThreshold: 8s
                """)
            // Kafka Streams does not leave its group on close: the restarted instance waits for
            // the old member's session to time out (45 s by default) — not under test here
            .auditorClient("session.timeout.ms", "6000")
            .auditorClient("heartbeat.interval.ms", "1000")
            .start(stateDir)) {
      AttackFleet fleet = range.fleet();
      List<String> accounts = AttackFleet.entitiesOn(PAY, 3, "acct", 4);
      range.warmUp(PAY, NODES, accounts, 2);

      // When: the registry is down, the auditor restarts, traffic and a fault go on
      range.stopRegistry();
      range.restartAuditor();
      fleet.round(PAY, NODES, accounts, 3);
      String during = fleet.divergence(PAY, NODES, "n3", 3);
      AttackRange.pace(Duration.ofSeconds(10));
      range.startRegistry();
      fleet.round(PAY, NODES, accounts, 4);
      String after = fleet.divergence(PAY, NODES, "n3", 3);

      // Then
      range
          .verdict("registry outage across an auditor restart")
          .expect(alert("DIVERGENCE").group(PAY).entity(during).version(1).nodes("n3"))
          .expect(alert("DIVERGENCE").group(PAY).entity(after).version(1).nodes("n3"))
          .check();
    }
  }
}
