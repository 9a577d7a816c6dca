package dev.herald.infra.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.herald.auditor.api.AlertJson;
import dev.herald.infra.nodes.Registries;
import dev.herald.schema.AlertStatus;
import dev.herald.schema.AlertType;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.Severity;
import dev.herald.schema.Topics;
import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.serde.MalformedRecordException;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code herald alerts}: prints the alerts on {@code herald.alerts.v1} (latest state per alert),
 * and with {@code --follow} keeps printing new and changed ones until Ctrl-C.
 *
 * <pre>{@code
 * herald alerts --type EQUIVOCATION,FORK --severity CRITICAL -o table
 * herald alerts --follow -o json | jq .
 * }</pre>
 *
 * <p>Exit codes: 0 ok, 1 failed (e.g. broker or registry unreachable), 2 usage, 130 interrupted.
 */
@Command(
    name = "alerts",
    mixinStandardHelpOptions = true,
    description = "Prints Herald's alerts from herald.alerts.v1; --follow keeps printing new ones.",
    subcommands = {AlertsTestCommand.class, AlertsAckCommand.class},
    footer = {"", "Exit codes: 0 ok, 1 failed, 2 usage, 130 interrupted."})
public final class AlertsCommand implements Callable<Integer> {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static volatile SchemaRegistryClient registryOverride;

  /** Output formats. */
  enum Output {
    table,
    json
  }

  @Mixin ClientOptions client;
  @Mixin RegistryOption registry;

  @Option(names = "--follow", description = "Keep printing new and changed alerts until Ctrl-C.")
  boolean follow;

  @Option(
      names = "--type",
      split = ",",
      paramLabel = "TYPE",
      description = "Only these types (comma-separated): ${COMPLETION-CANDIDATES}.")
  Set<AlertType> types = EnumSet.noneOf(AlertType.class);

  @Option(
      names = "--severity",
      split = ",",
      paramLabel = "SEVERITY",
      description = "Only these severities: ${COMPLETION-CANDIDATES}.")
  Set<Severity> severities = EnumSet.noneOf(Severity.class);

  @Option(
      names = "--status",
      split = ",",
      paramLabel = "STATUS",
      description = "OPEN and/or RESOLVED.")
  Set<AlertStatus> statuses = EnumSet.noneOf(AlertStatus.class);

  @Option(names = "--group", paramLabel = "GROUP", description = "Only this replication group.")
  String group;

