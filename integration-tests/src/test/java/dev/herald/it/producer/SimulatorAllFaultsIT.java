package dev.herald.it.producer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.producer.simulator.FaultType;
import dev.herald.producer.simulator.Scenario;
import dev.herald.producer.simulator.Simulator;
import dev.herald.schema.Topics;
import dev.herald.schema.registry.InMemorySchemaRegistryClient;
import dev.herald.schema.truth.ExpectedAlert;
import dev.herald.testsupport.RawEventWitness;
import dev.herald.testsupport.Scenarios;
import dev.herald.testsupport.TopicDrainer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * On a real KRaft broker, a simulator run with every fault type writes its events and its ground
 * truth, and re-reading the topics shows each injected fault in the raw records (e.g. two validly
 * signed, different reports of one node for the equivocation) — no auditor involved.
 */
@Tag("slow")
class SimulatorAllFaultsIT {
  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @Test
  void everyInjectedFaultIsVisibleInTheRawEvents(@TempDir Path dir) throws Exception {
    // Given
    InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    Scenario scenario = Scenarios.fastOnABroker(2026);
    Path truthFile = dir.resolve("truth.jsonl");
    List<ExpectedAlert> truth;
    Simulator.Summary summary;
    // When
    try (Simulator sim =
        Simulator.builder()
            .bootstrapServers(KAFKA.bootstrapServers())
            .schemaRegistry(registry)
            .scenario(scenario)
            .truthFile(truthFile)
            .build()) {
      sim.registerNodes();
      summary = sim.runEvents(8000);
      truth = sim.groundTruth();
    }
    // Then
    assertThat(summary.reportsFailed()).isZero();
    assertThat(truth.stream().map(ExpectedAlert::type))
        .containsExactlyInAnyOrderElementsOf(
            Arrays.stream(FaultType.values()).map(FaultType::expectedType).toList());
    assertThat(Files.readAllLines(truthFile).stream().map(ExpectedAlert::fromJson))
        .containsExactlyElementsOf(truth);

    List<RawEventWitness.RawRecord> records =
        TopicDrainer.readAllRaw(
            KAFKA.bootstrapServers(),
            List.of(Topics.STATE_CHANGES, Topics.HEARTBEATS, Topics.NODES, Topics.GROUND_TRUTH));
    List<ExpectedAlert> truthOnTopic =
        records.stream()
            .filter(r -> r.topic().equals(Topics.GROUND_TRUTH))
            .map(r -> ExpectedAlert.fromJson(new String(r.value(), StandardCharsets.UTF_8)))
            .toList();
    assertThat(truthOnTopic).containsExactlyElementsOf(truth);
    List<RawEventWitness.Finding> findings =
        new RawEventWitness(
                registry, scenario, Topics.STATE_CHANGES, Topics.HEARTBEATS, Topics.NODES)
            .check(truth, records);
    assertThat(findings)
        .allSatisfy(f -> assertThat(f.visible()).as(f.fault().type() + ": " + f.detail()).isTrue());
    long reportsOnTopic =
        records.stream().filter(r -> r.topic().equals(Topics.STATE_CHANGES)).count();
    assertThat(reportsOnTopic).isGreaterThan(1000);
  }
}
