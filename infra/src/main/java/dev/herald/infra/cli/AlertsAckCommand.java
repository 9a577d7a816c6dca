package dev.herald.infra.cli;

import dev.herald.auditor.alerting.AlertAcks;
import dev.herald.schema.AlertStatuses;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.serde.AvroWireFormat;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code herald alerts ack ID --reason TEXT}: acknowledges an alert. The acknowledgement (who, why,
 * when) goes to {@code herald.alert-acks.v1}; the auditor then publishes the alert as ACKNOWLEDGED
 * (no longer firing in Alertmanager, kept with the reason in its detail). A later occurrence of an
 * episode type opens a new episode with a new id.
 *
 * <pre>{@code
 * herald alerts ack 3f2a…e1 --reason "n2 was under planned maintenance" --by alice
 * }</pre>
 *
 * <p>Exit codes: 0 written, 1 no such alert or not writable, 2 usage.
 */
@Command(
    name = "ack",
    mixinStandardHelpOptions = true,
    description =
        "Acknowledges an alert (by id): the auditor publishes it ACKNOWLEDGED, with who and why.",
    footer = {"", "Exit codes: 0 written, 1 no such alert or not written, 2 usage."})
final class AlertsAckCommand implements Callable<Integer> {
  @Mixin ClientOptions client;
  @Mixin AlertsCommand.RegistryOption registry;

  @Parameters(paramLabel = "ALERT_ID", description = "The alert id (herald alerts lists them).")
  String alertId;

  @Option(
      names = "--reason",
      required = true,
      paramLabel = "TEXT",
      description = "Why it is acknowledged (kept with the alert).")
  String reason;

  @Option(
      names = "--by",
      paramLabel = "NAME",
      defaultValue = "${env:USER:-operator}",
      description = "Who acknowledges it (default: ${DEFAULT-VALUE}).")
  String by;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    if (reason.isBlank()) {
      throw new CliException(
          "--reason is empty", "say why, e.g. --reason \"planned maintenance of n2\"");
    }
    AvroWireFormat<AuditAlert> format = new AvroWireFormat<>(AuditAlert.class, registry.connect());
    AuditAlert alert = AlertsCommand.latest(client.clientProperties(), format, alertId);
    PrintWriter out = spec.commandLine().getOut();
    if (!AlertStatuses.active(alert.getStatus())) {
      out.printf("alert %s is already %s; nothing to acknowledge%n", alertId, alert.getStatus());
      return HeraldCli.EXIT_OK;
    }
    try (AlertAcks acks = new AlertAcks(client.clientProperties(), registry.connect())) {
      acks.acknowledge(alert, reason, by);
    } catch (IllegalStateException e) {
      throw new CliException(
          e.getMessage(), "check --bootstrap-server and --command-config (operator principal)");
    }
    out.printf(
        "acknowledged %s %s (%s): the auditor publishes it ACKNOWLEDGED; follow it with"
            + " ./herald alerts --follow%n",
        alert.getType(), alertId, reason.strip());
    out.flush();
    return HeraldCli.EXIT_OK;
  }
}
