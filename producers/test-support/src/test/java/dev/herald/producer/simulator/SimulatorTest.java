package dev.herald.producer.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.producer.MockKafka;
import dev.herald.schema.Heartbeat;
import dev.herald.schema.Topics;
import dev.herald.schema.registry.InMemorySchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.truth.ExpectedAlert;
import dev.herald.testsupport.RawEventWitness;
import dev.herald.testsupport.Scenarios;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The simulator on Kafka's MockProducer: every fault type is injected once, the ground truth is
 * deterministic under the seed, and each fault is visible in the records written.
 */
class SimulatorTest {
  private static final int PARTITIONS = 6;

  private record Run(Simulator simulator, List<MockProducer<byte[], byte[]>> producers) {
    List<RawEventWitness.RawRecord> records() {
      List<RawEventWitness.RawRecord> out = new ArrayList<>();
      long offset = 0;
      for (MockProducer<byte[], byte[]> p : producers) {
        for (ProducerRecord<byte[], byte[]> r : p.history()) {
          out.add(
              new RawEventWitness.RawRecord(
                  r.topic(),
                  r.partition() == null ? 0 : r.partition(),
                  offset++,
                  r.key(),
                  r.value()));
        }
      }
      return out;
    }
  }

  private static Run start(Scenario scenario, InMemorySchemaRegistryClient registry, Path truth) {
    return start(Simulator.builder(), scenario, registry, truth);
  }

  private static Run start(
      Simulator.Builder builder,
      Scenario scenario,
      InMemorySchemaRegistryClient registry,
      Path truth) {
    List<MockProducer<byte[], byte[]>> producers = new CopyOnWriteArrayList<>();
    Simulator sim =
        builder
            .bootstrapServers("localhost:9092")
            .schemaRegistry(registry)
            .scenario(scenario)
            .truthFile(truth)
            .producerFactory(
                id -> {
                  MockProducer<byte[], byte[]> p = mock();
                  producers.add(p);
                  return p;
                })
            .reporterFactory(
                b -> {
                  MockProducer<byte[], byte[]> p = mock();
                  producers.add(p);
                  return b.build(p);
                })
            .build();
    return new Run(sim, producers);
  }

  private static MockProducer<byte[], byte[]> mock() {
    return MockKafka.producer(
        true,
        PARTITIONS,
        Topics.STATE_CHANGES,
        Topics.HEARTBEATS,
        Topics.NODES,
        Topics.GROUND_TRUTH);
  }

  @Test
  void injectsEveryFaultOnceAndEachIsVisibleInTheRecords(@TempDir Path dir) throws Exception {
    // Given
    InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    Scenario scenario = Scenarios.fast(42);
    Run run = start(scenario, registry, dir.resolve("truth.jsonl"));
    // When
    Simulator.Summary summary;
    List<RawEventWitness.RawRecord> records;
    try (Simulator sim = run.simulator()) {
      summary = sim.runEvents(6000);
      records = run.records();
    }
    // Then
    List<ExpectedAlert> truth = run.simulator().groundTruth();
    assertThat(summary.faults()).isEqualTo(FaultType.values().length);
    assertThat(truth.stream().map(ExpectedAlert::type))
        .containsExactlyInAnyOrderElementsOf(
            Arrays.stream(FaultType.values()).map(FaultType::expectedType).toList());
    assertThat(Files.readAllLines(dir.resolve("truth.jsonl")).stream().map(ExpectedAlert::fromJson))
        .containsExactlyElementsOf(truth);
    List<RawEventWitness.Finding> findings =
        new RawEventWitness(
                registry, scenario, Topics.STATE_CHANGES, Topics.HEARTBEATS, Topics.NODES)
            .check(truth, records);
    assertThat(findings)
        .allSatisfy(f -> assertThat(f.visible()).as(f.fault().type() + ": " + f.detail()).isTrue());
    assertThat(records.stream().filter(r -> r.topic().equals(Topics.GROUND_TRUTH)))
        .hasSize(truth.size());
    // and the witness is not blind: a ground truth naming other nodes or versions is not visible
    List<ExpectedAlert> wrong =
        truth.stream()
            .map(
                t ->
                    new ExpectedAlert(
                        t.faultId(),
                        t.type(),
                        t.group(),
                        t.entityKey(),
                        t.version() == null ? null : t.version() + 1000,
                        t.nodes().isEmpty() ? List.of("g1-node-1") : List.of("nobody"),
                        t.time()))
            .toList();
    assertThat(
            new RawEventWitness(
                    registry, scenario, Topics.STATE_CHANGES, Topics.HEARTBEATS, Topics.NODES)
                .check(wrong, records))
        .noneMatch(RawEventWitness.Finding::visible);
    assertThat(summary.reportsFailed()).isZero();
  }

