package dev.herald.infra.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import picocli.CommandLine.Option;

/**
 * How a command reaches Kafka: {@code --bootstrap-server} and {@code --command-config} (a Kafka
 * client properties file for TLS/SASL), as Kafka's own tools take them.
 */
public final class ClientOptions {
  @Option(
      names = {"-b", "--bootstrap-server"},
      paramLabel = "HOST:PORT",
      defaultValue = "${env:HERALD_BOOTSTRAP_SERVER:-localhost:9092}",
      description =
          "Kafka bootstrap servers (default: ${DEFAULT-VALUE}; env HERALD_BOOTSTRAP_SERVER).")
  String bootstrapServers;

  @Option(
      names = "--command-config",
      paramLabel = "FILE",
      description =
          "Kafka client properties (security.protocol, ssl.*, sasl.*) for a secured cluster.")
  Path commandConfig;

  /** Client properties: the command config file, then the bootstrap servers. */
  public Properties clientProperties() {
    Properties props = new Properties();
    if (commandConfig != null) {
      try (Reader reader = Files.newBufferedReader(commandConfig)) {
        props.load(reader);
      } catch (IOException e) {
        throw new CliException(
            "cannot read --command-config " + commandConfig + ": " + e.getMessage(),
            "pass a readable Kafka client properties file");
      }
    }
    props.put("bootstrap.servers", bootstrapServers);
    return props;
  }

  public String bootstrapServers() {
    return bootstrapServers;
  }
}
