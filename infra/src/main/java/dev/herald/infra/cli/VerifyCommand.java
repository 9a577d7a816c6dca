package dev.herald.infra.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.herald.auditor.api.AlertJson;
import dev.herald.auditor.api.EvidenceVerifier;
import dev.herald.auditor.api.NodeView;
import dev.herald.flink.FlinkJobConfig;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.NodeRecord;
import dev.herald.schema.ReportBatch;
import dev.herald.schema.Topics;
import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.serde.MalformedRecordException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code herald verify <alertId|file>}: re-checks an alert offline, without trusting the auditor:
 * each evidence record (embedded, or fetched by its coordinates; its SHA-256 must be the one the
 * alert recorded) against the key its node had when the record was written (the key history of
 * {@code herald.nodes.v1}: validity intervals, rotation grace, revocations, tombstones), then
 * whether the verified evidence proves the alert's claim (see {@link EvidenceVerifier}).
 *
 * <pre>{@code
 * herald verify 3f2a9c...           # an alert id, read from herald.alerts.v1
 * herald alerts -o json --type EQUIVOCATION > eq.json && herald verify eq.json
 * }</pre>
 *
 * <p>Exit codes: 0 every alert's evidence checks out as the auditor recorded it and supports the
 * claim (an EQUIVOCATION: two different signed claims of the node for the entity version; a
 * DIVERGENCE: each named node signed a state other than the quorum's; a FORGED_REPORT or
 * UNKNOWN_NODE: the record is there and does not verify as the named node — "unverifiable input,
 * proves nothing about the named node"); 3 it does not (or the alert has no evidence, or a record
 * cannot be judged); 1 the check could not run (alert not found, broker unreachable); 2 usage.
 */
@Command(
    name = "verify",
    mixinStandardHelpOptions = true,
    description =
        "Re-checks an alert offline: its signed evidence against each node's key history, and"
            + " whether the evidence proves the alert's claim.",
    footer = {
      "",
      "Exit codes: 0 the evidence supports the alert, 3 it does not, 1 could not check, 2 usage."
    })
