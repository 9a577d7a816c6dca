package dev.herald.auditor.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.auditor.detect.EntityState;
import dev.herald.auditor.policy.AuditPolicy;
import dev.herald.schema.StateChange;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rough figure, not a benchmark: honest signed batches of 100 reports through the topology on
 * {@link TopologyTestDriver} (one task, RocksDB stores, signature verification included). Prints
 * reports per second; asserts only that every version closed without an alert.
 */
@Tag("slow")
class ReconciliationThroughputTest {
  @TempDir Path stateDir;

  @Test
  void honestBatchesFlowThroughWithoutAlerts() {
    TestReplicas replicas = new TestReplicas();
    try (TopologyRig rig =
        TopologyRig.of(
            AuditorTopology.reconciliation(
                AuditPolicy.DEFAULT, replicas.schemas, new SimpleMeterRegistry(), 1),
            TopologyRig.properties("throughput", stateDir),
            null,
            replicas)) {
      List<String> members = List.of("n1", "n2", "n3");
      members.forEach(n -> rig.nodes.pipeInput(n, replicas.registration(n, List.of("g"))));
      int entities = 2_000;
      int perBatch = 100;
      List<byte[]> prepared = new ArrayList<>();
      for (int from = 0; from < entities; from += perBatch) {
        for (String n : members) {
          List<StateChange> reports = new ArrayList<>();
          for (int e = from; e < from + perBatch; e++) {
            reports.add(replicas.honest(n, "g", "e" + e, 1));
          }
          prepared.add(replicas.signed(replicas.batch(n, reports)));
        }
      }
      long start = System.nanoTime();
      for (byte[] b : prepared) {
        rig.send("n", 1_000, b);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      int reports = entities * members.size();
      System.out.printf(
          "reconciliation on TopologyTestDriver: %d reports in %d batches, %.2f s, %.0f reports/s%n",
          reports, prepared.size(), seconds, reports / seconds);
      assertThat(rig.alerts.isEmpty()).isTrue();
      KeyValueStore<String, EntityState> store =
          rig.driver.getKeyValueStore(AuditorStores.ENTITIES);
      int closed = 0;
      try (KeyValueIterator<String, EntityState> it = store.all()) {
        while (it.hasNext()) {
          EntityState state = it.next().value;
          assertThat(state.openVersions()).isEmpty();
          closed += state.closedVersions().size();
        }
      }
      assertThat(closed).isEqualTo(entities);
    }
  }
}