  @Option(
      names = {"-o", "--output"},
      defaultValue = "table",
      description =
          "Output: ${COMPLETION-CANDIDATES} (json = one object per line, with evidence; default: ${DEFAULT-VALUE}).")
  Output output;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /**
   * Makes {@code herald alerts} and {@code herald verify} use this registry instead of {@code
   * --schema-registry-url} (for {@code herald demo} and tests that run the registry in-process);
   * null restores the option.
   */
  public static void useRegistry(SchemaRegistryClient registry) {
    registryOverride = registry;
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    AvroWireFormat<AuditAlert> format = new AvroWireFormat<>(AuditAlert.class, registry.connect());
    Map<String, AuditAlert> latest = new LinkedHashMap<>();
    int[] malformed = {0};
    Consumer<ConsumerRecord<byte[], byte[]>> collect =
        r -> decode(format, r, malformed).ifPresent(a -> latest.put(a.getAlertId(), a));
    boolean header = output == Output.table;
    if (!follow) {
      readToEnd(client.clientProperties(), Topics.ALERTS, collect);
      List<AuditAlert> shown =
          latest.values().stream()
              .filter(this::matches)
              .sorted(Comparator.comparing(AuditAlert::getDetectedAt))
              .toList();
      print(out, shown, header);
      if (shown.isEmpty() && output == Output.table) {
        spec.commandLine()
            .getErr()
            .println(
                "No alerts"
                    + (latest.isEmpty()
                        ? " on " + Topics.ALERTS + "."
                        : " match the filters (" + latest.size() + " in total)."));
      }
      warnMalformed(malformed[0]);
      return HeraldCli.EXIT_OK;
    }
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(client.clientProperties())) {
      Thread main = Thread.currentThread();
      Thread hook = new Thread(consumer::wakeup, "herald-alerts-stop");
      Runtime.getRuntime().addShutdownHook(hook);
      try {
        List<TopicPartition> parts = assignAll(consumer, Topics.ALERTS);
        consumer.seekToBeginning(parts);
        Map<TopicPartition, Long> end = consumer.endOffsets(parts);
        boolean caughtUp = false;
        while (!main.isInterrupted()) {
          List<AuditAlert> batch = new ArrayList<>();
          for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
            decode(format, r, malformed)
                .ifPresent(
                    a -> {
                      AuditAlert previous = latest.put(a.getAlertId(), a);
                      if (!a.equals(previous) && matches(a)) {
                        batch.add(a);
                      }
                    });
          }
          if (!batch.isEmpty()) {
            print(out, batch, header);
            header = false;
          }
          if (!caughtUp && parts.stream().allMatch(p -> consumer.position(p) >= end.get(p))) {
            caughtUp = true;
            if (output == Output.table) {
              spec.commandLine()
                  .getErr()
                  .println("-- following " + Topics.ALERTS + " (Ctrl-C to stop) --");
            }
          }
        }
      } catch (WakeupException e) {
        // Ctrl-C
      } catch (InterruptException e) {
        Thread.interrupted();
        return 130;
      } finally {
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
          // shutting down
        }
      }
    }
    return HeraldCli.EXIT_OK;
  }

  private boolean matches(AuditAlert a) {
    return (types.isEmpty() || types.contains(a.getType()))
        && (severities.isEmpty() || severities.contains(a.getSeverity()))
        && (statuses.isEmpty() || statuses.contains(a.getStatus()))
        && (group == null || group.equals(a.getGroup()));
  }

  private void print(PrintWriter out, List<AuditAlert> alerts, boolean header) {
    if (output == Output.json) {
      for (AuditAlert a : alerts) {
        try {
          out.println(JSON.writeValueAsString(AlertJson.toJson(a, true)));
        } catch (JsonProcessingException e) {
          throw new IllegalStateException(e);
        }
      }
      out.flush();
      return;
    }
    String fmt = "%-19s  %-19s  %-8s  %-8s  %-14s  %-22s  %-20s  %s%n";
    if (header) {
      out.printf(
          fmt,
          "DETECTED (UTC)",
          "TYPE",
          "SEVERITY",
          "STATUS",
          "GROUP",
          "ENTITY",
          "NODES",
          "ALERT ID");
    }
    for (AuditAlert a : alerts) {
      String entity =
          a.getEntityKey() == null
              ? "-"
              : a.getEntityKey() + (a.getVersion() == null ? "" : " v" + a.getVersion());
      out.printf(
          fmt,
          TIME.format(a.getDetectedAt()),
          a.getType(),
          a.getSeverity(),
          a.getStatus(),
          a.getGroup().isEmpty() ? "-" : a.getGroup(),
          entity,
          a.getNodes().isEmpty() ? "-" : String.join(",", a.getNodes()),
          a.getAlertId());
    }
    out.flush();
  }

  private void warnMalformed(int n) {
    if (n > 0) {
      spec.commandLine()
          .getErr()
          .println("warning: skipped " + n + " record(s) that are not alerts (see --verbose)");
    }
  }

  static Optional<AuditAlert> decode(
      AvroWireFormat<AuditAlert> format, ConsumerRecord<byte[], byte[]> r, int[] malformed) {
    if (r.value() == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(format.deserialize(r.topic(), r.value()));
    } catch (MalformedRecordException e) {
      if (e.reason() == MalformedRecordException.Reason.REGISTRY_UNAVAILABLE) {
        throw new CliException(
            "cannot read alerts: " + e.getMessage(),
            "is the schema registry at --schema-registry-url running?");
      }
      malformed[0]++;
      return Optional.empty();
    }
  }

  static KafkaConsumer<byte[], byte[]> consumer(Properties clientProps) {
    Properties p = new Properties();
    p.putAll(clientProps);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    // never create Herald topics with default configs by reading them
    p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.putIfAbsent(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "15000");
    p.putIfAbsent(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
    return new KafkaConsumer<>(p);
  }

  static List<TopicPartition> assignAll(KafkaConsumer<byte[], byte[]> consumer, String topic) {
    List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(15));
    if (infos == null || infos.isEmpty()) {
      throw new CliException(
          "topic " + topic + " does not exist",
          "create Herald's topics with: ./herald topics create");
    }
    List<TopicPartition> parts =
        infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
    consumer.assign(parts);
    return parts;
  }

  /**
   * Reads {@code topic} from the beginning to its current end, handing every record to {@code
   * sink}.
   */
  /**
   * The latest record of alert {@code alertId} on {@code herald.alerts.v1}; a {@link CliException}
   * with the fix when there is none.
   */
  static AuditAlert latest(
      Properties clientProps, AvroWireFormat<AuditAlert> format, String alertId) {
    AuditAlert[] found = new AuditAlert[1];
    int[] malformed = {0};
    readToEnd(
        clientProps,
        Topics.ALERTS,
        r ->
            decode(format, r, malformed)
                .filter(a -> a.getAlertId().equals(alertId))
                .ifPresent(a -> found[0] = a));
    if (found[0] == null) {
      throw new CliException(
          "no alert with id '" + alertId + "' on " + Topics.ALERTS,
          "list alert ids with: ./herald alerts");
    }
    return found[0];
  }

  static void readToEnd(
      Properties clientProps, String topic, Consumer<ConsumerRecord<byte[], byte[]>> sink) {
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(clientProps)) {
      List<TopicPartition> parts = assignAll(consumer, topic);
      consumer.seekToBeginning(parts);
      Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(parts));
      end.entrySet().removeIf(e -> e.getValue() == 0);
      while (!end.isEmpty()) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          sink.accept(r);
        }
        end.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
      }
    }
  }

  /** {@code --schema-registry-url}, shared by the commands that decode records. */
  static final class RegistryOption {
    @Option(
        names = "--schema-registry-url",
        paramLabel = "URL",
        defaultValue = "${env:HERALD_SCHEMA_REGISTRY_URL:-http://localhost:8081}",
        description =
            "Schema registry (Confluent API; default: ${DEFAULT-VALUE}; env HERALD_SCHEMA_REGISTRY_URL).")
    String url;

    SchemaRegistryClient connect() {
      SchemaRegistryClient override = registryOverride;
      if (override != null) {
        return override;
      }
      try {
        return Registries.connect(url); // memory: is one registry per JVM, as for herald nodes
      } catch (IllegalArgumentException e) {
        throw new CliException(
            e.getMessage(),
            "pass --schema-registry-url http://host:port of a Confluent-compatible registry"
                + " (start one with: ./herald registry)");
      }
    }
  }
}
