package dev.herald.infra.report;

import dev.herald.flink.report.GovernanceReport;
import dev.herald.flink.report.Incident;
import dev.herald.flink.report.ReportRenderer;
import dev.herald.flink.risk.ControlCatalog;
import dev.herald.schema.ControlEvidence;
import dev.herald.schema.Outage;
import dev.herald.schema.RiskReport;
import gov.nist.secauto.metaschema.binding.io.Format;
import gov.nist.secauto.metaschema.model.common.datatype.markup.MarkupLine;
import gov.nist.secauto.metaschema.model.common.datatype.markup.MarkupMultiline;
import gov.nist.secauto.oscal.lib.OscalBindingContext;
import gov.nist.secauto.oscal.lib.model.AssessmentResults;
import gov.nist.secauto.oscal.lib.model.BackMatter;
import gov.nist.secauto.oscal.lib.model.Finding;
import gov.nist.secauto.oscal.lib.model.FindingTarget;
import gov.nist.secauto.oscal.lib.model.ImportAp;
import gov.nist.secauto.oscal.lib.model.Metadata;
import gov.nist.secauto.oscal.lib.model.Observation;
import gov.nist.secauto.oscal.lib.model.Property;
import gov.nist.secauto.oscal.lib.model.Result;
import gov.nist.secauto.oscal.lib.model.ReviewedControls;
import gov.nist.secauto.oscal.lib.model.SelectControlById;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * A governance report as an OSCAL 1.1.2 {@code assessment-results} document, built with NIST's
 * {@code liboscal-java}: one result for the report's window; one observation per figure (its value,
 * the risk record it comes from, and for alert types the id of every alert, which {@code herald
 * verify <id>} re-checks offline); one finding per ISO/IEC 27001:2022 Annex A control and IEC
 * 62443-3-3 foundational requirement that a figure evidences, satisfied unless one of its figures
 * shows a shortfall (see {@link #shortfall}).
 *
 * <pre>{@code
 * AssessmentResults ar = OscalAssessmentResults.of(report);
 * String json = OscalAssessmentResults.json(ar);
 * }</pre>
 *
 * <p>Every UUID is a version-5 (name-based) UUID of the risk record's group, window and times, so
 * the same record always yields the same document.
 */
public final class OscalAssessmentResults {
  /** The OSCAL version of the models and schema in {@code liboscal-java} 3.0.3. */
  public static final String OSCAL_VERSION = "1.1.2";

  /** Namespace of Herald's own properties. */
  public static final URI NS = URI.create("https://herald.dev/ns/oscal");

  /** Most alert ids cited per observation; the rest are counted, with how to list them. */
  static final int MAX_ALERTS_CITED = 500;

  /** Alert types whose occurrence alone is not a shortfall: their effect shows in availability. */
  static final Set<String> LIVENESS_TYPES = Set.of("REPLICA_LAG", "NODE_SILENT");

  private static final UUID NAMESPACE = UUID.fromString("5f0e4c1e-3c3b-4b8e-9a55-2d0a1e6b7c42");
  private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9._:-]{1,200}");

  private OscalAssessmentResults() {}

  /**
   * The OSCAL control id of an ISO/IEC 27001:2022 Annex A control, e.g. {@code iso27001-a.8.14}.
   */
  public static String isoControlId(String control) {
    return "iso27001-a." + control.toLowerCase(Locale.ROOT);
  }

  /**
   * The OSCAL control id of an IEC 62443-3-3 foundational requirement, e.g. {@code iec62443-fr7}.
   */
  public static String iecControlId(String fr) {
    return "iec62443-" + fr.toLowerCase(Locale.ROOT);
  }

  /** The document of {@code report}. */
  public static AssessmentResults of(GovernanceReport report) {
    RiskReport r = report.risk();
    String key =
        r.getGroup() + "\n" + r.getWindow() + "\n" + r.getWindowEnd() + "\n" + r.getGeneratedAt();
    ZonedDateTime generated = time(r.getGeneratedAt());

    AssessmentResults ar = new AssessmentResults();
    ar.setUuid(uuid(key, "document"));
    Metadata meta = new Metadata();
    meta.setTitle(
        line(
            "Herald assessment results: group "
                + r.getGroup()
                + ", "
                + r.getWindow()
                + " window ending "
                + r.getWindowEnd()));
    meta.setLastModified(generated);
    meta.setVersion(r.getWindowEnd().toString());
    meta.setOscalVersion(OSCAL_VERSION);
    ar.setMetadata(meta);

    UUID plan = uuid(key, "plan");
    ImportAp importAp = new ImportAp();
    importAp.setHref(URI.create("#" + plan));
    importAp.setRemarks(
        text(
            "Herald assesses continuously; there is no separate OSCAL assessment plan. The"
                + " back-matter resource this points to says what the assessment consists of."));
    ar.setImportAp(importAp);
    BackMatter back = new BackMatter();
    BackMatter.Resource resource = new BackMatter.Resource();
    resource.setUuid(plan);
    resource.setTitle(line("Herald continuous audit: detection policy and control mapping"));
    resource.setDescription(
        text(
            "What Herald's continuous assessment consists of, and which figure evidences which"
                + " control: the attached herald-assessment-method.md (also in docs/governance.md)."));
    BackMatter.Resource.Base64 method = new BackMatter.Resource.Base64();
    method.setFilename("herald-assessment-method.md");
    method.setMediaType("text/markdown");
    method.setValue(ByteBuffer.wrap(assessmentMethod().getBytes(StandardCharsets.UTF_8)));
    resource.setBase64(method);
    back.addResource(resource);
    ar.setBackMatter(back);

    Result result = new Result();
    result.setUuid(uuid(key, "result"));
    result.setTitle(line("Group " + r.getGroup() + ", rolling " + r.getWindow() + " window"));
    result.setDescription(
        text(
            "Availability, outages, quorum loss, integrity incidents and risk of replication group "
                + r.getGroup()
                + " from "
                + r.getWindowStart()
                + " to "
                + r.getWindowEnd()
                + ", as Herald's risk job computed them (herald.risk.v1, generated "
                + r.getGeneratedAt()
                + "). Risk score "
                + r.getRiskScore()
                + " by: "
                + r.getRiskFormula()));
    result.setStart(time(r.getWindowStart()));
    result.setEnd(time(r.getWindowEnd()));
    result.addProp(prop("group-window", r.getWindow()));
    result.addProp(prop("risk-score", Double.toString(r.getRiskScore())));
    result.setReviewedControls(reviewedControls());

    Map<String, List<UUID>> observationsByControl = new LinkedHashMap<>();
    Map<String, List<String>> figuresByControl = new LinkedHashMap<>();
    Map<String, Set<String>> shortfallsByControl = new LinkedHashMap<>();
    for (ControlEvidence e : r.getControls()) {
      Observation o = observation(key, r, e, report.incidents(), generated);
      result.addObservation(o);
      String shortfall = shortfall(r, e);
      List<String> controls = new ArrayList<>();
      e.getIso27001().forEach(c -> controls.add(isoControlId(c)));
      e.getIec62443().forEach(c -> controls.add(iecControlId(c)));
      for (String c : controls) {
        observationsByControl.computeIfAbsent(c, k -> new ArrayList<>()).add(o.getUuid());
        figuresByControl
            .computeIfAbsent(c, k -> new ArrayList<>())
            .add(e.getFigure() + " " + e.getValue());
        if (shortfall != null) {
          shortfallsByControl.computeIfAbsent(c, k -> new LinkedHashSet<>()).add(shortfall);
        }
      }
    }
    Map<String, String> titles = new LinkedHashMap<>();
    ControlCatalog.ISO27001.forEach(
        (id, title) -> titles.put(isoControlId(id), "ISO/IEC 27001:2022 A." + id + ": " + title));
    ControlCatalog.IEC62443.forEach(
        (id, title) -> titles.put(iecControlId(id), "IEC 62443-3-3 " + id + ": " + title));
    for (Map.Entry<String, String> c : titles.entrySet()) {
      List<UUID> observed = observationsByControl.get(c.getKey());
      if (observed != null) {
        result.addFinding(
            finding(
                key,
                c.getKey(),
                c.getValue(),
                observed,
                figuresByControl.get(c.getKey()),
                shortfallsByControl.getOrDefault(c.getKey(), Set.of())));
      }
    }
    ar.addResult(result);
    return ar;
  }

  /**
   * Why {@code e} shows a shortfall in its controls, or {@code null} if it does not: the SLO was
   * missed (availability, SLO met, error-budget burn), the group lost quorum, or an alert of a type
   * other than the liveness ones ({@link #LIVENESS_TYPES}) opened. Outages, MTTR, MTBF and the risk
   * score inform but do not decide on their own.
   */
  static String shortfall(RiskReport r, ControlEvidence e) {
    String f = e.getFigure();
    switch (f) {
      case "availability", "sloMet", "errorBudgetBurn" -> {
        return r.getSloMet()
            ? null
            : "availability "
                + r.getAvailability()
                + " is below the SLO target "
                + r.getSloTarget()
                + " (error-budget burn "
                + r.getErrorBudgetBurn()
                + ")";
      }
      case "quorumLossMinutes" -> {
        return r.getQuorumLossMinutes() > 0
            ? "the group had no quorum for " + e.getValue() + " minutes"
            : null;
      }
      case "outages", "mttr", "mtbf", "riskScore" -> {
        return null;
      }
      default -> {
        Long n = r.getIntegrityIncidents().get(f);
        return n != null && n > 0 && !LIVENESS_TYPES.contains(f)
            ? n + " " + f + " alert(s) opened"
            : null;
      }
    }
  }

  /**
   * A written document.
   *
   * @param file where it is: {@code herald-report-<group>-<window>.oscal.json}, or, if it did not
   *     validate, {@code ...oscal.invalid.json} (kept for a bug report)
   * @param validation what {@link OscalValidator} found
   */
  public record Written(Path file, OscalValidator.Result validation) {}

  /**
   * Writes the document of {@code report} into {@code dir} (created if needed), validated first: a
   * document that does not validate never takes the report's file name.
   *
   * @throws UncheckedIOException if {@code dir} is not writable
   */
  public static Written write(GovernanceReport report, Path dir) {
    String name = ReportRenderer.fileName(report.risk(), "oscal.json");
    String json = json(of(report));
    try {
      Files.createDirectories(dir);
      Path partial = Files.createTempFile(dir, ".herald-oscal-", ".json");
      try {
        Files.writeString(partial, json, StandardCharsets.UTF_8);
        OscalValidator.Result validation = OscalValidator.validate(partial);
        Path file =
            dir.resolve(
                validation.valid() ? name : name.replace(".oscal.json", ".oscal.invalid.json"));
        Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING);
        return new Written(file, validation);
      } finally {
        Files.deleteIfExists(partial);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot write "
              + name
              + " to "
              + dir
              + " ("
              + e.getClass().getSimpleName()
              + ": "
              + e.getMessage()
              + ")",
          e);
    }
  }

  /**
   * How Herald assesses, as markdown: what the figures are, which controls each evidences, and when
   * a control counts as not satisfied. Attached to every document (back-matter).
   */
  static String assessmentMethod() {
    StringBuilder md = new StringBuilder();
    md.append("# Herald continuous assessment\n\n")
        .append("Herald's auditor compares every signed state report of a replication group's")
        .append(" replicas with the others and raises an alert, with the signed reports as")
        .append(" evidence, for each divergence, equivocation, forged or unknown reporter, fork,")
        .append(" conflicting write, flood or silent node (policy: docs/policy.md). Its Flink jobs")
        .append(" measure availability from signed heartbeats and count the alerts per window;")
        .append(" each risk record holds the figures of one group over a rolling window.\n\n")
        .append("A control is **not satisfied** in a window when one of its figures shows a")
        .append(
            " shortfall: availability below the SLO target (also: SLO met = false, error-budget")
        .append(" burn), minutes without quorum, or an alert of any type but ")
        .append(String.join(" and ", new TreeSet<>(LIVENESS_TYPES)))
        .append(" (whose effect shows in availability). Outages, MTTR, MTBF and the risk score")
        .append(" inform but do not decide on their own.\n\n")
        .append("| figure | ISO/IEC 27001:2022 Annex A | IEC 62443-3-3 |\n|---|---|---|\n");
    for (String figure : ControlCatalog.figures()) {
      ControlEvidence e = ControlCatalog.evidence(figure, "");
      md.append("| ")
          .append(figure)
          .append(" | ")
          .append(String.join(", ", e.getIso27001()))
          .append(" | ")
          .append(String.join(", ", e.getIec62443()))
          .append(" |\n");
    }
    md.append("\nControl titles are in Herald's own words:\n\n");
    ControlCatalog.ISO27001.forEach(
        (id, t) -> md.append("- A.").append(id).append(": ").append(t).append('\n'));
    ControlCatalog.IEC62443.forEach(
        (id, t) -> md.append("- ").append(id).append(": ").append(t).append('\n'));
    return md.toString();
  }

  /** The document as OSCAL JSON. */
  public static String json(AssessmentResults ar) {
    StringWriter out = new StringWriter();
    try {
      OscalBindingContext.instance()
          .newSerializer(Format.JSON, AssessmentResults.class)
          .serialize(ar, out);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot serialize the OSCAL document: " + e.getMessage(), e);
    }
    return out.toString();
  }

  private static ReviewedControls reviewedControls() {
    ReviewedControls reviewed = new ReviewedControls();
    reviewed.setDescription(
        text(
            "The ISO/IEC 27001:2022 Annex A controls and IEC 62443-3-3 foundational requirements"
                + " that Herald's figures evidence (titles in Herald's own words)."));
    ReviewedControls.ControlSelection iso = new ReviewedControls.ControlSelection();
    iso.setDescription(text("ISO/IEC 27001:2022 Annex A"));
    ControlCatalog.ISO27001.keySet().forEach(id -> iso.addIncludeControl(select(isoControlId(id))));
    ReviewedControls.ControlSelection iec = new ReviewedControls.ControlSelection();
    iec.setDescription(text("IEC 62443-3-3 foundational requirements"));
    ControlCatalog.IEC62443.keySet().forEach(id -> iec.addIncludeControl(select(iecControlId(id))));
    reviewed.addControlSelection(iso);
    reviewed.addControlSelection(iec);
    return reviewed;
  }

  private static SelectControlById select(String controlId) {
    SelectControlById s = new SelectControlById();
    s.setControlId(controlId);
    return s;
  }

  private static Observation observation(
      String key,
      RiskReport r,
      ControlEvidence e,
      List<Incident> incidents,
      ZonedDateTime generated) {
    Observation o = new Observation();
    o.setUuid(uuid(key, "observation/" + e.getFigure()));
    o.setTitle(line(e.getFigure() + " = " + e.getValue()));
    o.setDescription(
        text(
            describe(r, e)
                + " Evidences ISO/IEC 27001:2022 Annex A "
                + String.join(", ", e.getIso27001())
                + " and IEC 62443-3-3 "
                + String.join(", ", e.getIec62443())
                + "."));
    o.addProp(prop("figure", e.getFigure()));
    o.addProp(prop("value", e.getValue()));
    o.addMethod("TEST");
    o.setCollected(generated);

    Observation.RelevantEvidence record = new Observation.RelevantEvidence();
    record.setDescription(
        text(
            "The risk record of group "
                + r.getGroup()
                + " on topic herald.risk.v1: window "
                + r.getWindow()
                + " from "
                + r.getWindowStart()
                + " to "
                + r.getWindowEnd()
                + ", generated "
                + r.getGeneratedAt()
                + " (herald report -o json prints it)."));
    o.addRelevantEvidence(record);
    if (e.getFigure().equals("outages")) {
      for (Outage out : r.getOutages()) {
        Observation.RelevantEvidence ev = new Observation.RelevantEvidence();
        ev.setDescription(
            text(
                "Outage of node "
                    + out.getNodeId()
                    + " from "
                    + out.getStart()
                    + " to "
                    + (out.getEnd() == null ? "(ongoing)" : out.getEnd())
                    + ": "
                    + out.getDurationMs()
                    + " ms."));
        o.addRelevantEvidence(ev);
      }
    }
    List<Incident> ofType = incidents.stream().filter(i -> i.type().equals(e.getFigure())).toList();
    for (Incident i : ofType.subList(0, Math.min(MAX_ALERTS_CITED, ofType.size()))) {
      Observation.RelevantEvidence ev = new Observation.RelevantEvidence();
      ev.setDescription(text(cite(i)));
      if (TOKEN.matcher(i.alertId()).matches()) {
        ev.addProp(prop("alert-id", i.alertId()));
      }
      o.addRelevantEvidence(ev);
    }
    if (ofType.size() > MAX_ALERTS_CITED) {
      Observation.RelevantEvidence more = new Observation.RelevantEvidence();
      more.setDescription(
          text(
              "And "
                  + (ofType.size() - MAX_ALERTS_CITED)
                  + " more "
                  + e.getFigure()
                  + " alerts: herald alerts --type "
                  + e.getFigure()
                  + " lists them."));
      o.addRelevantEvidence(more);
    }
    return o;
  }

  private static String describe(RiskReport r, ControlEvidence e) {
    String over =
        " of group "
            + r.getGroup()
            + " over the "
            + r.getWindow()
            + " window ending "
            + r.getWindowEnd();
    return switch (e.getFigure()) {
      case "availability" ->
          "Availability"
              + over
              + ": "
              + e.getValue()
              + " of the expected node-time up (SLO target "
              + r.getSloTarget()
              + ").";
      case "sloMet" -> "SLO met" + over + ": " + e.getValue() + ".";
      case "errorBudgetBurn" -> "Share of the error budget used" + over + ": " + e.getValue() + ".";
      case "outages" -> "Node outages" + over + ": " + e.getValue() + ".";
      case "mttr" -> "Mean time to repair" + over + ": " + e.getValue() + ".";
      case "mtbf" -> "Mean time between failures" + over + ": " + e.getValue() + ".";
      case "quorumLossMinutes" -> "Minutes without quorum" + over + ": " + e.getValue() + ".";
      case "riskScore" -> "Risk score (0-100)" + over + ": " + e.getValue() + ".";
      default -> e.getValue() + " " + e.getFigure() + " alert(s) opened" + over + ".";
    };
  }

  private static String cite(Incident i) {
    StringBuilder s =
        new StringBuilder("Alert ")
            .append(i.alertId())
            .append(": ")
            .append(i.type())
            .append(", ")
            .append(i.severity())
            .append(", ")
            .append(i.open() ? "open" : "resolved at " + i.resolvedAt());
    if (i.entityKey() != null) {
      s.append("; entity ").append(i.entityKey()).append(" version ").append(i.version());
    }
    if (!i.nodes().isEmpty()) {
      s.append("; blames ").append(String.join(", ", i.nodes()));
    }
    s.append("; detected ").append(i.detectedAt()).append(". ");
    if (i.detail() != null && !i.detail().isBlank()) {
      s.append(i.detail()).append(". ");
    }
    return s.append("Its signed evidence re-verifies offline: herald verify ")
        .append(i.alertId())
        .toString();
  }

  private static Finding finding(
      String key,
      String controlId,
      String title,
      List<UUID> observations,
      List<String> figures,
      Set<String> shortfalls) {
    Finding f = new Finding();
    f.setUuid(uuid(key, "finding/" + controlId));
    f.setTitle(line(title));
    f.setDescription(
        text(
            (shortfalls.isEmpty()
                    ? "Satisfied: none of its figures shows a shortfall."
                    : "Not satisfied: " + String.join("; ", shortfalls) + ".")
                + " Figures: "
                + String.join(", ", figures)
                + "."));
    FindingTarget target = new FindingTarget();
    target.setType("objective-id");
    target.setTargetId(controlId);
    target.setTitle(line(title));
    FindingTarget.Status status = new FindingTarget.Status();
    status.setState(shortfalls.isEmpty() ? "satisfied" : "not-satisfied");
    status.setReason(shortfalls.isEmpty() ? "pass" : "fail");
    target.setStatus(status);
    f.setTarget(target);
    for (UUID o : observations) {
      Finding.RelatedObservation related = new Finding.RelatedObservation();
      related.setObservationUuid(o);
      f.addRelatedObservation(related);
    }
    return f;
  }

  private static Property prop(String name, String value) {
    Property p = new Property();
    p.setName(name);
    p.setNs(NS);
    p.setValue(value);
    return p;
  }

  /** Plain text (possibly written by a party Herald judges) as markup: escaped, never parsed. */
  private static MarkupMultiline text(String plain) {
    return MarkupMultiline.fromHtml("<p>" + escape(plain) + "</p>");
  }

  private static MarkupLine line(String plain) {
    return MarkupLine.fromHtml(escape(plain));
  }

  static String escape(String s) {
    StringBuilder out = new StringBuilder(s.length());
    s.codePoints()
        .forEach(
            c -> {
              switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                default -> {
                  if (Character.isISOControl(c)) {
                    out.append('\uFFFD');
                  } else {
                    out.appendCodePoint(c);
                  }
                }
              }
            });
    return out.toString();
  }

  private static ZonedDateTime time(Instant t) {
    return ZonedDateTime.ofInstant(t, ZoneOffset.UTC);
  }

  /** A version-5 (SHA-1, name-based) UUID, as OSCAL requires version 4 or 5. */
  static UUID uuid(String key, String name) {
    try {
      MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
      long msb = NAMESPACE.getMostSignificantBits();
      long lsb = NAMESPACE.getLeastSignificantBits();
      for (int i = 7; i >= 0; i--) {
        sha1.update((byte) (msb >>> (8 * i)));
      }
      for (int i = 7; i >= 0; i--) {
        sha1.update((byte) (lsb >>> (8 * i)));
      }
      byte[] h = sha1.digest((key + "\n" + name).getBytes(StandardCharsets.UTF_8));
      h[6] = (byte) ((h[6] & 0x0f) | 0x50);
      h[8] = (byte) ((h[8] & 0x3f) | 0x80);
      long hi = 0;
      long lo = 0;
      for (int i = 0; i < 8; i++) {
        hi = (hi << 8) | (h[i] & 0xff);
        lo = (lo << 8) | (h[8 + i] & 0xff);
      }
      return new UUID(hi, lo);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is required of every Java platform", e);
    }
  }
}
