package dev.herald.infra.cli;

import dev.herald.auditor.AuditorConfig;
import dev.herald.auditor.HeraldAuditor;
import dev.herald.auditor.api.ApiAccess;
import dev.herald.auditor.api.ApiTokens;
import dev.herald.auditor.api.AuditorApi;
import dev.herald.auditor.ledger.AuditorIdentity;
import dev.herald.auditor.policy.AuditPolicy;
import dev.herald.auditor.policy.PolicyException;
import dev.herald.auditor.policy.PolicyHolder;
import dev.herald.auditor.policy.PolicyLoader;
import dev.herald.auditor.policy.PolicyWatcher;
import dev.herald.auditor.subscribe.Subscription;
import dev.herald.auditor.subscribe.SubscriptionConfig;
import dev.herald.flink.FlinkJobConfig;
import dev.herald.schema.registry.SchemaRegistries;
import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.signing.Ed25519;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
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
      names = "--http-host",
      paramLabel = "ADDRESS",
      defaultValue = "127.0.0.1",
      description =
          "Address the dashboard, REST API and /metrics listen on (default: ${DEFAULT-VALUE},"
              + " this machine only; 0.0.0.0 for all interfaces, which needs --api-tokens).")
  String httpHost;

  @Option(
      names = "--api-tokens",
      paramLabel = "FILE",
      description =
          "Bearer tokens of the API (YAML: name, role viewer|operator, sha256 of the token; see"
              + " docs/api.md). Without it the API answers only on a loopback --http-host.")
  Path apiTokensFile;

  @Option(
      names = "--http-allowed-host",
      paramLabel = "HOST",
      description =
          "A further name clients may send in the Host header (a load balancer's or a Service's"
              + " DNS name); repeatable. The bind address, localhost and --advertised-host are"
              + " always allowed.")
  List<String> allowedHosts = new ArrayList<>();

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

  @Option(
      names = "--auditor-key",
      paramLabel = "FILE",
      description =
          "The auditor's Ed25519 private key (PKCS#8 PEM from 'herald nodes keygen', registered"
              + " with 'herald nodes register --role auditor'): signs every alert and tree head."
              + " Without it a fresh unregistered key is used (herald verify reports it unknown).")
  Path auditorKey;

  @Option(
      names = "--auditor-id",
      paramLabel = "NODE_ID",
      defaultValue = "auditor-1",
      description =
          "The auditor's node id in the registry (registered with role auditor; default:"
              + " ${DEFAULT-VALUE}).")
  String auditorId;

  @Option(
      names = "--tree-head-interval",
      paramLabel = "DURATION",
      defaultValue = "10s",
      description =
          "How often each audit log that grew gets a signed tree head (default:"
              + " ${DEFAULT-VALUE}).")
  String treeHeadInterval;

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
    ApiAccess access = null;
    if (httpPort >= 0) {
      access = access();
    }
    SchemaRegistryClient registry = registry(schemaRegistryUrl, props);
    AuditorIdentity identity = auditorIdentity(client.clientProperties(), registry);
    PrometheusMeterRegistry meters = AuditorApi.prometheusRegistry();
    PolicyHolder policies = new PolicyHolder(policy);
    AuditorConfig config =
        AuditorConfig.builder()
            .bootstrapServers(client.bootstrapServers())
            .applicationId(applicationId)
            .stateDir(stateDir)
            .policies(policies)
            .schemaRegistry(registry)
            .meters(meters)
            .clientProperties(props)
            .auditorIdentity(identity)
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
    PolicyWatcher watcher = null;
    if (policyFile != null) {
      try {
        watcher = PolicyWatcher.start(policies, policyFile, true, this::reported);
      } catch (IOException e) {
        System.err.println(
            "warning: cannot watch "
                + policyFile
                + " for changes ("
                + e.getMessage()
                + "); restart the auditor to apply a new policy");
      }
    }
    AuditorApi api = null;
    if (httpPort >= 0) {
      Properties kafka = client.clientProperties();
      try {
        api =
            AuditorApi.builder()
                .kafka(kafka)
                .registry(registry)
                .meterRegistry(meters)
                .host(httpHost)
                .access(access)
                .port(httpPort)
                .healthy(() -> "RUNNING/RUNNING".equals(auditor.state()))
                .instanceName(advertisedHost + ":" + httpPort)
                .subscriptions(subscriptions)
                .entityLookup(auditor.entityLookup(new HostInfo(advertisedHost, httpPort)))
                .health(auditor::health)
                .silenceThreshold(policy.defaults().silenceThreshold())
                .start();
      } catch (RuntimeException e) {
        auditor.close();
        throw new CliException(
            "cannot serve the dashboard on " + httpHost + ":" + httpPort + ": " + e.getMessage(),
            "choose another --http-host or --http-port, or --http-port -1 for none",
            HeraldCli.EXIT_FAILURE,
            e);
      }
      System.out.println(
          "Dashboard and API: http://"
              + (ApiAccess.isWildcardHost(httpHost) ? advertisedHost : httpHost)
              + ":"
              + httpPort
              + "/ (listening on "
              + httpHost
              + ", "
              + (access.open()
                  ? "no authentication: loopback only"
                  : access.tokensConfigured()
                      ? "bearer tokens from " + apiTokensFile
                      : "every request refused: no --api-tokens")
              + ")");
    }
    AuditorApi started = api;
    PolicyWatcher startedWatcher = watcher;
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  System.out.println("Stopping auditor (committing state) ...");
                  if (startedWatcher != null) {
                    startedWatcher.close();
                  }
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

  /** Prints a policy reload's outcome: operators see what changed without raising log levels. */
  private void reported(PolicyHolder.Reload r) {
    if (r instanceof PolicyHolder.Applied a) {
      System.out.println(
          "Policy reloaded from " + policyFile + ": " + String.join("; ", a.changes()));
    } else if (r instanceof PolicyHolder.Unchanged) {
      System.out.println("Policy " + policyFile + " re-read: no change.");
    }
    // a refusal is logged at WARN by PolicyHolder, with the reason
  }

  private ApiAccess access() {
    ApiTokens tokens = null;
    if (apiTokensFile != null) {
      try {
        tokens = ApiTokens.load(apiTokensFile);
      } catch (IllegalArgumentException e) {
        throw new CliException(
            "invalid --api-tokens: " + e.getMessage(),
            "each entry needs name, role (viewer or operator) and sha256 (docs/api.md,"
                + " Authentication)",
            HeraldCli.EXIT_USAGE,
            e);
      }
    }
    Set<String> extra = new LinkedHashSet<>(allowedHosts);
    extra.add(advertisedHost);
    ApiAccess access = ApiAccess.of(httpHost, tokens, extra);
    if (!access.open() && tokens == null) {
      System.err.println(
          "warning: --http-host "
              + httpHost
              + " is not a loopback address and no --api-tokens is given: the API will answer"
              + " 401 to every request but /health");
    }
    return access;
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

  /**
   * The identity of {@code --auditor-id}/{@code --auditor-key}, or null (a fresh unregistered key)
   * without a key; refuses a key file that is missing, not an Ed25519 key, or not registered with
   * role auditor for that id.
   */
  private AuditorIdentity auditorIdentity(Properties clientProps, SchemaRegistryClient registry) {
    Duration interval = FlinkJobConfig.parseDuration("--tree-head-interval", treeHeadInterval);
    if (auditorKey == null) {
      return null;
    }
    Ed25519.KeyPair key = AuditorKeyFile.read(auditorKey, auditorId);
    AuditorKeyFile.requireRegistered(
        new AuditLogSource(clientProps, registry, new PrintWriter(System.err, true)).auditorKeys(),
        auditorId,
        key,
        auditorKey);
    return new AuditorIdentity(auditorId, key, interval);
  }
}
