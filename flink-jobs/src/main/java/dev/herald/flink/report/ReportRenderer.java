package dev.herald.flink.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.herald.flink.risk.ControlCatalog;
import dev.herald.schema.AvailabilityWindow;
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
    RiskReport r = report.risk();
    String name =
        "herald-report-" + safe(r.getGroup()) + "-" + safe(r.getWindow()) + "." + format.extension;
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
    try {
      return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(root);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
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

    h.append("<h2>Availability by node</h2>\n").append(barChart(report.scopes()));
    h.append("<h2>Group availability over time</h2>\n").append(timeline(report.timeline()));

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

  private static String timeline(List<AvailabilityWindow> windows) {
    if (windows.isEmpty()) {
      return "<p>No group windows in this period.</p>\n";
    }
    int width = 640;
    int height = 160;
    int n = windows.size();
    StringBuilder points = new StringBuilder();
    double min = 1.0;
    for (AvailabilityWindow w : windows) {
      min = Math.min(min, w.getUpFraction());
    }
    double floor = Math.max(0, Math.min(0.9, min - 0.05));
    for (int i = 0; i < n; i++) {
      double x = 40 + (n == 1 ? 0 : (double) i / (n - 1) * (width - 50));
      double y = 10 + (1 - (windows.get(i).getUpFraction() - floor) / (1 - floor)) * (height - 40);
      points.append(fmt(x, 1)).append(',').append(fmt(y, 1)).append(' ');
    }
    return "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"group availability over time\" width=\""
        + width
        + "\" height=\""
        + height
        + "\">\n"
        + "<line x1=\"40\" y1=\"10\" x2=\"40\" y2=\""
        + (height - 30)
        + "\" stroke=\"#999\"/>"
        + "<line x1=\"40\" y1=\""
        + (height - 30)
        + "\" x2=\""
        + width
        + "\" y2=\""
        + (height - 30)
        + "\" stroke=\"#999\"/>"
        + "<text x=\"0\" y=\"15\" font-size=\"11\">100%</text>"
        + "<text x=\"0\" y=\""
        + (height - 30)
        + "\" font-size=\"11\">"
        + pct(floor)
        + "</text>"
        + "<text x=\"40\" y=\""
        + (height - 10)
        + "\" font-size=\"11\">"
        + windows.get(0).getWindowStart()
        + "</text>"
        + "<text x=\""
        + (width - 190)
        + "\" y=\""
        + (height - 10)
        + "\" font-size=\"11\">"
        + windows.get(n - 1).getWindowEnd()
        + "</text>\n"
        + "<polyline fill=\"none\" stroke=\"#1565c0\" stroke-width=\"2\" points=\""
        + points.toString().trim()
        + "\"/>\n</svg>\n";
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
