package dev.herald.infra.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.herald.flink.report.GovernanceReport;
import dev.herald.flink.report.Incident;
import dev.herald.flink.risk.ControlCatalog;
import dev.herald.flink.risk.RiskMath;
import dev.herald.schema.ControlEvidence;
import dev.herald.schema.Outage;
import dev.herald.schema.RiskReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OSCAL assessment results of a governance report: they validate against the OSCAL 1.1.2 schema
 * and constraints shipped in liboscal-java, broken documents do not, and findings follow the
 * figures.
 */
public class OscalAssessmentResultsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long MIN = 60_000;

  /** A 24h report of group g1: SLO missed, one outage of n2, one equivocation (alert eq-1). */
  public static GovernanceReport troubled() {
    return report(
        0.995, Map.of("EQUIVOCATION", 1L, "NODE_SILENT", 1L), 2.5, List.of(equivocation()));
  }

  static Incident equivocation() {
    return new Incident(
        "eq-1",
        "EQUIVOCATION",
        "CRITICAL",
        true,
        "acct-7",
        12L,
        List.of("g1-node-2"),
        "node g1-node-2 signed two different states for acct-7 v12",
        Instant.ofEpochMilli(30 * MIN),
        null);
  }

  static GovernanceReport report(
      double availability, Map<String, Long> incidents, double quorumLoss, List<Incident> alerts) {
    double burn = RiskMath.errorBudgetBurn(availability, 0.999);
    List<ControlEvidence> controls = new ArrayList<>();
    controls.add(ControlCatalog.evidence("availability", String.valueOf(availability)));
    controls.add(ControlCatalog.evidence("sloMet", String.valueOf(availability >= 0.999)));
    controls.add(ControlCatalog.evidence("errorBudgetBurn", String.valueOf(burn)));
    controls.add(ControlCatalog.evidence("outages", "1"));
    controls.add(ControlCatalog.evidence("mttr", "120000 ms"));
    controls.add(ControlCatalog.evidence("mtbf", "n/a"));
    controls.add(ControlCatalog.evidence("quorumLossMinutes", String.valueOf(quorumLoss)));
    new TreeMap<>(incidents)
        .forEach((type, n) -> controls.add(ControlCatalog.evidence(type, Long.toString(n))));
    controls.add(ControlCatalog.evidence("riskScore", "55.0"));
    RiskReport risk =
        RiskReport.newBuilder()
            .setGroup("g1")
            .setWindow("24h")
            .setWindowStart(Instant.EPOCH)
            .setWindowEnd(Instant.ofEpochMilli(60 * MIN))
            .setAvailability(availability)
            .setSloTarget(0.999)
            .setSloMet(availability >= 0.999)
            .setErrorBudgetBurn(burn)
            .setQuorumLossMinutes(quorumLoss)
            .setIntegrityIncidents(incidents)
            .setOutages(
                List.of(
                    Outage.newBuilder()
                        .setNodeId("g1-node-2")
                        .setStart(Instant.ofEpochMilli(10 * MIN))
                        .setEnd(Instant.ofEpochMilli(12 * MIN))
                        .setDurationMs(2 * MIN)
                        .build()))
            .setMttrMs(2 * MIN)
            .setMtbfMs(null)
            .setRiskScore(55.0)
            .setRiskFormula(RiskMath.FORMULA)
            .setControls(controls)
            .setGeneratedAt(Instant.ofEpochMilli(61 * MIN))
            .build();
    return GovernanceReport.of(risk, List.of(), List.of(), alerts);
  }

  private static JsonNode finding(JsonNode doc, String controlId) {
    for (JsonNode f : doc.at("/assessment-results/results/0/findings")) {
      if (f.at("/target/target-id").asText().equals(controlId)) {
        return f;
      }
    }
    throw new AssertionError("no finding for " + controlId + " in " + doc.toPrettyString());
  }

  @Test
  void theDocumentValidatesAgainstTheOscalSchemaAndConstraints(@TempDir Path dir) throws Exception {
    // When
    OscalAssessmentResults.Written written = OscalAssessmentResults.write(troubled(), dir);

    // Then
    assertThat(written.validation().valid())
        .as(written.validation().findings().toString())
        .isTrue();
    assertThat(written.validation().findings()).isEmpty();
    assertThat(written.file().getFileName().toString())
        .isEqualTo("herald-report-g1-24h.oscal.json");
    try (var files = Files.list(dir)) {
      assertThat(files).containsExactly(written.file()); // no partial file left behind
    }
    JsonNode doc = JSON.readTree(written.file().toFile());
    assertThat(doc.at("/assessment-results/metadata/oscal-version").asText()).isEqualTo("1.1.2");
  }

  @Test
  void aBrokenDocumentFailsValidation(@TempDir Path dir) throws Exception {
    // Given a valid document, and three copies broken in different ways
    String json = OscalAssessmentResults.json(OscalAssessmentResults.of(troubled()));
    ObjectNode noPlan = (ObjectNode) JSON.readTree(json);
    ((ObjectNode) noPlan.get("assessment-results")).remove("import-ap");
    ObjectNode badUuid = (ObjectNode) JSON.readTree(json);
    // a version-3 UUID (what UUID.nameUUIDFromBytes makes): OSCAL allows versions 4 and 5 only
    ((ObjectNode) badUuid.get("assessment-results"))
        .put("uuid", java.util.UUID.nameUUIDFromBytes(new byte[] {1}).toString());
    // schema-valid, but the back-matter index of resources by uuid gets a duplicate key
    ObjectNode duplicateResource = (ObjectNode) JSON.readTree(json);
    var resources =
        (com.fasterxml.jackson.databind.node.ArrayNode)
            duplicateResource.at("/assessment-results/back-matter/resources");
    resources.add(resources.get(0).deepCopy());

    // When / Then
    Map<ObjectNode, String> why =
        Map.of(
            noPlan, "import-ap", badUuid, "/assessment-results/uuid", duplicateResource, "index");
    for (Map.Entry<ObjectNode, String> broken : why.entrySet()) {
      Path file = Files.writeString(dir.resolve("broken.json"), broken.getKey().toString());
      OscalValidator.Result r = OscalValidator.validate(file);
      assertThat(r.valid()).as(broken.getValue()).isFalse();
      assertThat(String.join("\n", r.findings())).contains(broken.getValue());
    }
    Path good = Files.writeString(dir.resolve("good.json"), json);
    assertThat(OscalValidator.validate(good).valid()).isTrue();
  }

  @Test
  void findingsPerControlFollowTheFiguresAndCiteTheAlertIds() throws Exception {
    // When
    JsonNode doc =
        JSON.readTree(OscalAssessmentResults.json(OscalAssessmentResults.of(troubled())));

    // Then every catalogued control is reviewed
    List<String> reviewed = new ArrayList<>();
    doc.at("/assessment-results/results/0/reviewed-controls/control-selections")
        .forEach(
            s ->
                s.get("include-controls").forEach(c -> reviewed.add(c.get("control-id").asText())));
    assertThat(reviewed)
        .hasSize(ControlCatalog.ISO27001.size() + ControlCatalog.IEC62443.size())
        .contains("iso27001-a.5.25", "iso27001-a.8.14", "iec62443-fr3", "iec62443-fr7");
    // the SLO miss and the equivocation make their controls not satisfied
    assertThat(finding(doc, "iso27001-a.5.30").at("/target/status/state").asText())
        .isEqualTo("not-satisfied");
    JsonNode integrity = finding(doc, "iec62443-fr3");
    assertThat(integrity.at("/target/status/state").asText()).isEqualTo("not-satisfied");
    assertThat(integrity.get("description").asText()).contains("1 EQUIVOCATION alert(s) opened");
    assertThat(finding(doc, "iso27001-a.5.25").get("title").asText())
        .isEqualTo("ISO/IEC 27001:2022 A.5.25: " + ControlCatalog.ISO27001.get("5.25"));
    // the equivocation's observation cites the alert id as evidence, and how to re-check it
    JsonNode eq = null;
    for (JsonNode o : doc.at("/assessment-results/results/0/observations")) {
      if (o.get("title").asText().startsWith("EQUIVOCATION")) {
        eq = o;
      }
    }
    assertThat(eq).isNotNull();
    assertThat(eq.get("methods").get(0).asText()).isEqualTo("TEST");
    assertThat(eq.get("relevant-evidence").toString())
        .contains("\"value\":\"eq-1\"", "herald verify eq-1", "herald.risk.v1");
    // each finding's observations are the figures mapped to the control
    for (JsonNode f : doc.at("/assessment-results/results/0/findings")) {
      assertThat(f.get("related-observations")).isNotEmpty();
    }
  }

  @Test
  void aQuietWindowSatisfiesEveryEvidencedControl() throws Exception {
    // Given availability above the SLO, no quorum loss, only a liveness alert
    GovernanceReport quiet = report(0.9995, Map.of("NODE_SILENT", 1L), 0, List.of());

    // When
    JsonNode doc = JSON.readTree(OscalAssessmentResults.json(OscalAssessmentResults.of(quiet)));

    // Then
    assertThat(doc.at("/assessment-results/results/0/findings").findValuesAsText("state"))
        .isNotEmpty()
        .containsOnly("satisfied");
  }

  @Test
  void textWrittenByAJudgedPartyStaysTextAndTheDocumentStillValidates(@TempDir Path dir)
      throws Exception {
    // Given an alert whose entity key and detail carry markdown, HTML and control characters
    Incident hostile =
        new Incident(
            "eq-2",
            "EQUIVOCATION",
            "CRITICAL",
            true,
            "[click](javascript:alert(1)) <b>x</b>\u0000\n",
            1L,
            List.of("n*1_"),
            "*bold* `code` \u0007",
            Instant.ofEpochMilli(31 * MIN),
            null);
    GovernanceReport report =
        report(0.995, Map.of("EQUIVOCATION", 1L), 0, List.of(equivocation(), hostile));

    // When
    OscalAssessmentResults.Written written = OscalAssessmentResults.write(report, dir);

    // Then the document validates, and read back with liboscal the text renders as text
    assertThat(written.validation().valid())
        .as(written.validation().findings().toString())
        .isTrue();
    var ar =
        gov.nist.secauto.oscal.lib.OscalBindingContext.instance()
            .loadAssessmentResults(written.file());
    StringBuilder html = new StringBuilder();
    for (var o : ar.getResults().get(0).getObservations()) {
      for (var ev : o.getRelevantEvidence()) {
        html.append(ev.getDescription().toHtml());
      }
    }
    assertThat(html.toString())
        .contains("eq-2", "[click](javascript:alert(1)) &lt;b&gt;x&lt;/b&gt;", "*bold*")
        .doesNotContain("<a ", "<b>", "<em>", "<code>");
  }

  @Test
  void aMissingOrNonJsonFileIsAnIoErrorNamingTheFile(@TempDir Path dir) throws Exception {
    // Given
    Path missing = dir.resolve("missing.json");
    Path notJson = Files.writeString(dir.resolve("not.json"), "<assessment-results/>");

    // When / Then
    for (Path file : List.of(missing, notJson)) {
      assertThatThrownBy(() -> OscalValidator.validate(file))
          .isInstanceOf(java.io.UncheckedIOException.class)
          .hasMessageContaining(file.toString());
    }
  }

  @Test
  void theSameReportYieldsTheSameDocument() {
    assertThat(OscalAssessmentResults.json(OscalAssessmentResults.of(troubled())))
        .isEqualTo(OscalAssessmentResults.json(OscalAssessmentResults.of(troubled())));
  }
}
