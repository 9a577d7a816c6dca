package dev.herald.flink.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.herald.flink.consistency.ConsistencyMath;
import dev.herald.flink.risk.ControlCatalog;
import dev.herald.schema.AvailabilityWindow;
import dev.herald.schema.ConsistencyWindow;
import dev.herald.schema.ControlEvidence;
import dev.herald.schema.Outage;
import dev.herald.schema.RiskReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Renders a {@link GovernanceReport} as a self-contained HTML page (inline CSS and SVG charts, no
 * scripts, no CDN: it opens offline), as JSON, or as CSV.
 *
 * <pre>{@code
 * Path file = ReportRenderer.write(report, ReportRenderer.Format.HTML, Path.of("reports"));
 * }</pre>
 */
public final class ReportRenderer {
  private ReportRenderer() {}

  /** Output formats. */
  public enum Format {
    HTML("html"),
    JSON("json"),
    CSV("csv");

    private final String extension;

    Format(String extension) {
      this.extension = extension;
    }

    /** Parses {@code html}, {@code json} or {@code csv}, naming them if {@code text} is none. */
    public static Format parse(String text) {
      for (Format f : values()) {
        if (f.extension.equalsIgnoreCase(text)) {
          return f;
        }
      }
      throw new IllegalArgumentException("unknown format '" + text + "'; use html, json or csv");
    }
  }

