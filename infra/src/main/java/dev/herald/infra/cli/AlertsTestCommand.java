package dev.herald.infra.cli;

import dev.herald.auditor.subscribe.AlertSink;
import dev.herald.auditor.subscribe.Subscription;
import dev.herald.auditor.subscribe.SubscriptionConfig;
import dev.herald.auditor.subscribe.TestAlerts;
import dev.herald.schema.AuditAlert;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code herald alerts test}: sends one test alert through every subscription of a subscriptions
 * file, once each, and prints what each receiver answered, so a route is proven before a real alert
 * needs it. Webhooks get {@code "test": true}; Alertmanager gets {@code alertname="HeraldTest"},
 * {@code test="true"}, ending by itself after the subscription's active period.
 *
 * <pre>{@code
 * herald alerts test --subscriptions subscriptions.yaml
 * }</pre>
 *
 * <p>Exit codes: 0 every receiver accepted, 1 at least one did not, 2 usage.
 */
@Command(
    name = "test",
    mixinStandardHelpOptions = true,
    description =
        "Sends one test alert through every subscription (webhooks and Alertmanager) and prints"
            + " each receiver's answer.",
    footer = {"", "Exit codes: 0 all accepted, 1 at least one failed, 2 usage."})
final class AlertsTestCommand implements Callable<Integer> {
  @Option(
      names = "--subscriptions",
      paramLabel = "FILE",
      required = true,
      description = "Alert subscriptions YAML, as given to herald auditor --subscriptions.")
  Path subscriptionsFile;

  @Option(
      names = "--timeout",
      defaultValue = "10s",
      paramLabel = "DURATION",
      description = "How long to wait for each receiver (default: ${DEFAULT-VALUE}).")
  String timeout;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    List<Subscription> subscriptions;
    try {
      subscriptions = SubscriptionConfig.load(subscriptionsFile);
    } catch (RuntimeException e) {
      throw new CliException(
          "invalid --subscriptions " + subscriptionsFile + ": " + e.getMessage(),
          "see examples/subscriptions.yaml and docs/api.md",
          HeraldCli.EXIT_USAGE,
          e);
    }
    if (subscriptions.isEmpty()) {
      throw new CliException(
          subscriptionsFile + " lists no subscription",
          "add one under 'subscriptions:' (examples/subscriptions.yaml)",
          HeraldCli.EXIT_USAGE,
          null);
    }
    Duration wait = DemoCommand.parse("--timeout", timeout);
    HttpClient http = HttpClient.newBuilder().connectTimeout(wait).build();
    AuditAlert alert = TestAlerts.create(Instant.now());
    int failed = 0;
    for (Subscription s : subscriptions) {
      String result;
      try {
        HttpResponse<String> r =
            http.send(
                AlertSink.forSubscription(s).request(alert), HttpResponse.BodyHandlers.ofString());
        boolean ok = r.statusCode() / 100 == 2;
        result = (ok ? "OK " : "FAILED ") + "HTTP " + r.statusCode() + abbreviate(r.body());
        failed += ok ? 0 : 1;
      } catch (ConnectException e) {
        result = "FAILED cannot connect (is the receiver running at that address?)";
        failed++;
      } catch (IOException e) {
        result =
            "FAILED "
                + e.getClass().getSimpleName()
                + (e.getMessage() == null ? "" : ": " + e.getMessage());
        failed++;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return 130;
      }
      out.printf(
          "%-20s %-12s %s  %s%n",
          s.name(), s.kind().name().toLowerCase(Locale.ROOT), s.url(), result);
    }
    out.printf(
        "test alert %s sent to %d subscription(s), %d failed%n",
        alert.getAlertId(), subscriptions.size(), failed);
    out.flush();
    return failed == 0 ? HeraldCli.EXIT_OK : HeraldCli.EXIT_FAILURE;
  }

  private static String abbreviate(String body) {
    if (body == null || body.isBlank()) {
      return "";
    }
    String b = body.strip().replaceAll("\\s+", " ");
    return " " + (b.length() > 120 ? b.substring(0, 120) + "…" : b);
  }
}