  @Test
  @Tag("slow")
  void everyFaultKindOfTheDemoScenarioIsInjectedInEachOfFourRounds() {
    // Given the demo's scenario, 50 times faster (the same events and faults per round)
    Scenario demo = Scenario.demo().accelerated(50);
    InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    Run run = start(demo, registry, null);
    Set<FaultType> kinds = EnumSet.noneOf(FaultType.class);
    demo.faults().forEach(f -> kinds.add(f.type()));
    // When it plays four rounds
    List<List<ExpectedAlert>> rounds = new ArrayList<>();
    List<Simulator.Summary> summaries = new ArrayList<>();
    List<RawEventWitness.RawRecord> records;
    try (Simulator sim = run.simulator()) {
      for (int round = 0; round < 4; round++) {
        int before = sim.groundTruth().size();
        summaries.add(sim.run(demo.duration()));
        rounds.add(sim.groundTruth().subList(before, sim.groundTruth().size()));
      }
      records = run.records();
    }
    // Then every kind of the scenario is in every round's ground truth, as often as planned
    assertThat(kinds).hasSize(FaultType.values().length);
    for (int round = 0; round < 4; round++) {
      Map<String, Long> byType =
          rounds.get(round).stream()
              .collect(Collectors.groupingBy(ExpectedAlert::type, Collectors.counting()));
      assertThat(byType.keySet())
          .as("round %d", round + 1)
          .containsExactlyInAnyOrderElementsOf(
              kinds.stream().map(FaultType::expectedType).toList());
      assertThat(byType.get("MALFORMED_RECORD")).as("round %d malformed", round + 1).isEqualTo(3);
      assertThat(byType.get("DIVERGENCE")).as("round %d divergence", round + 1).isGreaterThan(1);
      assertThat(summaries.get(round).faults())
          .as("round %d: every planned fault injected", round + 1)
          .isEqualTo(summaries.get(round).planned());
    }
    // and each of them is visible in the records written, as the ground truth states it
    List<ExpectedAlert> truth = rounds.stream().flatMap(List::stream).toList();
    assertThat(
            new RawEventWitness(
                    registry, demo, Topics.STATE_CHANGES, Topics.HEARTBEATS, Topics.NODES)
                .check(truth, records))
        .hasSize(truth.size())
        .allSatisfy(f -> assertThat(f.visible()).as(f.fault().type() + ": " + f.detail()).isTrue());
    assertThat(summaries.get(3).reportsFailed()).isZero();
  }

  @Test
  void aRefusedFaultIsRescheduledWhileTheOthersGoAhead() {
    // Given a fault whose injector refuses its first 20 tries (100 ms apart: past the run), planned
    // with others
    AtomicInteger tries = new AtomicInteger();
    FaultInjector stubborn =
        (fleet, n) ->
            tries.incrementAndGet() <= 20
                ? new FaultInjector.NotYet("refused for the test")
                : FaultInjector.Injected.of("", List.of("g1-node-1"));
    Scenario scenario =
        Scenarios.fast(5).toBuilder()
            .faults(
                List.of(
                    Scenario.FaultSpec.count(FaultType.IDENTITY_CONFLICT, 1),
                    Scenario.FaultSpec.count(FaultType.MALFORMED, 4)))
            .build();
    Run run =
        start(
            Simulator.builder().injector(FaultType.IDENTITY_CONFLICT, stubborn),
            scenario,
            new InMemorySchemaRegistryClient(),
            null);
    // When
    Simulator.Summary summary;
    try (Simulator sim = run.simulator()) {
      summary = sim.runEvents(2000);
    }
    // Then it is injected in the end, never dropped, and was rescheduled each time it was refused
    List<String> types = run.simulator().groundTruth().stream().map(ExpectedAlert::type).toList();
    assertThat(types)
        .hasSize(5)
        .containsOnlyOnce("IDENTITY_CONFLICT")
        .endsWith("IDENTITY_CONFLICT");
    assertThat(summary.faults()).isEqualTo(summary.planned()).isEqualTo(5);
    assertThat(summary.deferrals()).isEqualTo(20);
    assertThat(tries).hasValue(21);
  }

