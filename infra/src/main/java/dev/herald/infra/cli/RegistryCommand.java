package dev.herald.infra.cli;

import dev.herald.infra.registry.EmbeddedSchemaRegistry;
import dev.herald.schema.Topics;
import io.javalin.util.JavalinBindException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code herald registry}: a Confluent-compatible schema registry whose store is the compacted
 * topic {@value Topics#SCHEMAS} on the given Kafka cluster.
 */
@Command(
    name = "registry",
    mixinStandardHelpOptions = true,
    description = {
      "Starts Herald's schema registry: the Confluent Schema Registry REST API, storing schemas in"
          + " the compacted topic "
          + Topics.SCHEMAS
          + ".",
      "Ids survive restarts and are the same for every instance on the same cluster.",
      "Point any Confluent-compatible client at the printed URL. Stop with Ctrl-C."
    })
final class RegistryCommand implements Callable<Integer> {
  @Mixin ClientOptions client;

  @Option(
      names = "--host",
      defaultValue = "127.0.0.1",
      description = "Address to listen on (default: ${DEFAULT-VALUE}).")
  String host;

  @Option(
      names = "--port",
      defaultValue = "8081",
      description = "HTTP port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--topic",
      defaultValue = Topics.SCHEMAS,
      description = "Schema topic (default: ${DEFAULT-VALUE}).")
  String topic;

  @Option(
      names = "--replication-factor",
      defaultValue = "1",
      description = "Replication factor if the topic is created (default: ${DEFAULT-VALUE}).")
  short replicationFactor;

  @Option(
      names = "--timeout",
      defaultValue = "PT30S",
      description = "How long to wait for Kafka, ISO-8601 (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  @Override
  public Integer call() throws Exception {
    Map<String, Object> kafka = new HashMap<>();
    client.clientProperties().forEach((k, v) -> kafka.put((String) k, v));
    EmbeddedSchemaRegistry registry;
    try {
      registry =
          EmbeddedSchemaRegistry.builder()
              .bootstrapServers(client.bootstrapServers())
              .kafkaProperties(kafka)
              .host(host)
              .port(port)
              .topic(topic)
              .replicationFactor(replicationFactor)
              .timeout(timeout)
              .start();
    } catch (IllegalStateException e) {
      throw new CliException(
          "cannot start the schema registry: " + e.getMessage(),
          "is a Kafka broker running at "
              + client.bootstrapServers()
              + "? Start one with: ./herald broker",
          HeraldCli.EXIT_FAILURE,
          e);
    } catch (JavalinBindException e) {
      throw new CliException(
          "cannot listen on " + host + ":" + port + ": " + e.getMessage(),
          "pick another --port (0 picks a free one)",
          HeraldCli.EXIT_FAILURE,
          e);
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  System.out.println("Stopping schema registry ...");
                  registry.close();
                  stopped.countDown();
                },
                "herald-registry-shutdown"));
    System.out.println("Schema registry ready. url=" + registry.url());
    System.out.println("Use it with --schema-registry-url " + registry.url());
    System.out.println("Press Ctrl-C to stop.");
    System.out.flush();
    stopped.await();
    return HeraldCli.EXIT_OK;
  }
}
