package dev.herald.infra.cli;

import dev.herald.auditor.AuditorConfig;
import dev.herald.auditor.HeraldAuditor;
import dev.herald.auditor.policy.AuditPolicy;
import dev.herald.auditor.policy.PolicyException;
import dev.herald.auditor.policy.PolicyLoader;
import dev.herald.schema.registry.SchemaRegistries;
import dev.herald.schema.registry.SchemaRegistryClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code herald auditor}: runs the Kafka Streams auditor until Ctrl-C. */
@Command(
    name = "auditor",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the Herald auditor (Kafka Streams, exactly-once): reconciles replica reports from"
          + " herald.state-changes.v1, heartbeats and the node registry, and writes alerts to"
          + " herald.alerts.v1 and bad records to herald.dlq.v1.",
      "Start several instances with the same --application-id to share the work.",
      "Stop with Ctrl-C."
    })
final class AuditorCommand implements Callable<Integer> {
  @Mixin ClientOptions client;

  @Option(
      names = "--policy",
      paramLabel = "FILE",
      description = "Policy YAML (see docs/policy.md); default: the built-in policy.")
  Path policyFile;

  @Option(
      names = "--application-id",
      defaultValue = AuditorConfig.DEFAULT_APPLICATION_ID,
      description = "Kafka Streams application id (default: ${DEFAULT-VALUE}).")
  String applicationId;

  @Option(
      names = "--state-dir",
      paramLabel = "DIR",
      defaultValue = ".herald/auditor-state",
      description = "Local state directory (default: ${DEFAULT-VALUE}).")
  Path stateDir;

  @Option(
      names = "--schema-registry-url",
      paramLabel = "URL",
      defaultValue = "${env:HERALD_SCHEMA_REGISTRY_URL:-http://localhost:8081}",
      description =
          "Confluent-compatible schema registry, or memory: for a single process (default:"
              + " ${DEFAULT-VALUE}).")
  String schemaRegistryUrl;

  @Override
  public Integer call() throws Exception {
    AuditPolicy policy;
    try {
      policy = policyFile == null ? AuditPolicy.DEFAULT : PolicyLoader.load(policyFile);
    } catch (PolicyException e) {
      throw new CliException(
          "invalid policy " + policyFile + ": " + e.getMessage(),
          "fix that key; docs/policy.md lists every key, its default and allowed values",
          HeraldCli.EXIT_USAGE,
          e);
    }
    Properties props = client.clientProperties();
    props.remove("bootstrap.servers");
    AuditorConfig config =
        AuditorConfig.builder()
            .bootstrapServers(client.bootstrapServers())
            .applicationId(applicationId)
            .stateDir(stateDir)
            .policy(policy)
            .schemaRegistry(registry(schemaRegistryUrl, props))
            .clientProperties(props)
            .build();
    System.out.println(
        "Starting auditor application-id="
            + applicationId
            + " bootstrap-server="
            + client.bootstrapServers()
            + " policy="
            + (policyFile == null ? "(built-in defaults)" : policyFile)
            + " state-dir="
            + stateDir.toAbsolutePath());
    HeraldAuditor auditor = HeraldAuditor.start(config);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  System.out.println("Stopping auditor (committing state) ...");
                  auditor.close();
                  stopped.countDown();
                },
                "herald-auditor-shutdown"));
    if (auditor.awaitRunning(Duration.ofSeconds(60))) {
      System.out.println("Auditor running. Alerts go to herald.alerts.v1. Press Ctrl-C to stop.");
    } else {
      System.out.println("Auditor not running yet (state " + auditor.state() + "); still trying.");
    }
    stopped.await();
    return HeraldCli.EXIT_OK;
  }

  /** The registry client for {@code url}; client properties pass basic auth and timeouts. */
  static SchemaRegistryClient registry(String url, Properties clientProps) {
    Map<String, String> props = new HashMap<>();
    clientProps.stringPropertyNames().forEach(k -> props.put(k, clientProps.getProperty(k)));
    try {
      return SchemaRegistries.connect(url, props);
    } catch (IllegalArgumentException e) {
      throw new CliException(
          e.getMessage(), "check --schema-registry-url", HeraldCli.EXIT_USAGE, e);
    }
  }
}
