package dev.herald.infra.cli;

import dev.herald.flink.FlinkJobConfig;
import dev.herald.flink.io.RegistrySpec;
import dev.herald.flink.report.GovernanceReport;
import dev.herald.flink.report.ReportReader;
import dev.herald.flink.report.ReportRenderer;
import dev.herald.infra.report.OscalAssessmentResults;
import dev.herald.schema.registry.SchemaRegistryClient;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code herald report}: the governance report of one group (availability, outages, MTTR/MTBF,
 * integrity incidents, SLO and error budget, risk score, and the ISO/IEC 27001 and IEC 62443
 * controls each figure evidences) from what the Flink jobs and the auditor wrote; as HTML (with
 * trend charts and what changed since the previous report), JSON, CSV, or an OSCAL {@code
 * assessment-results} document that is validated before it is written.
 */
@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    description = {
      "Writes the governance report of a replication group as HTML (offline, with charts), JSON,"
          + " CSV or OSCAL assessment results (validated against the OSCAL 1.1.2 schema).",
      "Reads herald.risk.v1 and herald.availability.v1, written by: herald flink, and the"
          + " group's alerts on herald.alerts.v1"
    })
final class ReportCommand implements Callable<Integer> {
  @Mixin ClientOptions client;

  @Option(names = "--group", required = true, description = "Replication group.")
  String group;

  @Option(
      names = "--window",
      defaultValue = "24h",
      description = "Rolling window: 24h or 7d (default: ${DEFAULT-VALUE}).")
  String window;

  @Option(
      names = {"-o", "--output"},
      defaultValue = "html",
      description = "html, json, csv or oscal (default: ${DEFAULT-VALUE}).")
  String output;

  @Option(
      names = "--out",
      defaultValue = "reports",
      description = "Directory to write into (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(
      names = {"--schema-registry-url", "--registry"},
      paramLabel = "URL",
      defaultValue = "${env:HERALD_SCHEMA_REGISTRY_URL:-http://localhost:8081}",
      description = "Schema registry (default: ${DEFAULT-VALUE}; env HERALD_SCHEMA_REGISTRY_URL).")
  String registry;

  @Option(
      names = "--timeout",
      defaultValue = "30s",
      description = "How long to wait for Kafka (default: ${DEFAULT-VALUE}).")
  String timeout;

  private static SchemaRegistryClient connect(RegistrySpec spec) {
    try {
      return spec.connect();
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new CliException(
          e.getMessage(),
          "check --schema-registry-url (http(s)://host:port, e.g. of 'herald registry')");
    }
  }

  private static ReportRenderer.Format parseFormat(String text) {
    try {
      return ReportRenderer.Format.parse(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "unknown format '" + text + "'; use html, json, csv or oscal", e);
    }
  }

  /**
   * A written report.
   *
   * @param file where it is
   * @param note what to add to the "Wrote" line (for OSCAL: that it validated)
   */
  record Written(Path file, String note) {}

  /**
   * Writes {@code report} into {@code out}: as OSCAL when {@code format} is {@code null}, validated
   * first. Every failure is a {@link CliException} saying what to do.
   */
  static Written write(GovernanceReport report, ReportRenderer.Format format, Path out) {
    try {
      if (format != null) {
        return new Written(ReportRenderer.write(report, format, out), "");
      }
      OscalAssessmentResults.Written written = OscalAssessmentResults.write(report, out);
      if (!written.validation().valid()) {
        List<String> findings = written.validation().findings();
        throw new CliException(
            "the OSCAL document Herald built does not validate ("
                + findings.size()
                + " findings, first: "
                + (findings.isEmpty() ? "none reported" : findings.get(0))
                + "); kept as "
                + written.file(),
            "this is a bug in Herald: please report it with that file");
      }
      return new Written(
          written.file(),
          ", valid OSCAL "
              + OscalAssessmentResults.OSCAL_VERSION
              + " assessment-results: schema and constraints");
    } catch (UncheckedIOException e) {
      throw new CliException(
          e.getMessage(), "check that --out " + out + " is a writable directory");
    }
  }

  @Override
  public Integer call() {
    ReportRenderer.Format format = null;
    boolean oscal = output.equalsIgnoreCase("oscal");
    RegistrySpec spec;
    Duration wait;
    try {
      if (!oscal) {
        format = parseFormat(output);
      }
      spec = RegistrySpec.parse(registry);
      wait = FlinkJobConfig.parseDuration("--timeout", timeout);
      if (!window.equals("24h") && !window.equals("7d")) {
        throw new IllegalArgumentException("--window '" + window + "' is not 24h or 7d");
      }
      if (Files.exists(out) && !Files.isDirectory(out)) {
        throw new IllegalArgumentException("--out " + out + " is a file, not a directory");
      }
    } catch (IllegalArgumentException e) {
      throw new CliException(e.getMessage(), "see: herald report --help", HeraldCli.EXIT_USAGE, e);
    }
    Optional<GovernanceReport> report;
    long skipped;
    try (SchemaRegistryClient registryClient = connect(spec)) {
      ReportReader reader = new ReportReader(client.clientProperties(), registryClient);
      report = reader.read(group, window, wait);
      skipped = reader.skipped();
    }
    if (report.isEmpty()) {
      throw new CliException(
          "no " + window + " risk report for group '" + group + "' on herald.risk.v1 yet",
          "run the Flink jobs first (herald flink --bootstrap-server "
              + client.bootstrapServers()
              + "), and check the group name");
    }
    Written written = write(report.get(), format, out);
    System.out.println(
        "Wrote "
            + written.file()
            + " (group "
            + group
            + ", window "
            + window
            + ", risk score "
            + report.get().risk().getRiskScore()
            + written.note()
            + ")");
    if (skipped > 0) {
      System.err.println("warning: skipped " + skipped + " undecodable records");
    }
    return HeraldCli.EXIT_OK;
  }
}
