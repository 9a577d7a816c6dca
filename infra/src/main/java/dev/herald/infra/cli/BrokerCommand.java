package dev.herald.infra.cli;

import dev.herald.infra.broker.EmbeddedKafkaBroker;
import dev.herald.infra.security.HeraldPrincipal;
import dev.herald.infra.topics.TopicAdmin;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code herald broker}: a real single-node KRaft Kafka broker in this process. */
@Command(
    name = "broker",
    mixinStandardHelpOptions = true,
    description = {
      "Starts a real single-node Apache Kafka broker (KRaft) in this process and creates Herald's"
          + " topics.",
      "Data lives in --data-dir; a restart on the same directory keeps every record.",
      "With --secure: TLS + SASL/SCRAM-SHA-512 and ACLs; client properties for each principal"
          + " (admin, auditor, operator, reporter) are written to <data-dir>/security/ for"
          + " --command-config.",
      "Stop with Ctrl-C."
    })
final class BrokerCommand implements Callable<Integer> {
  @Option(
      names = "--data-dir",
      defaultValue = ".herald",
      description = "Directory for the broker's log (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(
      names = "--port",
      defaultValue = "9092",
      description = "Client port (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--controller-port",
      defaultValue = "0",
      description = "KRaft controller port (default: a free one).")
  int controllerPort;

  @Option(
      names = "--host",
      defaultValue = "localhost",
      description = "Advertised host (default: ${DEFAULT-VALUE}).")
  String host;

  @Option(names = "--no-topics", description = "Do not create Herald's topics at start.")
  boolean noTopics;

  @Option(
      names = "--secure",
      description =
          "TLS with a generated CA, SASL/SCRAM-SHA-512 users and least-privilege ACLs; no"
              + " plaintext client listener.")
  boolean secure;

  @Option(
      names = "--auditor-application-id",
      defaultValue = "herald-auditor",
      description =
          "With --secure: the auditor's application id, whose internal topics the auditor may"
              + " manage (default: ${DEFAULT-VALUE}).")
  String auditorApplicationId;

  @Override
  public Integer call() throws Exception {
    System.out.println(
        "Starting Kafka broker (KRaft, single node"
            + (secure ? ", secure" : "")
            + ") in "
            + dataDir.toAbsolutePath()
            + " ...");
    EmbeddedKafkaBroker broker =
        EmbeddedKafkaBroker.builder()
            .dataDir(dataDir)
            .host(host)
            .port(port)
            .controllerPort(controllerPort)
            .secure(secure)
            .auditorApplicationId(auditorApplicationId)
            .build()
            .start();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  System.out.println("Stopping Kafka broker ...");
                  broker.close();
                  stopped.countDown();
                },
                "herald-broker-shutdown"));
    if (!noTopics) {
      Properties props = broker.clientProperties();
      try (TopicAdmin admin = new TopicAdmin(props)) {
        long created =
            admin.createProduction((short) 1).stream().filter(TopicAdmin.Created::created).count();
        System.out.println("Herald topics ready (" + created + " created).");
      }
    }
    System.out.println("Kafka broker ready. bootstrap.servers=" + broker.bootstrapServers());
    if (secure) {
      System.out.println("Security: SASL_SSL (SCRAM-SHA-512 over TLS), ACLs enforced.");
      System.out.println("Client properties for --command-config:");
      for (HeraldPrincipal p : HeraldPrincipal.values()) {
        System.out.println("  " + p.userName() + ": " + broker.security().clientPropertiesFile(p));
      }
    }
    System.out.println("Press Ctrl-C to stop.");
    stopped.await();
    return HeraldCli.EXIT_OK;
  }
}
