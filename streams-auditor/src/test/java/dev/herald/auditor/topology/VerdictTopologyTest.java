package dev.herald.auditor.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.auditor.policy.AuditPolicy;
import dev.herald.auditor.policy.PolicyLoader;
import dev.herald.schema.ConsistencyVerdict;
import dev.herald.schema.Topics;
import dev.herald.schema.VerdictOutcome;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reconciliation topology writes one verdict per closed version to {@code herald.verdicts.v1},
 * keyed by entity id and version, from both close paths (every member reported; grace passed), and
 * none for input it does not admit. On {@link TopologyTestDriver}, no broker.
 */
class VerdictTopologyTest {
  private static final String G = "g";
  private static final List<String> MEMBERS = List.of("n1", "n2", "n3");

  @TempDir Path stateDir;
  private final TestReplicas replicas = new TestReplicas();
  private final AtomicReference<AuditPolicy> policy = new AtomicReference<>(AuditPolicy.DEFAULT);
  @AutoClose private TopologyRig rig;
  private TestOutputTopic<String, ConsistencyVerdict> verdicts;

  @BeforeEach
  void start() {
    rig = TopologyRig.reconciliation(replicas, stateDir, "verdict-test", policy::get);
    verdicts = rig.output(Topics.VERDICTS, ConsistencyVerdict.class);
    for (String n : MEMBERS) {
      rig.nodes.pipeInput(n, replicas.registration(n, List.of(G)));
    }
  }

  @Test
  void aVersionEveryMemberReportedIsOneAgreedVerdictWithItsTimeToAgreement() {
    // When the three members report version 1 of a at 1 000, 1 100 and 1 300 (broker time)
    rig.send("n1", 1_000, replicas.signedBatch("n1", replicas.honest("n1", G, "a", 1)));
    rig.send("n2", 1_100, replicas.signedBatch("n2", replicas.honest("n2", G, "a", 1)));
    rig.send("n3", 1_300, replicas.signedBatch("n3", replicas.honest("n3", G, "a", 1)));
    // and n3 sends the same batch content again (a duplicate, not a new close)
    rig.send("n3", 1_400, replicas.signedBatch("n3", replicas.honest("n3", G, "a", 1)));

    // Then exactly one verdict, keyed by entity id and version
    List<KeyValue<String, ConsistencyVerdict>> out = verdicts.readKeyValuesToList();
    assertThat(out).singleElement().satisfies(kv -> assertThat(kv.key).isEqualTo("1:g/a#1"));
    ConsistencyVerdict v = out.get(0).value;
    assertThat(v.getOutcome()).isEqualTo(VerdictOutcome.AGREED);
    assertThat(v.getReplicasAgreeing()).isEqualTo(3);
    assertThat(v.getMsToAgreement()).isEqualTo(300L);
  }

  @Test
  void aVersionClosedByTheGraceIsLagging() {
    // Given two of three members report version 1
    rig.send("n1", 1_000, replicas.signedBatch("n1", replicas.honest("n1", G, "a", 1)));
    rig.send("n2", 1_000, replicas.signedBatch("n2", replicas.honest("n2", G, "a", 1)));
    assertThat(verdicts.isEmpty()).isTrue();

    // When report time passes the 2 s grace
    rig.send("n1", 3_500, replicas.signedBatch("n1"));

    // Then the close by grace writes its verdict
    assertThat(verdicts.readValuesToList())
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.getOutcome()).isEqualTo(VerdictOutcome.LAGGING);
              assertThat(v.getReplicasAgreeing()).isEqualTo(2);
              assertThat(v.getMsToAgreement()).isNull();
            });
  }

  @Test
  void aForgedReportNeverMakesAnHonestVersionLookDiverged() {
    // Given a batch claiming to be n3's with another state, signed with n1's key
    var forged = replicas.batch("n3", List.of(replicas.change("n3", G, "a", 1, "", "evil", "op1")));
    rig.send("n3", 1_000, replicas.signedWith(forged, replicas.key("n1")));

    // When the three members report honestly
    for (String n : MEMBERS) {
      rig.send(n, 1_100, replicas.signedBatch(n, replicas.honest(n, G, "a", 1)));
    }

    // Then the version is agreed by all three: the forgery never reached the vote
    assertThat(verdicts.readValuesToList())
        .singleElement()
        .satisfies(v -> assertThat(v.getOutcome()).isEqualTo(VerdictOutcome.AGREED));
  }

  @Test
  void everyVerdictCarriesItsGroupsSloAtTheCloseAndAReloadAppliesToTheNextVerdicts() {
    // Given the default policy (M 5 s, target 0.999): version 1 is stamped with it
    for (String n : MEMBERS) {
      rig.send(n, 1_000, replicas.signedBatch(n, replicas.honest(n, G, "a", 1)));
    }
    assertThat(verdicts.readValuesToList())
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.getWithinMs()).isEqualTo(5_000L);
              assertThat(v.getTarget()).isEqualTo(0.999);
            });

    // When the policy is reloaded with group g's own SLO
    policy.set(
        PolicyLoader.parse(
            """
            groups:
              g:
                consistency:
                  within: 1500ms
                  target: 0.99
            """));
    for (String n : MEMBERS) {
      rig.send(n, 2_000, replicas.signedBatch(n, replicas.honest(n, G, "a", 2)));
    }

    // Then the next verdict carries the new M and target
    assertThat(verdicts.readValuesToList())
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.getVersion()).isEqualTo(2L);
              assertThat(v.getWithinMs()).isEqualTo(1_500L);
              assertThat(v.getTarget()).isEqualTo(0.99);
            });
  }
}