  @Test
  void sameSeedSameGroundTruthOtherSeedOther() {
    List<List<ExpectedAlert.Identity>> runs = new ArrayList<>();
    for (long seed : new long[] {7, 7, 8}) {
      Run run = start(Scenarios.fast(seed), new InMemorySchemaRegistryClient(), null);
      try (Simulator sim = run.simulator()) {
        sim.runEvents(6000);
        runs.add(sim.groundTruth().stream().map(ExpectedAlert::identity).toList());
      }
    }
    assertThat(runs.get(0)).hasSize(FaultType.values().length).isEqualTo(runs.get(1));
    assertThat(runs.get(2)).isNotEqualTo(runs.get(0));
  }

  @Test
  void honestRunRaisesNoGroundTruth() {
    Scenario honest = Scenarios.fast(3).toBuilder().faults(List.of()).build();
    Run run = start(honest, new InMemorySchemaRegistryClient(), null);
    try (Simulator sim = run.simulator()) {
      Simulator.Summary s = sim.runEvents(1000);
      assertThat(s.events()).isEqualTo(1000);
      assertThat(sim.groundTruth()).isEmpty();
      assertThat(s.reportsSent()).isGreaterThanOrEqualTo(1000L * 5);
    }
  }

  @Test
  void aSilentWindowIsExposedWithItsInstantsAndTheNodeSendsNoHeartbeatInside() {
    // Given one crash (silent window) and nothing else
    Scenario crash =
        Scenarios.fast(11).toBuilder()
            .faults(List.of(Scenario.FaultSpec.count(FaultType.SILENT, 1)))
            .build();
    InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    Run run = start(crash, registry, null);
    // When
    List<FaultWindow> windows;
    List<RawEventWitness.RawRecord> records;
    try (Simulator sim = run.simulator()) {
      sim.runEvents(3000);
      windows = sim.faultWindows();
      records = run.records();
    }
    // Then the window names the node of the ground truth and lasts at least its nominal length
    ExpectedAlert truth = run.simulator().groundTruth().get(0);
    assertThat(windows)
        .singleElement()
        .satisfies(
            w -> {
              assertThat(w.type()).isEqualTo(FaultType.SILENT);
              assertThat(List.of(w.nodeId())).isEqualTo(truth.nodes());
              assertThat(w.group())
                  .isEqualTo(w.nodeId().substring(0, w.nodeId().indexOf("-node-")));
              assertThat(w.closed()).isTrue();
              // start and end are millisecond instants (the precision of event times on the
              // wire): truncating both can take up to 1 ms off the length
              assertThat(w.length()).isGreaterThanOrEqualTo(crash.silentWindow().minusMillis(1));
            });
    FaultWindow w = windows.get(0);
    AvroWireFormat<Heartbeat> format = new AvroWireFormat<>(Heartbeat.class, registry);
    List<Instant> beats =
        records.stream()
            .filter(r -> r.topic().equals(Topics.HEARTBEATS))
            .map(r -> format.deserialize(r.topic(), r.value()))
            .filter(h -> h.getNodeId().equals(w.nodeId()))
            .map(Heartbeat::getEventTime)
            .toList();
    assertThat(beats).noneMatch(t -> t.isAfter(w.start()) && t.isBefore(w.end()));
    assertThat(beats).anyMatch(t -> !t.isAfter(w.start())).anyMatch(t -> !t.isBefore(w.end()));
  }
}