public final class VerifyCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Mixin ClientOptions client;
  @Mixin AlertsCommand.RegistryOption registry;

  @Parameters(
      paramLabel = "ALERT",
      description =
          "An alert id, or a file: alert JSON (as 'herald alerts -o json' or GET /api/alerts/{id} print it, one per line) or the alert's wire-format bytes.")
  String target;

  @Option(
      names = {"-o", "--output"},
      defaultValue = "table",
      description = "Output: table or json (default: ${DEFAULT-VALUE}).")
  AlertsCommand.Output output;

  @Option(
      names = "--rotation-grace",
      defaultValue = "5m",
      paramLabel = "DURATION",
      description =
          "The auditor's time.keyRotationGrace: a retired key still verifies records written this"
              + " long after its rotation (default: ${DEFAULT-VALUE}).")
  String rotationGrace;

  @Option(
      names = "--require-auditor-signature",
      description =
          "Fail an alert that is not signed by a key registered with role auditor, or not yet"
              + " covered by a signed tree head. Without it such an alert is reported as"
              + " 'not checked' and only a signature or inclusion proof that fails fails it.")
  boolean requireAuditor;

  @Mixin AuditLogCommand.LogTopics logTopics;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    SchemaRegistryClient reg = registry.connect();
    List<AuditAlert> alerts = load(reg);
    NodeView keys = new NodeView(Duration.ofDays(1), Clock.systemUTC(), new SimpleMeterRegistry());
    AvroWireFormat<NodeRecord> nodes = new AvroWireFormat<>(NodeRecord.class, reg);
    // the whole registry log, in order: every key each node had, with its validity interval
    AlertsCommand.readToEnd(
        client.clientProperties(),
        Topics.NODES,
        r -> {
          String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
          NodeRecord value = null;
          if (r.value() != null) {
            try {
              value = nodes.deserialize(r.topic(), r.value());
            } catch (MalformedRecordException e) {
              spec.commandLine()
                  .getErr()
                  .println(
                      "warning: skipped an undecodable registration at "
                          + r.topic()
                          + "["
                          + r.partition()
                          + "]@"
                          + r.offset()
                          + ": "
                          + e.reason());
              return;
            }
          }
          keys.apply(key, value, r.timestamp(), r.offset());
        });
    Duration grace = FlinkJobConfig.parseDuration("--rotation-grace", rotationGrace);
    EvidenceVerifier verifier =
        new EvidenceVerifier(new AvroWireFormat<>(ReportBatch.class, reg), keys)
            .withRotationGrace(grace)
            .withFetcher(e -> fetch(e.getTopic(), e.getPartition(), e.getOffset()));
    PrintWriter out = spec.commandLine().getOut();
    AuditorChecks auditor =
        new AuditorChecks(
            new AuditLogSource(client.clientProperties(), reg, spec.commandLine().getErr()),
            logTopics,
            requireAuditor);
    boolean allConfirmed = true;
    List<Object> json = new ArrayList<>();
    for (AuditAlert alert : alerts) {
      EvidenceVerifier.AlertVerdict v = verifier.verify(alert);
      AuditorChecks.Outcome signed = auditor.check(alert);
      allConfirmed &= v.confirmed() && signed.ok();
      if (output == AlertsCommand.Output.json) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("alertId", v.alertId());
        m.put("type", v.type());
        m.put("result", v.confirmed() ? "VALID" : "INVALID");
        m.put("claim", v.claim());
        m.put("checks", v.checks());
        m.put("auditor", signed.checks());
        m.put("auditorResult", signed.ok() ? "VALID" : "INVALID");
        if (!signed.ok()) {
          m.put("result", "INVALID");
        }
        json.add(m);
        continue;
      }
      out.printf(
          "alert %s  %s  group=%s%s  nodes=%s%n",
          alert.getAlertId(),
          alert.getType(),
          alert.getGroup().isEmpty() ? "-" : alert.getGroup(),
          alert.getEntityKey() == null
              ? ""
              : "  entity="
                  + alert.getEntityKey()
                  + (alert.getVersion() == null ? "" : " v" + alert.getVersion()),
          String.join(",", alert.getNodes()));
      for (EvidenceVerifier.EvidenceCheck c : v.checks()) {
        out.printf(
            "  evidence %d: %-7s node=%s key=%s batch=%d %s[%d]@%d: %s%s%n",
            c.index(),
            c.verdict(),
            c.nodeId(),
            c.keyId(),
            c.batchSeq(),
            c.topic(),
            c.partition(),
            c.offset(),
            c.reason(),
            c.confirmsAuditor()
                ? ""
                : " (the auditor recorded it as "
                    + (c.auditorSaidValid() ? "valid" : "invalid")
                    + ")");
      }
      if (v.checks().isEmpty()) {
        out.println("  INVALID: the alert carries no signed evidence to verify");
        continue;
      }
      long confirming =
          v.checks().stream().filter(EvidenceVerifier.EvidenceCheck::confirmsAuditor).count();
      out.println(
          confirming == v.checks().size()
              ? "  evidence: every record checks out as the auditor recorded ("
                  + confirming
                  + " of "
                  + v.checks().size()
                  + ")"
              : "  evidence: "
                  + confirming
                  + " of "
                  + v.checks().size()
                  + " records check out as the auditor recorded");
      out.println("  claim " + v.claim().outcome() + ": " + v.claim().reason());
      for (var c : signed.checks()) {
        out.printf(
            "  auditor %-17s %-11s %s%n",
            c.name(), c.ok() ? "OK" : signed.ok() ? "NOT CHECKED" : "FAILED", c.detail());
      }
      if (!signed.ok()) {
        out.println(
            "  INVALID: the auditor's signature or audit log does not vouch for this alert");
      }
      out.println(
          v.confirmed()
              ? "  VALID: the evidence supports the alert"
                  + (v.claim().outcome() == EvidenceVerifier.ClaimOutcome.SUPPORTED
                      ? ""
                      : " as far as evidence can (" + v.claim().outcome() + ")")
              : "  INVALID: the evidence does not support the alert");
    }
    if (output == AlertsCommand.Output.json) {
      out.println(
          JSON.writerWithDefaultPrettyPrinter()
              .writeValueAsString(json.size() == 1 ? json.get(0) : json));
    }
    out.flush();
    return allConfirmed ? HeraldCli.EXIT_OK : HeraldCli.EXIT_CHECK_FAILED;
  }

  /**
   * The value of the record at {@code topic[partition]@offset}, for evidence an alert carries by
   * coordinates only; empty when it is gone (retention) or unreachable.
   */
  private Optional<EvidenceVerifier.FetchedRecord> fetch(String topic, int partition, long offset) {
    if (topic == null || topic.isEmpty() || partition < 0 || offset < 0) {
      return Optional.empty();
    }
    Properties p = new Properties();
    p.putAll(client.clientProperties());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "1");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      TopicPartition tp = new TopicPartition(topic, partition);
      consumer.assign(List.of(tp));
      consumer.seek(tp, offset);
      long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
      while (System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          if (r.offset() == offset) {
            return r.value() == null
                ? Optional.empty()
                : Optional.of(new EvidenceVerifier.FetchedRecord(r.value(), r.timestamp()));
          }
          if (r.offset() > offset) {
            return Optional.empty();
          }
        }
      }
    } catch (RuntimeException e) {
      spec.commandLine()
          .getErr()
          .println(
              "warning: cannot fetch evidence "
                  + topic
                  + "["
                  + partition
                  + "]@"
                  + offset
                  + ": "
                  + e.getMessage());
    }
    return Optional.empty();
  }

  private List<AuditAlert> load(SchemaRegistryClient reg) throws IOException {
    Path file = Path.of(target);
    AvroWireFormat<AuditAlert> format = new AvroWireFormat<>(AuditAlert.class, reg);
    if (Files.isRegularFile(file)) {
      byte[] bytes = Files.readAllBytes(file);
      if (bytes.length > 0 && bytes[0] == AvroWireFormat.MAGIC_BYTE) {
        try {
          return List.of(format.deserialize(Topics.ALERTS, bytes));
        } catch (MalformedRecordException e) {
          throw new CliException(
              file + " is not a wire-format alert: " + e.getMessage(),
              "pass alert JSON as printed by: herald alerts -o json");
        }
      }
      List<AuditAlert> out = new ArrayList<>();
      String text = new String(bytes, StandardCharsets.UTF_8).trim();
      try {
        if (text.startsWith("[")) {
          for (JsonNode n : JSON.readTree(text)) {
            out.add(AlertJson.fromJson(n));
          }
        } else {
          int line = 0;
          for (String l : text.split("\n")) {
            line++;
            if (!l.isBlank()) {
              try {
                out.add(AlertJson.fromJson(JSON.readTree(l)));
              } catch (IOException | IllegalArgumentException e) {
                if (line == 1 && text.startsWith("{")) {
                  // perhaps one pretty-printed object
                  out.add(AlertJson.fromJson(JSON.readTree(text)));
                  break;
                }
                throw e;
              }
            }
          }
        }
      } catch (IOException | IllegalArgumentException e) {
        throw new CliException(
            file + ": " + e.getMessage(),
            "pass alert JSON as printed by 'herald alerts -o json' or GET /api/alerts/{id}");
      }
      if (out.isEmpty()) {
        throw new CliException(
            file + " holds no alert", "pass alert JSON as printed by: herald alerts -o json");
      }
      return out;
    }
    if (target.contains("/") || target.endsWith(".json")) {
      throw new CliException("no such file: " + target, "pass an alert id or an existing file");
    }
    return List.of(AlertsCommand.latest(client.clientProperties(), format, target));
  }
}
