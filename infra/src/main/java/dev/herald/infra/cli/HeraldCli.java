package dev.herald.infra.cli;

import dev.herald.infra.broker.BrokerStartException;
import java.io.PrintWriter;
import org.apache.kafka.common.errors.TimeoutException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Entry point of the {@code herald} command.
 *
 * <p>Exit codes: 0 success, 1 failure (the message says why), 2 usage error, 3 a check failed (e.g.
 * {@code herald verify} found invalid evidence), 130 interrupted.
 */
@Command(
    name = "herald",
    mixinStandardHelpOptions = true,
    versionProvider = HeraldCli.Version.class,
    description = "Audits whether the replicas of a distributed service still agree.",
    subcommands = {
      DemoCommand.class,
      BrokerCommand.class,
      TopicsCommand.class,
      RegistryCommand.class,
      NodesCommand.class,
      SimulateCommand.class,
      AlertsCommand.class,
      VerifyCommand.class,
      AuditLogCommand.class,
      FlinkCommand.class,
      ReportCommand.class,
      AuditorCommand.class,
      BenchCommand.class,
      CommandLine.HelpCommand.class,
    },
    footer = {
      "",
      "Exit codes: 0 ok, 1 failed, 2 usage, 3 check failed, 130 interrupted.",
      "Docs: README.md"
    })
public final class HeraldCli implements Runnable {
  public static final int EXIT_OK = 0;
  public static final int EXIT_FAILURE = 1;
  public static final int EXIT_USAGE = 2;
  public static final int EXIT_CHECK_FAILED = 3;

  @Option(
      names = {"-v", "--verbose"},
      scope = CommandLine.ScopeType.INHERIT,
      description = "Print stack traces of errors.")
  boolean verbose;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the CLI and returns its exit code (for tests and the launcher). */
  public static int run(String... args) {
    return commandLine().execute(args);
  }

  /** The configured command line, with Herald's error handling. */
  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new HeraldCli());
    cli.setExecutionExceptionHandler(HeraldCli::handleError);
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    return cli;
  }

  private static int handleError(
      Exception e, CommandLine cmd, CommandLine.ParseResult parseResult) {
    PrintWriter err = cmd.getErr();
    boolean verbose = parseResult.hasMatchedOption("--verbose") || isVerbose(parseResult);
    String hint = null;
    int code = EXIT_FAILURE;
    String message = e.getMessage();
    if (e instanceof CliException c) {
      hint = c.hint();
      code = c.exitCode();
    } else if (e instanceof BrokerStartException b) {
      hint = b.hint();
    } else if (e instanceof TimeoutException || e.getCause() instanceof TimeoutException) {
      hint = "is a Kafka broker running at --bootstrap-server? Start one with: ./herald broker";
    } else if (message == null) {
      message = e.getClass().getSimpleName();
    }
    err.println(
        cmd.getColorScheme().errorText(cmd.getCommandSpec().qualifiedName() + ": " + message));
    if (hint != null) {
      err.println("hint: " + hint);
    }
    if (verbose) {
      e.printStackTrace(err);
    } else if (!(e instanceof CliException)) {
      err.println("(run with --verbose for details)");
    }
    err.flush();
    return code;
  }

  private static boolean isVerbose(CommandLine.ParseResult result) {
    for (CommandLine.ParseResult r = result; r != null; r = r.subcommand()) {
      if (r.hasMatchedOption("--verbose") || r.hasMatchedOption("-v")) {
        return true;
      }
    }
    return false;
  }

  /** Version from the jar manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = HeraldCli.class.getPackage().getImplementationVersion();
      return new String[] {"herald " + (v == null ? "dev" : v)};
    }
  }
}
