package dev.herald.it.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.herald.infra.cli.HeraldCli;
import dev.herald.infra.registry.EmbeddedSchemaRegistry;
import dev.herald.it.support.HeraldRun;
import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.schema.AlertType;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.Severity;
import dev.herald.schema.registry.RestSchemaRegistryClient;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code herald alerts} and {@code herald verify} against a real broker with real signed evidence.
 */
class AlertsCliIT {
  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static EmbeddedSchemaRegistry registry;
  private static SignedRecords records;

  @BeforeAll
  static void produce() {
    registry =
        EmbeddedSchemaRegistry.builder()
            .bootstrapServers(KAFKA.bootstrapServers())
            .host("127.0.0.1")
            .port(0)
            .start();
    records =
        new SignedRecords(
            KAFKA.bootstrapServers(), new RestSchemaRegistryClient(registry.url(), Map.of()));
    records.register("node-c", "payments");
    records.alert(records.equivocation("eq-cli-1", "node-c", "payments", "acct-9", 3));
    records.alert(
        SignedRecords.simple(
            "lag-cli-1", AlertType.REPLICA_LAG, Severity.LOW, "payments", "node-b"));
  }

  @AfterAll
  static void cleanUp() {
    records.close();
    registry.close();
  }

  private static HeraldRun herald(String... args) {
    String[] withRegistry = java.util.Arrays.copyOf(args, args.length + 2);
    withRegistry[args.length] = "--schema-registry-url";
    withRegistry[args.length + 1] = registry.url();
    return HeraldRun.of(withRegistry);
  }

  @Test
  void alertsPrintsATableAndFilters() {
    HeraldRun all = herald("alerts", "-b", KAFKA.bootstrapServers());
    HeraldRun critical =
        herald(
            "alerts",
            "-b",
            KAFKA.bootstrapServers(),
            "--severity",
            "CRITICAL",
            "--type",
            "EQUIVOCATION,FORK");

    assertThat(all.code()).isZero();
    assertThat(all.out()).contains("DETECTED (UTC)").contains("eq-cli-1").contains("lag-cli-1");
    assertThat(critical.out())
        .contains("eq-cli-1")
        .contains("acct-9 v3")
        .doesNotContain("lag-cli-1");
  }

  @Test
  void verifyByIdPrintsValidForBothSignedReports() {
    HeraldRun r = herald("verify", "-b", KAFKA.bootstrapServers(), "eq-cli-1");

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .containsPattern("evidence 0: VALID")
        .containsPattern("evidence 1: VALID")
        .contains("claim SUPPORTED")
        .contains("VALID: the evidence supports the alert");
  }

  @Test
  void verifyAFileFromAlertsJsonAndATamperedOne(@TempDir Path dir) throws Exception {
    HeraldRun json =
        herald("alerts", "-b", KAFKA.bootstrapServers(), "--type", "EQUIVOCATION", "-o", "json");
    Path good = dir.resolve("eq.json");
    Files.writeString(good, json.out());
    ObjectNode alert = (ObjectNode) JSON.readTree(json.out().lines().findFirst().orElseThrow());
    ObjectNode evidence = (ObjectNode) alert.get("evidence").get(1);
    byte[] record = Base64.getDecoder().decode(evidence.get("record").asText());
    record[record.length - 1] ^= 0x55; // corrupt the signature
    evidence.put("record", Base64.getEncoder().encodeToString(record));
    Path bad = dir.resolve("tampered.json");
    Files.writeString(bad, JSON.writeValueAsString(alert));

    HeraldRun ok = herald("verify", "-b", KAFKA.bootstrapServers(), good.toString());
    HeraldRun tampered = herald("verify", "-b", KAFKA.bootstrapServers(), bad.toString());

    assertThat(ok.code()).as(ok.err()).isZero();
    assertThat(tampered.code()).isEqualTo(HeraldCli.EXIT_CHECK_FAILED);
    assertThat(tampered.out())
        .contains("evidence 0: VALID")
        // the tampered bytes are not the record at the alert's coordinates: that evidence proves
        // nothing, and one signed claim alone does not support an equivocation
        .contains("evidence 1: UNDECIDED")
        .contains("is not the one the alert carries")
        .contains("INVALID: the evidence does not support the alert");
  }

  @Test
  void verifyOfAnUnknownAlertIsOneLineWithAHint() {
    HeraldRun r = herald("verify", "-b", KAFKA.bootstrapServers(), "no-such-alert");

    assertThat(r.code()).isEqualTo(HeraldCli.EXIT_FAILURE);
    assertThat(r.err())
        .contains("no alert with id 'no-such-alert'")
        .contains("hint:")
        .doesNotContain("\tat ");
  }

  @Test
  void anUnreachableRegistryIsOneLineWithAHint() {
    HeraldRun r =
        HeraldRun.of(
            "alerts",
            "-b",
            KAFKA.bootstrapServers(),
            "--schema-registry-url",
            "http://127.0.0.1:1");
    HeraldRun bad =
        HeraldRun.of(
            "alerts", "-b", KAFKA.bootstrapServers(), "--schema-registry-url", "kafka://nope");

    assertThat(r.code()).isEqualTo(HeraldCli.EXIT_FAILURE);
    assertThat(r.err())
        .contains("cannot read alerts")
        .contains("hint: is the schema registry")
        .doesNotContain("\tat ");
    assertThat(bad.code()).isEqualTo(HeraldCli.EXIT_FAILURE);
    assertThat(bad.err()).contains("kafka://nope").contains("hint:");
  }

  @Test
  void followPrintsAlertsRaisedLater() throws Exception {
    StringWriter out = new StringWriter();
    CommandLine cli = HeraldCli.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(new StringWriter(), true));
    AtomicInteger exit = new AtomicInteger(-1);
    Thread follower =
        new Thread(
            () ->
                exit.set(
                    cli.execute(
                        "alerts",
                        "-b",
                        KAFKA.bootstrapServers(),
                        "--schema-registry-url",
                        registry.url(),
                        "--follow",
                        "--type",
                        "NODE_SILENT")));
    follower.start();
    try {
      records.alert(
          SignedRecords.simple(
              "silent-cli-1", AlertType.NODE_SILENT, Severity.MEDIUM, "", "node-x"));
      await().atMost(Duration.ofSeconds(30)).until(() -> out.toString().contains("silent-cli-1"));
      AuditAlert later =
          SignedRecords.simple(
              "silent-cli-2", AlertType.NODE_SILENT, Severity.MEDIUM, "", "node-y");
      records.alert(later);
      await().atMost(Duration.ofSeconds(30)).until(() -> out.toString().contains("silent-cli-2"));
    } finally {
      follower.interrupt();
      follower.join(10_000);
    }
    assertThat(out.toString()).doesNotContain("eq-cli-1");
    assertThat(exit.get()).isEqualTo(130);
  }
}