  /** Writes the report into {@code dir} (created if needed) and returns the file. */
  public static Path write(GovernanceReport report, Format format, Path dir) {
    String name = fileName(report.risk(), format.extension);
    String text =
        switch (format) {
          case HTML -> html(report);
          case JSON -> json(report);
          case CSV -> csv(report);
        };
    try {
      Files.createDirectories(dir);
      Path file = dir.resolve(name);
      Files.writeString(file, text, StandardCharsets.UTF_8);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + name + " to " + dir, e);
    }
  }

  /**
   * The file name of {@code risk}'s report with {@code extension}: {@code
   * herald-report-<group>-<window>.<extension>}, characters other than letters, digits, {@code .},
   * {@code _} and {@code -} replaced by {@code _}.
   */
  public static String fileName(RiskReport risk, String extension) {
    return "herald-report-"
        + safe(risk.getGroup())
        + "-"
        + safe(risk.getWindow())
        + "."
        + extension;
  }

  /** The report as a JSON document. */
  public static String json(GovernanceReport report) {
    RiskReport r = report.risk();
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("group", r.getGroup());
    root.put("window", r.getWindow());
    root.put("windowStart", r.getWindowStart().toString());
    root.put("windowEnd", r.getWindowEnd().toString());
    root.put("generatedAt", r.getGeneratedAt().toString());
    root.put("availability", r.getAvailability());
    root.put("sloTarget", r.getSloTarget());
    root.put("sloMet", r.getSloMet());
    root.put("errorBudgetBurn", r.getErrorBudgetBurn());
    root.put("quorumLossMinutes", r.getQuorumLossMinutes());
    root.put("mttrMs", r.getMttrMs());
    root.put("mtbfMs", r.getMtbfMs());
    root.put("riskScore", r.getRiskScore());
    root.put("riskFormula", r.getRiskFormula());
    root.put("integrityIncidents", new LinkedHashMap<>(r.getIntegrityIncidents()));
    List<Map<String, Object>> outages = new ArrayList<>();
    for (Outage o : r.getOutages()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("nodeId", o.getNodeId());
      m.put("start", o.getStart().toString());
      m.put("end", o.getEnd() == null ? null : o.getEnd().toString());
      m.put("durationMs", o.getDurationMs());
      outages.add(m);
    }
    root.put("outages", outages);
    List<Map<String, Object>> scopes = new ArrayList<>();
    for (ScopeAvailability a : report.scopes()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("scope", a.scope());
      m.put("id", a.id());
      m.put("availability", a.availability());
      m.put("expectedMs", a.expectedMs());
      m.put("uptimeMs", a.uptimeMs());
      m.put("downtimeMs", a.downtimeMs());
      m.put("outages", a.outages());
      m.put("mttrMs", a.mttrMs());
      m.put("mtbfMs", a.mtbfMs());
      scopes.add(m);
    }
    root.put("availabilityByScope", scopes);
    List<Map<String, Object>> controls = new ArrayList<>();
    for (ControlEvidence c : r.getControls()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("figure", c.getFigure());
      m.put("value", c.getValue());
      m.put("iso27001", c.getIso27001());
      m.put("iec62443", c.getIec62443());
      controls.add(m);
    }
    root.put("controls", controls);
    List<Map<String, Object>> incidents = new ArrayList<>();
    for (Incident i : report.incidents()) {
      incidents.add(incident(i));
    }
    root.put("incidents", incidents);
    root.put("changes", changes(report.changes()));
    root.put("consistency", consistency(report.consistency()));
    try {
      return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(root);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The consistency SLO over the report's period: the sum of its windows, and each window. */
  private static Map<String, Object> consistency(List<ConsistencyWindow> windows) {
    Map<String, Object> m = new LinkedHashMap<>();
    long versions = windows.stream().mapToLong(ConsistencyWindow::getVersions).sum();
    long good = windows.stream().mapToLong(ConsistencyWindow::getAgreedWithin).sum();
    m.put("versions", versions);
    m.put("agreedWithin", good);
    m.put("share", ConsistencyMath.share(good, versions));
    m.put("nines", ConsistencyMath.nines(good, versions));
    m.put("ninesAtLeast", ConsistencyMath.ninesAtLeast(good, versions));
    m.put("text", ConsistencyMath.describe(good, versions));
    if (!windows.isEmpty()) {
      ConsistencyWindow last = windows.get(windows.size() - 1);
      m.put("withinMs", last.getWithinMs());
      m.put("target", last.getTarget());
    }
    m.put("burnAlertWindows", windows.stream().filter(ConsistencyWindow::getBurnAlert).count());
    List<Map<String, Object>> list = new ArrayList<>();
    for (ConsistencyWindow w : windows) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("windowStart", w.getWindowStart().toString());
      e.put("windowEnd", w.getWindowEnd().toString());
      e.put("versions", w.getVersions());
      e.put("agreedWithin", w.getAgreedWithin());
      e.put("share", w.getShare());
      e.put("nines", w.getNines());
      e.put("ninesAtLeast", w.getNinesAtLeast());
      e.put("outcomes", new TreeMap<>(w.getOutcomes()));
      e.put("fastBurnRate", w.getFastBurnRate());
      e.put("slowBurnRate", w.getSlowBurnRate());
      e.put("burnAlert", w.getBurnAlert());
      list.add(e);
    }
    m.put("windows", list);
    return m;
  }

  private static Map<String, Object> incident(Incident i) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("alertId", i.alertId());
    m.put("type", i.type());
    m.put("severity", i.severity());
    m.put("status", i.open() ? "OPEN" : "RESOLVED");
    m.put("entityKey", i.entityKey());
    m.put("version", i.version());
    m.put("nodes", i.nodes());
    m.put("detectedAt", i.detectedAt().toString());
    m.put("resolvedAt", i.resolvedAt() == null ? null : i.resolvedAt().toString());
    return m;
  }

  private static Map<String, Object> changes(Changes c) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("basis", c.basis().name());
    if (c.previous() != null) {
      m.put("previousWindowStart", c.previous().getWindowStart().toString());
      m.put("previousWindowEnd", c.previous().getWindowEnd().toString());
    }
    List<Map<String, Object>> deltas = new ArrayList<>();
    for (Changes.Delta d : c.deltas()) {
      Map<String, Object> x = new LinkedHashMap<>();
      x.put("figure", d.figure());
      x.put("previous", d.before());
      x.put("now", d.after());
      x.put("change", d.change().orElse(null));
      deltas.add(x);
    }
    m.put("deltas", deltas);
    m.put("opened", c.opened().stream().map(Incident::alertId).toList());
    m.put("closed", c.closed().stream().map(Incident::alertId).toList());
    return m;
  }

  /**
   * The report as CSV: one row per figure, {@code section,scope,id,figure,value,iso27001,iec62443}.
   */
  public static String csv(GovernanceReport report) {
    RiskReport r = report.risk();
    StringBuilder out = new StringBuilder("section,scope,id,figure,value,iso27001,iec62443\n");
    for (ControlEvidence c : r.getControls()) {
      row(
          out,
          "risk",
          "GROUP",
          r.getGroup(),
          c.getFigure(),
          c.getValue(),
          String.join(" ", c.getIso27001()),
          String.join(" ", c.getIec62443()));
    }
    for (ScopeAvailability a : report.scopes()) {
      row(out, "availability", a.scope(), a.id(), "availability", fmt(a.availability(), 6), "", "");
      row(
          out,
          "availability",
          a.scope(),
          a.id(),
          "downtimeMs",
          Long.toString(a.downtimeMs()),
          "",
          "");
      row(out, "availability", a.scope(), a.id(), "outages", Integer.toString(a.outages()), "", "");
      row(out, "availability", a.scope(), a.id(), "mttrMs", String.valueOf(a.mttrMs()), "", "");
      row(out, "availability", a.scope(), a.id(), "mtbfMs", String.valueOf(a.mtbfMs()), "", "");
    }
    for (Outage o : r.getOutages()) {
      row(
          out,
          "outage",
          "NODE",
          o.getNodeId(),
          "outage",
          o.getStart()
              + "/"
              + (o.getEnd() == null ? "ongoing" : o.getEnd().toString())
              + " "
              + o.getDurationMs()
              + "ms",
          "",
          "");
    }
    return out.toString();
  }

  private static void row(StringBuilder out, String... cells) {
    for (int i = 0; i < cells.length; i++) {
      if (i > 0) {
        out.append(',');
      }
      String c = cells[i] == null ? "" : cells[i];
      if (c.contains(",") || c.contains("\"") || c.contains("\n")) {
        c = "\"" + c.replace("\"", "\"\"") + "\"";
      }
      out.append(c);
    }
    out.append('\n');
  }

  /** The report as one offline HTML page with inline SVG charts. */
  public static String html(GovernanceReport report) {
    RiskReport r = report.risk();
    StringBuilder h = new StringBuilder();
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<title>Herald report: ")
        .append(esc(r.getGroup()))
        .append(' ')
        .append(esc(r.getWindow()))
        .append("</title>\n<style>")
        .append("body{font:14px system-ui,sans-serif;margin:2em;color:#222;max-width:70em}")
        .append("table{border-collapse:collapse;margin:.5em 0 1.5em}")
        .append("td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}")
        .append("th{background:#f3f3f3}.num{text-align:right}.bad{color:#b00020}.ok{color:#1b5e20}")
        .append("code{background:#f6f6f6;padding:.1em .3em}</style></head><body>\n");
    h.append("<h1>Herald governance report</h1>\n<p>Group <b>")
        .append(esc(r.getGroup()))
        .append("</b>, window <b>")
        .append(esc(r.getWindow()))
        .append("</b>: ")
        .append(r.getWindowStart())
        .append(" to ")
        .append(r.getWindowEnd())
        .append(". Generated ")
        .append(r.getGeneratedAt())
        .append(".</p>\n");

    h.append("<h2>Summary</h2>\n<table>");
    kv(h, "Availability", pct(r.getAvailability()));
    kv(h, "SLO target", pct(r.getSloTarget()));
    h.append("<tr><th>SLO met</th><td class=\"")
        .append(r.getSloMet() ? "ok\">yes" : "bad\">no")
        .append("</td></tr>");
    kv(h, "Error-budget burn", fmt(r.getErrorBudgetBurn() * 100, 1) + " % of the budget");
    kv(h, "Quorum-loss minutes", fmt(r.getQuorumLossMinutes(), 1));
    kv(h, "MTTR", duration(r.getMttrMs()));
    kv(h, "MTBF", duration(r.getMtbfMs()));
    kv(h, "Risk score (0-100)", fmt(r.getRiskScore(), 1));
    h.append("</table>\n<p>Risk formula: <code>")
        .append(esc(r.getRiskFormula()))
        .append("</code></p>\n");

    consistencySection(h, report.consistency());

    h.append("<h2>Availability by node</h2>\n").append(barChart(report.scopes()));
    h.append("<h2>Trends over the window</h2>\n");
    for (TrendChart chart : trends(report)) {
      h.append(chart.svg(r.getWindowStart(), r.getWindowEnd()));
    }
    changes(h, report.changes(), r);

    h.append("<h2>Availability per node, region and group</h2>\n<table><tr><th>scope</th>")
        .append("<th>id</th><th>availability</th><th>downtime</th><th>outages</th><th>MTTR</th>")
        .append("<th>MTBF</th></tr>\n");
    for (ScopeAvailability a : report.scopes()) {
      h.append("<tr><td>")
          .append(a.scope())
          .append("</td><td>")
          .append(esc(a.id()))
          .append("</td><td class=\"num\">")
          .append(pct(a.availability()))
          .append("</td><td class=\"num\">")
          .append(duration(a.downtimeMs()))
          .append("</td><td class=\"num\">")
          .append(a.outages())
          .append("</td><td class=\"num\">")
          .append(duration(a.mttrMs()))
          .append("</td><td class=\"num\">")
          .append(duration(a.mtbfMs()))
          .append("</td></tr>\n");
    }
    h.append("</table>\n");

    h.append("<h2>Outages</h2>\n");
    if (r.getOutages().isEmpty()) {
      h.append("<p>None in this window.</p>\n");
    } else {
      h.append("<table><tr><th>node</th><th>start</th><th>end</th><th>duration</th></tr>\n");
      for (Outage o : r.getOutages()) {
        h.append("<tr><td>")
            .append(esc(o.getNodeId()))
            .append("</td><td>")
            .append(o.getStart())
            .append("</td><td>")
            .append(o.getEnd() == null ? "ongoing" : o.getEnd().toString())
            .append("</td><td class=\"num\">")
            .append(duration(o.getDurationMs()))
            .append("</td></tr>\n");
      }
      h.append("</table>\n");
    }

    h.append("<h2>Integrity incidents</h2>\n");
    if (r.getIntegrityIncidents().isEmpty()) {
      h.append("<p>None in this window.</p>\n");
    } else {
      h.append("<table><tr><th>alert type</th><th>count</th></tr>\n");
      r.getIntegrityIncidents()
          .forEach(
              (type, n) ->
                  h.append("<tr><td>")
                      .append(esc(type))
                      .append("</td><td class=\"num\">")
                      .append(n)
                      .append("</td></tr>\n"));
      h.append("</table>\n");
    }

    h.append("<h2>Controls evidenced</h2>\n<table><tr><th>figure</th><th>value</th>")
        .append("<th>ISO/IEC 27001:2022 Annex A</th><th>IEC 62443-3-3</th></tr>\n");
    for (ControlEvidence c : r.getControls()) {
      h.append("<tr><td>")
          .append(esc(c.getFigure()))
          .append("</td><td>")
          .append(esc(c.getValue()))
          .append("</td><td>")
          .append(titled(c.getIso27001(), ControlCatalog.ISO27001))
          .append("</td><td>")
          .append(titled(c.getIec62443(), ControlCatalog.IEC62443))
          .append("</td></tr>\n");
    }
    h.append("</table>\n<p>Downtime model: a node is down from its last heartbeat plus the")
        .append(" silence threshold until its next heartbeat; see docs/governance.md.</p>\n")
        .append("</body></html>\n");
    return h.toString();
  }

  private static String barChart(List<ScopeAvailability> scopes) {
    List<ScopeAvailability> nodes = scopes.stream().filter(a -> a.scope().equals("NODE")).toList();
    if (nodes.isEmpty()) {
      return "<p>No availability windows in this period.</p>\n";
    }
    int barH = 22;
    int width = 640;
    int label = 140;
    int height = nodes.size() * barH + 30;
    StringBuilder s = new StringBuilder();
    s.append(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"availability by node\" width=\"")
        .append(width)
        .append("\" height=\"")
        .append(height)
        .append("\">\n");
    int y = 5;
    for (ScopeAvailability a : nodes) {
      double av = a.availability();
      int w = (int) Math.round(av * (width - label - 90));
      String color = av >= 0.999 ? "#2e7d32" : av >= 0.99 ? "#f9a825" : "#c62828";
      s.append("<text x=\"0\" y=\"")
          .append(y + 15)
          .append("\" font-size=\"12\">")
          .append(esc(a.id()))
          .append("</text>")
          .append("<rect x=\"")
          .append(label)
          .append("\" y=\"")
          .append(y)
          .append("\" width=\"")
          .append(w)
          .append("\" height=\"")
          .append(barH - 6)
          .append("\" fill=\"")
          .append(color)
          .append("\"><title>")
          .append(esc(a.id()))
          .append(' ')
          .append(pct(av))
          .append("</title></rect>")
          .append("<text x=\"")
          .append(label + w + 5)
          .append("\" y=\"")
          .append(y + 15)
          .append("\" font-size=\"12\">")
          .append(pct(av))
          .append("</text>\n");
      y += barH;
    }
    s.append("</svg>\n");
    return s.toString();
  }

  /**
   * The trend charts of the HTML report, over the report's window. A new figure is one more {@link
   * TrendChart.Series#of} line: from {@code t} (the group's availability windows, one per {@code
   * --window}) or {@code h} (the group's rolling reports, one per slide).
   */
  static List<TrendChart> trends(GovernanceReport report) {
    List<AvailabilityWindow> t = report.timeline();
    List<RiskReport> h = report.history();
    String rolling = "rolling " + report.risk().getWindow();
    return List.of(
        new TrendChart(
            "Group availability per window",
            TrendChart.Scale.PERCENT,
            TrendChart.Series.of(
                "availability",
                t,
                AvailabilityWindow::getWindowEnd,
                AvailabilityWindow::getUpFraction)),
        new TrendChart(
            "Alerts opened per hour, by severity",
            TrendChart.Scale.COUNT,
            TrendChart.Series.of(
                "CRITICAL", t, AvailabilityWindow::getWindowEnd, w -> perHour(w, "CRITICAL")),
            TrendChart.Series.of(
                "HIGH", t, AvailabilityWindow::getWindowEnd, w -> perHour(w, "HIGH")),
            TrendChart.Series.of(
                "MEDIUM", t, AvailabilityWindow::getWindowEnd, w -> perHour(w, "MEDIUM")),
            TrendChart.Series.of(
                "LOW", t, AvailabilityWindow::getWindowEnd, w -> perHour(w, "LOW"))),
        new TrendChart(
            "Availability of the " + rolling + " window at each slide, and the SLO",
            TrendChart.Scale.PERCENT,
            TrendChart.Series.of(
                "availability", h, RiskReport::getWindowEnd, RiskReport::getAvailability),
            TrendChart.Series.of(
                "SLO target", h, RiskReport::getWindowEnd, RiskReport::getSloTarget)),
        new TrendChart(
            "Consistency: share of versions agreed by every replica within M, per window",
            TrendChart.Scale.PERCENT,
            TrendChart.Series.of(
                "consistency",
                report.consistency(),
                ConsistencyWindow::getWindowEnd,
                ConsistencyWindow::getShare),
            TrendChart.Series.of(
                "target",
                report.consistency(),
                ConsistencyWindow::getWindowEnd,
                ConsistencyWindow::getTarget)),
        new TrendChart(
            "Risk score (0-100) of the " + rolling + " window at each slide",
            TrendChart.Scale.COUNT,
            TrendChart.Series.of(
                "risk score", h, RiskReport::getWindowEnd, RiskReport::getRiskScore)));
  }

  private static void consistencySection(StringBuilder h, List<ConsistencyWindow> windows) {
    h.append("<h2>Consistency SLO</h2>\n");
    if (windows.isEmpty()) {
      h.append("<p>No consistency figures in this period (run the consistency job: ")
          .append("<code>herald flink --job consistency</code>, or <code>all</code>).</p>\n");
      return;
    }
    ConsistencyWindow last = windows.get(windows.size() - 1);
    long versions = windows.stream().mapToLong(ConsistencyWindow::getVersions).sum();
    long good = windows.stream().mapToLong(ConsistencyWindow::getAgreedWithin).sum();
    long alerts = windows.stream().filter(ConsistencyWindow::getBurnAlert).count();
    boolean met = ConsistencyMath.share(good, versions) >= last.getTarget();
    h.append("<table>");
    kv(
        h,
        "Versions agreed by every replica within " + duration(last.getWithinMs()),
        ConsistencyMath.describe(good, versions) + ", " + good + " of " + versions);
    kv(h, "Target", pct(last.getTarget()));
    h.append("<tr><th>Target met</th><td class=\"")
        .append(met ? "ok\">yes" : "bad\">no")
        .append("</td></tr>");
    h.append("<tr><th>Windows with a burn-rate alert</th><td class=\"")
        .append(alerts == 0 ? "ok\">0" : "bad\">" + alerts)
        .append(" of ")
        .append(windows.size())
        .append(" (burn rate &ge; ")
        .append(fmt(last.getBurnThreshold(), 1))
        .append(" over ")
        .append(duration(last.getFastWindowMs()))
        .append(" and ")
        .append(duration(last.getSlowWindowMs()))
        .append(")</td></tr>");
    h.append("</table>\n");
  }

  /** Alerts of {@code severity} the window opened, per hour. */
  static double perHour(AvailabilityWindow w, String severity) {
    long ms = w.getWindowEnd().toEpochMilli() - w.getWindowStart().toEpochMilli();
    long n = w.getAlertsBySeverity().getOrDefault(severity, 0L);
    return ms <= 0 ? 0 : n * 3_600_000.0 / ms;
  }

  /** Most incidents listed per table; the rest are counted. */
  static final int MAX_LISTED = 100;

  private static void changes(StringBuilder h, Changes c, RiskReport r) {
    h.append("<h2>Changed since the previous report</h2>\n");
    if (c.basis() == Changes.Basis.NONE) {
      h.append("<p>No earlier ")
          .append(esc(r.getWindow()))
          .append(" report of this group on herald.risk.v1: nothing to compare with.</p>\n");
      return;
    }
    RiskReport p = c.previous();
    h.append("<p>Compared with the ")
        .append(esc(p.getWindow()))
        .append(" report of ")
        .append(p.getWindowStart())
        .append(" to ")
        .append(p.getWindowEnd())
        .append(
            c.basis() == Changes.Basis.PREVIOUS_WINDOW
                ? " (the previous window)."
                : " (the earliest on herald.risk.v1; it overlaps this window, as no report ends"
                    + " before this window starts).")
        .append(
            "</p>\n<table><tr><th>figure</th><th>previous</th><th>now</th><th>change</th></tr>\n");
    for (Changes.Delta d : c.deltas()) {
      String cls =
          d.worse() ? " class=\"num bad\"" : d.better() ? " class=\"num ok\"" : " class=\"num\"";
      h.append("<tr><td>")
          .append(esc(d.figure()))
          .append("</td><td class=\"num\">")
          .append(deltaValue(d.figure(), d.before()))
          .append("</td><td class=\"num\">")
          .append(deltaValue(d.figure(), d.after()))
          .append("</td><td")
          .append(cls)
          .append('>')
          .append(d.change().map(v -> (v > 0 ? "+" : "") + deltaValue(d.figure(), v)).orElse("n/a"))
          .append("</td></tr>\n");
    }
    h.append("</table>\n");
    incidentTable(h, "New incidents (detected since " + p.getWindowEnd() + ")", c.opened());
    incidentTable(h, "Closed incidents (resolved since " + p.getWindowEnd() + ")", c.closed());
  }

  private static String deltaValue(String figure, Double v) {
    if (v == null) {
      return "n/a";
    }
    return switch (figure) {
      case "availability" -> fmt(v * 100, 3) + " %";
      case "errorBudgetBurn" -> fmt(v * 100, 1) + " %";
      case "mttrMs" -> (v < 0 ? "-" : "") + duration(Math.round(Math.abs(v)));
      case "quorumLossMinutes", "riskScore" -> fmt(v, 1);
      default -> fmt(v, 0);
    };
  }

  private static void incidentTable(StringBuilder h, String title, List<Incident> incidents) {
    h.append("<h3>").append(esc(title)).append(": ").append(incidents.size()).append("</h3>\n");
    if (incidents.isEmpty()) {
      return;
    }
    h.append("<table><tr><th>alert id</th><th>type</th><th>severity</th><th>entity</th>")
        .append("<th>nodes</th><th>detected</th><th>resolved</th></tr>\n");
    for (Incident i : incidents.subList(0, Math.min(MAX_LISTED, incidents.size()))) {
      h.append("<tr><td><code>")
          .append(esc(i.alertId()))
          .append("</code></td><td>")
          .append(esc(i.type()))
          .append("</td><td>")
          .append(esc(i.severity()))
          .append("</td><td>")
          .append(i.entityKey() == null ? "" : esc(i.entityKey() + " v" + i.version()))
          .append("</td><td>")
          .append(esc(String.join(", ", i.nodes())))
          .append("</td><td>")
          .append(i.detectedAt())
          .append("</td><td>")
          .append(i.resolvedAt() == null ? "open" : i.resolvedAt().toString())
          .append("</td></tr>\n");
    }
    h.append("</table>\n");
    if (incidents.size() > MAX_LISTED) {
      h.append("<p>and ")
          .append(incidents.size() - MAX_LISTED)
          .append(" more (herald alerts lists them all).</p>\n");
    }
  }

  private static String titled(List<String> ids, Map<String, String> titles) {
    List<String> out = new ArrayList<>();
    for (String id : ids) {
      out.add("<abbr title=\"" + esc(titles.getOrDefault(id, "")) + "\">" + esc(id) + "</abbr>");
    }
    return String.join(", ", out);
  }

  private static void kv(StringBuilder h, String k, String v) {
    h.append("<tr><th>").append(k).append("</th><td>").append(esc(v)).append("</td></tr>");
  }

  private static String pct(double v) {
    return fmt(v * 100, 3) + " %";
  }

  private static String fmt(double v, int decimals) {
    return String.format(Locale.ROOT, "%." + decimals + "f", v);
  }

  private static String duration(Long ms) {
    if (ms == null) {
      return "n/a";
    }
    Duration d = Duration.ofMillis(ms);
    return d.toHoursPart() + d.toDaysPart() * 24 > 0
        ? String.format(
            Locale.ROOT, "%dh %02dm %02ds", d.toHours(), d.toMinutesPart(), d.toSecondsPart())
        : String.format(
            Locale.ROOT, "%dm %02d.%03ds", d.toMinutesPart(), d.toSecondsPart(), d.toMillisPart());
  }

  static String esc(String s) {
    if (s == null) {
      return "";
    }
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }

  private static String safe(String s) {
    return s.replaceAll("[^A-Za-z0-9._-]", "_");
  }
}
