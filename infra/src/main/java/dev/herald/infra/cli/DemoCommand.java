package dev.herald.infra.cli;

import dev.herald.infra.demo.Demo;
import dev.herald.infra.demo.DemoScenario;
import dev.herald.producer.simulator.Scenario;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code herald demo}: the whole system in one process, with a browser dashboard. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the whole of Herald in this process: a real Kafka broker (KRaft), the schema registry,"
          + " the auditor (Kafka Streams) with its dashboard, the Flink jobs, and a simulator of"
          + " 3 x 5 replicas injecting every kind of fault.",
      "Open the dashboard URL it prints. Stop with Ctrl-C; a second run resumes on the same data"
          + " (use --fresh to start over)."
    })
final class DemoCommand implements Callable<Integer> {
  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

  @Option(
      names = "--data-dir",
      defaultValue = ".herald/demo",
      description = "Broker data, auditor state and ground truth (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(
      names = "--port",
      defaultValue = "8080",
      description = "Dashboard and REST API port (default: ${DEFAULT-VALUE}; 0 = any free port).")
  int port;

  @Option(
      names = "--http-host",
      paramLabel = "ADDRESS",
      defaultValue = "127.0.0.1",
      description =
          "Address the dashboard and API listen on (default: ${DEFAULT-VALUE}, no token needed;"
              + " any other address needs --api-tokens).")
  String httpHost;

  @Option(
      names = "--api-tokens",
      paramLabel = "FILE",
      description = "Bearer tokens of the API (docs/api.md, Authentication).")
  Path apiTokens;

  @Option(
      names = "--kafka-port",
      defaultValue = "9092",
      description = "Kafka broker port (default: ${DEFAULT-VALUE}; 0 = any free port).")
  int kafkaPort;

  @Option(
      names = "--registry-port",
      defaultValue = "8081",
      description = "Schema registry port (default: ${DEFAULT-VALUE}; 0 = any free port).")
  int registryPort;

  @Mixin ScenarioOptions scenarioOptions;

  @Option(names = "--no-faults", description = "Honest replicas only: no alert should fire.")
  boolean noFaults;

  @Option(
      names = "--duration",
      paramLabel = "DURATION",
      description = "Stop after this long, e.g. 90s or 10m (default: run until Ctrl-C).")
  String duration;

  @Option(names = "--fresh", description = "Delete --data-dir first and start from nothing.")
  boolean fresh;

  @Option(names = "--no-flink", description = "Do not run the Flink jobs (saves memory and CPU).")
  boolean noFlink;

  @Option(
      names = "--summary-every",
      defaultValue = "5s",
      paramLabel = "DURATION",
      description = "How often the live summary line is printed (default: ${DEFAULT-VALUE}).")
  String summaryEvery;

  @Override
  public Integer call() throws Exception {
    Scenario scenario = scenario();
    Duration runFor = duration == null ? null : parse("--duration", duration);
    Duration every = parse("--summary-every", summaryEvery);
    System.out.println(
        "Herald demo: data in " + dataDir.toAbsolutePath() + (fresh ? " (fresh)" : ""));
    long t0 = System.nanoTime();
    Demo demo =
        Demo.start(
            new Demo.Options(
                dataDir,
                port,
                kafkaPort,
                registryPort,
                scenario,
                runFor,
                fresh,
                !noFlink,
                httpHost,
                apiTokens),
            System.out);
    System.out.printf(
        "%nHerald is running (started in %.1f s). Dashboard: %s%n"
            + "Kafka: %s   Schema registry: %s%n"
            + "Follow alerts in another terminal: ./herald alerts --follow -b %s"
            + " --schema-registry-url %s%n"
            + "Press Ctrl-C to stop.%n%n",
        (System.nanoTime() - t0) / 1e9,
        demo.dashboardUrl(),
        demo.bootstrapServers(),
        demo.registryUrl(),
        demo.bootstrapServers(),
        demo.registryUrl());
    CountDownLatch stop = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              System.out.println("\nStopping Herald demo ...");
              long s = System.nanoTime();
              demo.close();
              System.out.printf("Stopped in %.1f s.%n", (System.nanoTime() - s) / 1e9);
              stop.countDown();
            },
            "herald-demo-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    long deadline = runFor == null ? Long.MAX_VALUE : System.nanoTime() + runFor.toNanos();
    while (!stop.await(every.toMillis(), TimeUnit.MILLISECONDS)) {
      System.out.println(LocalTime.now().format(CLOCK) + "  " + demo.summary().line());
      if (demo.simulatorFailure() != null) {
        System.err.println("The simulator stopped: " + demo.simulatorFailure().getMessage());
      }
      if (System.nanoTime() > deadline) {
        Runtime.getRuntime().removeShutdownHook(hook);
        hook.run();
        break;
      }
    }
    return HeraldCli.EXIT_OK;
  }

  private Scenario scenario() {
    Scenario s = scenarioOptions.load().orElseGet(DemoScenario::mixedFaults);
    if (noFaults) {
      s = s.toBuilder().faults(List.of()).build();
    }
    return s;
  }

  static Duration parse(String option, String text) {
    try {
      return Scenario.parseDuration(text);
    } catch (IllegalArgumentException e) {
      throw new CliException(
          option + " '" + text + "' is not a duration",
          "use a number and a unit, e.g. 500ms, 30s, 10m",
          HeraldCli.EXIT_USAGE,
          e);
    }
  }
}
