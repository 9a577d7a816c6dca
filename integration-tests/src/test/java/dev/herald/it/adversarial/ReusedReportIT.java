package dev.herald.it.adversarial;

import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.producer.CanonicalValues;
import dev.herald.producer.HeraldReporter;
import dev.herald.producer.Operation;
import dev.herald.schema.StateChange;
import dev.herald.schema.registry.RestSchemaRegistryClient;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * An honest replica whose service reuses one {@link StateChange} object for its reports — set the
 * fields, report, set them again — through the real reporter, on a real broker with the real
 * auditor. Before the reporter copied each report when it was handed over, the batch was signed
 * from the caller's object when the linger expired: n3's batch then held its last report four
 * times, signed by n3, and the auditor — rightly, for what n3 signed — found n3 behind on versions
 * 1 to 3. The same flaw, hit by a race instead of a reuse, made the benchmark's simulator sign an
 * honest report with an empty base (Avro's {@code StateChange.newBuilder(report)} moves a hash
 * buffer's position and back), and the auditor raised a FORK naming an honest node (round 13).
 */
@Tag("slow")
class ReusedReportIT {
  static final String PAY = "pay";
  static final List<String> NODES = List.of("n1", "n2", "n3");
  static final long VERSIONS = 4;

  @RegisterExtension final KafkaBrokerExtension kafka = KafkaBrokerExtension.perTest(false);

  @TempDir Path stateDir;

  @Test
  void aServiceThatReusesItsReportObjectIsAuditedOnWhatItReported() throws Exception {
    try (AttackRange range = AttackRange.on(kafka, "adv-reused-report").start(stateDir)) {
      AttackFleet fleet = range.fleet();
      String acct = AttackFleet.entitiesOn(PAY, 0, "acct", 1).get(0);
      fleet.register(List.of(PAY), NODES.toArray(String[]::new));
      range.startAuditor();
      range.heartbeats(NODES.toArray(String[]::new));
      List<HeraldReporter> reporters = new ArrayList<>();
      try {
        for (String n : NODES) {
          reporters.add(
              HeraldReporter.builder()
                  .nodeId(n)
                  .group(PAY)
                  .region("eu-west")
                  .keyPair(fleet.key(n))
                  .bootstrapServers(range.bootstrap())
                  .schemaRegistry(new RestSchemaRegistryClient(range.registryUrl(), Map.of()))
                  // long enough that every version of a node shares one batch
                  .linger(Duration.ofSeconds(2))
                  .heartbeatInterval(Duration.ZERO)
                  .build());
        }

        // When: n1 and n2 report each version through the reporter's own builder; n3's service
        // keeps one report object and refills it for every version
        StateChange reused = new StateChange();
        for (long v = 1; v <= VERSIONS; v++) {
          Map<String, Object> before = v == 1 ? null : balance(v - 1);
          Operation op = Operation.of("op-" + v, Map.of("deposit", 10));
          reporters.get(0).report(acct, v, before, balance(v), op);
          reporters.get(1).report(acct, v, before, balance(v), op);
          reused.setEventId(UUID.randomUUID().toString());
          reused.setGroup(PAY);
          reused.setEntityKey(acct);
          reused.setVersion(v);
          reused.setNodeId("n3");
          reused.setPrevStateHash(ByteBuffer.wrap(CanonicalValues.prevStateHash(v, before)));
          reused.setStateHash(ByteBuffer.wrap(CanonicalValues.hash(balance(v))));
          reused.setOpId(op.id());
          reused.setOpDigest(ByteBuffer.wrap(op.digest()));
          reused.setEventTime(Instant.now());
          reused.setAttributes(new HashMap<>());
          reporters.get(2).report(reused);
        }
        reporters.forEach(HeraldReporter::flush);

        // Then: every version closed, agreed by all three; no alert at all
        range.awaitClosed(PAY, acct, VERSIONS);
        range
            .verdict("a reused report object")
            .expectThat(
                "versions 1 to " + VERSIONS + " agreed with n3's hash",
                () -> agreedByAll(range, acct))
            .check();
      } finally {
        reporters.forEach(HeraldReporter::close);
      }
    }
  }

  private static Map<String, Object> balance(long v) {
    return Map.of("balance", 10 * v);
  }

  private static boolean agreedByAll(AttackRange range, String acct) {
    return range
        .auditor()
        .queries()
        .entity(PAY, acct)
        .map(
            s -> {
              for (long v = 1; v <= VERSIONS; v++) {
                var c = s.closedVersions().get(v);
                if (c == null
                    || c.agreedHash() == null
                    || !c.agreedHash().equals(c.hashes().get("n3"))) {
                  return false;
                }
              }
              return true;
            })
        .orElse(false);
  }
}
