package dev.herald.infra.cli;

import dev.herald.infra.nodes.Registries;
import dev.herald.infra.topics.TopicAdmin;
import dev.herald.producer.simulator.FaultType;
import dev.herald.producer.simulator.Scenario;
import dev.herald.producer.simulator.Simulator;
import dev.herald.schema.registry.SchemaRegistryClient;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code herald simulate}: replicas that report through the real SDK, with injected faults and the
 * ground truth of what the auditor should raise.
 *
 * <pre>
 * herald simulate --groups 3 --replicas 5 --rate 200 --duration 60s --faults all --truth truth.jsonl
 * herald simulate --scenario examples/scenario-all-faults.yaml --seed 7
 * herald simulate --faults divergence,lag,equivocation --events 20000
 * </pre>
 */
@Command(
    name = "simulate",
    mixinStandardHelpOptions = true,
    description =
        "Simulates replicated services reporting to Herald, injects faults from a scenario and/or"
            + " flags, and writes the ground truth (--truth and herald.ground-truth.v1).",
    footer = {
      "",
      "Fault types: divergence, partition, lag, silent, equivocation, forgery, unregistered,",
      "non-member, fork, double-spend, duplicate-apply, flood, confusable-id, identity-conflict,",
      "benign-duplicate, malformed. Scenario format: docs/simulator.md."
    })
public final class SimulateCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;
  @Mixin ClientOptions client;

  @Option(
      names = "--schema-registry-url",
      paramLabel = "URL",
      defaultValue = "${env:HERALD_SCHEMA_REGISTRY_URL:-http://localhost:8081}",
      description = "Schema registry (default: ${DEFAULT-VALUE}; env HERALD_SCHEMA_REGISTRY_URL).")
  String schemaRegistryUrl;

  @Mixin ScenarioOptions scenarioOptions;

  @Option(names = "--groups", description = "Replication groups (default 3).")
  Integer groups;

  @Option(names = "--replicas", description = "Replicas per group (default 5).")
  Integer replicas;

  @Option(names = "--entities", description = "Accounts per group (default 100).")
  Integer entities;

  @Option(
      names = "--rate",
      paramLabel = "EPS",
      description = "Operations per second (default 200).")
  Double rate;

  @Option(names = "--duration", paramLabel = "D", description = "Run length, e.g. 60s, 5m.")
  String duration;

  @Option(
      names = "--events",
      paramLabel = "N",
      description = "Operations to run (instead of --duration).")
  Long events;

  @Option(names = "--seed", description = "Same seed, same operations, faults and ground truth.")
  Long seed;

  @Option(
      names = "--faults",
      paramLabel = "all|none|LIST",
      description =
          "Faults to inject once each: all, none, or a comma-separated list (replaces the scenario's).")
  String faults;

  @Option(
      names = "--truth",
      paramLabel = "FILE",
      description = "Write the ground truth as JSON lines here.")
  Path truth;

  @Override
  public Integer call() {
    Scenario scenario = scenario();
    SchemaRegistryClient registry;
    try {
      registry = Registries.connect(schemaRegistryUrl);
    } catch (IllegalArgumentException e) {
      throw new CliException(
          e.getMessage(), "pass --schema-registry-url of the registry the auditor uses");
    }
    PrintWriter err = spec.commandLine().getErr();
    // The ground truth topic is the simulator's own: production setups ('herald topics create')
    // never have it.
    try (TopicAdmin admin = new TopicAdmin(client.clientProperties())) {
      admin.createSimulator((short) 0);
    }
    Map<String, Object> kafka = new HashMap<>();
    client.clientProperties().forEach((k, v) -> kafka.put(k.toString(), v));
    try (Simulator sim =
        Simulator.builder()
            .bootstrapServers(client.bootstrapServers())
            .kafkaProperties(kafka)
            .schemaRegistry(registry)
            .scenario(scenario)
            .truthFile(truth)
            .progress(
                p -> {
                  err.printf(
                      "simulate: %d events, %.0f events/s, %d faults injected, %d reports sent, %d failed%n",
                      p.events(),
                      p.eventsPerSecond(),
                      p.faults(),
                      p.reportsSent(),
                      p.reportsFailed());
                  err.flush();
                })
            .build()) {
      Simulator.Summary s = sim.run();
      PrintWriter out = spec.commandLine().getOut();
      out.printf(
          "simulated %d events in %.1f s: %d faults injected (%d planned), %d reports sent, %d failed%n",
          s.events(),
          s.elapsed().toMillis() / 1000.0,
          s.faults(),
          s.planned(),
          s.reportsSent(),
          s.reportsFailed());
      if (truth != null) {
        out.printf("ground truth: %s (and topic herald.ground-truth.v1)%n", truth);
      }
      out.flush();
      return s.reportsFailed() == 0 ? HeraldCli.EXIT_OK : HeraldCli.EXIT_FAILURE;
    }
  }

  Scenario scenario() {
    Scenario.Builder b =
        scenarioOptions.load().map(Scenario::toBuilder).orElseGet(Scenario::builder);
    try {
      if (groups != null) b.groups(groups);
      if (replicas != null) b.replicas(replicas);
      if (entities != null) b.entities(entities);
      if (rate != null) b.rate(rate);
      if (seed != null) b.seed(seed);
      if (duration != null) b.duration(Scenario.parseDuration(duration));
      if (events != null) b.events(events);
      if (faults != null) b.faults(parseFaults(faults));
      Scenario s = b.build();
      if (s.duration() == null && s.events() == null) {
        return s.toBuilder().duration(Duration.ofSeconds(60)).build();
      }
      return s;
    } catch (IllegalArgumentException e) {
      throw new CliException(
          e.getMessage(),
          "run herald simulate --help for the allowed values",
          HeraldCli.EXIT_USAGE,
          e);
    }
  }

  static List<Scenario.FaultSpec> parseFaults(String text) {
    List<Scenario.FaultSpec> specs = new ArrayList<>();
    switch (text.trim()) {
      case "none" -> {
        return specs;
      }
      case "all" -> {
        for (FaultType t : FaultType.values()) {
          specs.add(Scenario.FaultSpec.count(t, 1));
        }
        return specs;
      }
      default -> {
        for (String name : text.split(",")) {
          if (!name.isBlank()) {
            specs.add(Scenario.FaultSpec.count(FaultType.parse(name), 1));
          }
        }
        return specs;
      }
    }
  }
}
