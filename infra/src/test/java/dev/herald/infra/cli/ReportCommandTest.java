package dev.herald.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.infra.report.OscalAssessmentResultsTest;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * What {@code herald report} says on bad options before it reads Kafka, and when it cannot write
 * the report: one line naming the problem and a hint, never a stack trace. Reports read from a real
 * broker in FlinkEndToEndIT.
 */
class ReportCommandTest {

  private record Run(int exit, String err) {}

  private static Run run(String... args) {
    CommandLine cli = HeraldCli.commandLine();
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err));
    cli.setOut(new PrintWriter(new StringWriter()));
    int exit = cli.execute(args);
    return new Run(exit, err.toString());
  }

  @Test
  void anUnknownFormatIsAUsageErrorListingTheFormats() {
    Run r = run("report", "--bootstrap-server", "localhost:1", "--group", "g1", "-o", "xml");

    assertThat(r.exit()).isEqualTo(HeraldCli.EXIT_USAGE);
    assertThat(r.err())
        .contains("unknown format 'xml'; use html, json, csv or oscal")
        .doesNotContain("\tat ");
  }

  @Test
  void anOutThatIsAFileIsAUsageErrorBeforeKafkaIsRead(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("reports"), "not a directory");

    Run r =
        run(
            "report",
            "--bootstrap-server",
            "localhost:1",
            "--group",
            "g1",
            "-o",
            "oscal",
            "--out",
            file.toString());

    assertThat(r.exit()).isEqualTo(HeraldCli.EXIT_USAGE);
    assertThat(r.err())
        .contains("--out " + file + " is a file, not a directory")
        .doesNotContain("\tat ");
  }

  @Test
  void anUnwritableOutIsAFailureNamingTheDirectory(@TempDir Path dir) throws Exception {
    // Given a directory that cannot be created: its parent is a file
    Path out = Files.writeString(dir.resolve("file"), "x").resolve("reports");

    // When / Then
    assertThatThrownBy(() -> ReportCommand.write(OscalAssessmentResultsTest.troubled(), null, out))
        .isInstanceOfSatisfying(
            CliException.class,
            e -> {
              assertThat(e.getMessage()).contains("cannot write", out.toString());
              assertThat(e.hint()).contains("writable directory");
            });
  }

  @Test
  void anOscalReportIsWrittenOnlyOnceItValidates(@TempDir Path dir) {
    ReportCommand.Written w = ReportCommand.write(OscalAssessmentResultsTest.troubled(), null, dir);

    assertThat(w.file().getFileName().toString()).isEqualTo("herald-report-g1-24h.oscal.json");
    assertThat(w.note()).contains("valid OSCAL 1.1.2 assessment-results");
  }
}
