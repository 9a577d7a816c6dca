package dev.herald.infra.cli;

import dev.herald.auditor.AuditorConfig;
import dev.herald.auditor.HeraldAuditor;
import dev.herald.auditor.api.AuditorApi;
import dev.herald.auditor.policy.AuditPolicy;
import dev.herald.auditor.policy.PolicyException;
import dev.herald.auditor.policy.PolicyLoader;
import dev.herald.auditor.subscribe.Subscription;
import dev.herald.auditor.subscribe.SubscriptionConfig;
import dev.herald.schema.registry.SchemaRegistries;
import dev.herald.schema.registry.SchemaRegistryClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.HostInfo;
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

  @Option(
      names = "--http-port",
      defaultValue = "8080",
      description = "Dashboard, REST API and /metrics port (default: ${DEFAULT-VALUE}; -1 = none).")
  int httpPort;

  @Option(
      names = "--advertised-host",
      defaultValue = "localhost",
      description =
          "Host other auditor instances reach this one at, for forwarding entity queries"
              + " (default: ${DEFAULT-VALUE}).")
  String advertisedHost;

  @Option(
      names = "--subscriptions",
      paramLabel = "FILE",
      description =
          "Alert subscriptions YAML: webhooks and Alertmanager (examples/subscriptions.yaml).")
  Path subscriptionsFile;

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
    List<Subscription> subscriptions = List.of();
    if (subscriptionsFile != null) {
      try {
        subscriptions = SubscriptionConfig.load(subscriptionsFile);
      } catch (RuntimeException e) {
        throw new CliException(
            "invalid --subscriptions " + subscriptionsFile + ": " + e.getMessage(),
            "see examples/subscriptions.yaml and docs/api.md",
            HeraldCli.EXIT_USAGE,
            e);
      }
    }
    if (httpPort >= 0) {
      props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, advertisedHost + ":" + httpPort);
    }
    SchemaRegistryClient registry = registry(schemaRegistryUrl, props);
    AuditorConfig config =
        AuditorConfig.builder()
            .bootstrapServers(client.bootstrapServers())
            .applicationId(applicationId)
            .stateDir(stateDir)
            .policy(policy)
            .schemaRegistry(registry)
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
    AuditorApi api = null;
    if (httpPort >= 0) {
      Properties kafka = client.clientProperties();
      try {
        api =
            AuditorApi.builder()
                .kafka(kafka)
                .registry(registry)
                .port(httpPort)
                .subscriptions(subscriptions)
                .entityLookup(auditor.entityLookup(new HostInfo(advertisedHost, httpPort)))
                .health(auditor::health)
                .silenceThreshold(policy.defaults().silenceThreshold())
                .start();
      } catch (RuntimeException e) {
        auditor.close();
        throw new CliException(
            "cannot serve the dashboard on port " + httpPort + ": " + e.getMessage(),
            "choose another --http-port, or -1 for none",
            HeraldCli.EXIT_FAILURE,
            e);
      }
      System.out.println("Dashboard and API: http://" + advertisedHost + ":" + httpPort + "/");
    }
    AuditorApi started = api;
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  System.out.println("Stopping auditor (committing state) ...");
                  if (started != null) {
                    started.close();
                  }
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
