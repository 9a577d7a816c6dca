package dev.herald.infra.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.herald.infra.topics.TopicAdmin;
import dev.herald.schema.Topics;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code herald topics create|list}. */
@Command(
    name = "topics",
    mixinStandardHelpOptions = true,
    description = "Creates or lists Herald's topics on any Kafka cluster.",
    subcommands = {TopicsCommand.Create.class, TopicsCommand.ListTopics.class})
final class TopicsCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Output formats of list commands. */
  enum Output {
    table,
    json
  }

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description =
          "Creates every Herald production topic that does not exist yet (existing ones are"
              + " kept); input topics use the broker's clock (message.timestamp.type=LogAppendTime)."
              + " The simulator's ground truth is created by 'demo' and 'simulate' only.")
  static final class Create implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Option(
        names = "--replication-factor",
        defaultValue = "1",
        description = "Replication factor (default: ${DEFAULT-VALUE}; use 3 on a real cluster).")
    short replicationFactor;

    @Override
    public Integer call() {
      try (TopicAdmin admin = new TopicAdmin(client.clientProperties())) {
        for (TopicAdmin.Created c : admin.createProduction(replicationFactor)) {
          System.out.printf("%-28s %s%n", c.name(), c.created() ? "created" : "exists");
        }
        admin
            .inputsNotOnBrokerTime()
            .forEach(
                (topic, type) ->
                    System.err.printf(
                        "warning: %s exists with %s=%s, so its writers choose the time the"
                            + " auditor judges by; fix: kafka-configs.sh --bootstrap-server <broker>"
                            + " --alter --entity-type topics --entity-name %s --add-config %s=%s%n",
                        topic,
                        Topics.TIMESTAMP_TYPE,
                        type,
                        topic,
                        Topics.TIMESTAMP_TYPE,
                        Topics.LOG_APPEND_TIME));
      }
      return HeraldCli.EXIT_OK;
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "Lists Herald's topics with partitions, replication and cleanup policy.")
  static final class ListTopics implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Option(
        names = {"-o", "--output"},
        defaultValue = "table",
        description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Output output;

    @Override
    public Integer call() throws Exception {
      List<TopicAdmin.Described> topics;
      try (TopicAdmin admin = new TopicAdmin(client.clientProperties())) {
        topics = admin.list();
      }
      if (output == Output.json) {
        System.out.println(
            new ObjectMapper()
                .enable(SerializationFeature.INDENT_OUTPUT)
                .writeValueAsString(topics));
        return HeraldCli.EXIT_OK;
      }
      System.out.printf(
          "%-28s %10s %11s  %-16s %s%n",
          "TOPIC", "PARTITIONS", "REPLICATION", "CLEANUP", "RETENTION.MS");
      for (TopicAdmin.Described t : topics) {
        System.out.printf(
            "%-28s %10d %11d  %-16s %s%n",
            t.name(),
            t.partitions(),
            t.replicationFactor(),
            t.configs().getOrDefault("cleanup.policy", "delete"),
            t.configs().getOrDefault("retention.ms", "-"));
      }
      if (topics.isEmpty()) {
        System.err.println("No Herald topics yet. Create them with: ./herald topics create");
      }
      return HeraldCli.EXIT_OK;
    }
  }
}
