package dev.herald.auditor.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.auditor.health.RegistryUnavailableException;
import dev.herald.auditor.identity.NodeHistory;
import dev.herald.auditor.policy.AuditPolicy;
import dev.herald.schema.DeadLetter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A schema registry outage never skips or dead-letters a registration: the global registry store
 * waits until the registry answers, the identity processor waits within its budget and otherwise
 * fails the thread so the record is read again.
 */
class RegistryOutageTopologyTest {
  @TempDir Path stateDir;
  private final TestReplicas replicas = new TestReplicas();
  private final OutageRegistry registry = new OutageRegistry(replicas.schemas);

  @Test
  void registrationsReadDuringAnOutageAreAppliedOnceTheRegistryAnswers() {
    try (TopologyRig rig =
        TopologyRig.of(
            AuditorTopology.reconciliation(
                AuditPolicy.DEFAULT, registry, new SimpleMeterRegistry(), 1, InputFrontier.NONE),
            TopologyRig.properties("outage-test", stateDir),
            Instant.ofEpochMilli(0),
            replicas)) {
      // Given: the registry fails the next 5 lookups (the node schema is not known yet)
      registry.failNext(5);
      // When: three registrations arrive
      for (String n : List.of("n1", "n2", "n3")) {
        rig.nodes.pipeInput(n, replicas.registration(n, List.of("g")));
      }
      // Then: all three are in the registry store, after the registry was asked through the outage
      KeyValueStore<String, NodeHistory> store =
          rig.driver.getKeyValueStore(AuditorStores.REGISTRY);
      assertThat(registry.failed()).isEqualTo(5);
      assertThat(List.of("n1", "n2", "n3")).allSatisfy(n -> assertThat(store.get(n)).isNotNull());
      // And: an honest round of the three names none of them unknown and dead-letters nothing
      for (String n : List.of("n1", "n2", "n3")) {
        rig.report(n, 1_000, replicas.honest(n, "g", "acct-1", 1));
      }
      assertThat(rig.alerts.readValuesToList())
          .extracting(a -> a.getType().name())
          .doesNotContain("UNKNOWN_NODE", "NOT_A_MEMBER");
      assertThat(rig.dlq.readValuesToList()).isEmpty();
    }
  }

  @Test
  void aRegistrationWaitsThroughAShortOutageInsteadOfBeingDeadLettered() {
    try (TopologyRig rig = identityRig()) {
      // Given
      rig.nodes.pipeInput("a", replicas.registration("a", List.of("g")));
      registry.failNext(3);
      // When: a re-registration with another key arrives during the outage
      rig.nodes.pipeInput(
          "a", replicas.registration("a", "a", replicas.key("other").publicKey(), List.of("g")));
      // Then: it was read (the conflict is found and quarantined), not dead-lettered for the outage
      assertThat(rig.dlq.readValuesToList())
          .extracting(DeadLetter::getReason)
          .containsExactly("QUARANTINED");
      assertThat(rig.alerts.readValuesToList())
          .extracting(a -> a.getType().name())
          .containsExactly("IDENTITY_CONFLICT");
    }
  }

  @Test
  void aLongOutageFailsTheStreamThreadSoTheRecordIsReadAgainNeverDeadLettered() {
    try (TopologyRig rig = identityRig()) {
      // Given: the registry stays down longer than a stream thread waits
      registry.failNext(Integer.MAX_VALUE);
      // When / Then
      assertThatThrownBy(() -> rig.nodes.pipeInput("a", replicas.registration("a", List.of("g"))))
          .satisfies(e -> assertThat(RegistryUnavailableException.isCauseOf(e)).isTrue());
      assertThat(rig.dlq.readValuesToList()).isEmpty();
    }
  }

  private TopologyRig identityRig() {
    return TopologyRig.of(
        AuditorTopology.identity(AuditPolicy.DEFAULT, registry, new SimpleMeterRegistry()),
        TopologyRig.properties("identity-outage-test", stateDir),
        null,
        replicas);
  }
}
