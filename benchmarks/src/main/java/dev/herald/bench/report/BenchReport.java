package dev.herald.bench.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The figures of one harness run: throughput rows, ratios and free-form sections (latency, state,
 * quality, micro-benchmarks), printed as a table and written as JSON.
 *
 * <pre>{@code
 * BenchReport report = new BenchReport();
 * report.throughput("default", "plain consumer (I/O floor)", 1_000_000, Duration.ofSeconds(4));
 * report.writeJson(Path.of("benchmarks/results/latest.json"));
 * }</pre>
 */
public final class BenchReport {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** One measured stage. */
  public record Row(String batching, String stage, long events, double seconds, double perSecond) {}

  private final Map<String, Object> machine = new LinkedHashMap<>();
  private final List<Row> rows = new ArrayList<>();
  private final Map<String, Map<String, Object>> sections = new LinkedHashMap<>();

  /** Records the machine, the load average and the command line. */
  public void machine(String key, Object value) {
    machine.put(key, value);
  }

  /** Records a throughput figure: {@code events} processed in {@code seconds}. */
  public Row throughput(String batching, String stage, long events, double seconds) {
    Row row = new Row(batching, stage, events, seconds, events / Math.max(1e-9, seconds));
    rows.add(row);
    return row;
  }

  /** Replaces {@code old} by {@code row} in place. */
  public void replace(Row old, Row row) {
    int i = rows.indexOf(old);
    if (i < 0) {
      rows.add(row);
    } else {
      rows.set(i, row);
    }
  }

  /** The rows recorded so far. */
  public List<Row> rows() {
    return List.copyOf(rows);
  }

  /** A named section's map (created on first use), e.g. {@code section("latency")}. */
  public Map<String, Object> section(String name) {
    return sections.computeIfAbsent(name, k -> new LinkedHashMap<>());
  }

  /** Every section. */
  public Map<String, Map<String, Object>> sections() {
    return sections;
  }

  /** The throughput table and the sections, as plain text. */
  public String toText() {
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            "%-10s %-44s %12s %10s %14s%n",
            "batching",
            "stage",
            "events",
            "seconds",
            "events/s"));
    for (Row r : rows) {
      sb.append(
          String.format(
              Locale.ROOT,
              "%-10s %-44s %12d %10.2f %14.0f%n",
              r.batching(),
              r.stage(),
              r.events(),
              r.seconds(),
              r.perSecond()));
    }
    for (Map.Entry<String, Map<String, Object>> s : sections.entrySet()) {
      sb.append('\n').append(s.getKey()).append('\n');
      for (Map.Entry<String, Object> e : s.getValue().entrySet()) {
        sb.append("  ").append(e.getKey()).append(" = ").append(format(e.getValue())).append('\n');
      }
    }
    return sb.toString();
  }

  private static String format(Object v) {
    if (v instanceof Double d) {
      return String.format(Locale.ROOT, "%.3f", d);
    }
    return String.valueOf(v);
  }

  /** Everything as one JSON document. */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("machine", machine);
    m.put("throughput", rows);
    m.putAll(sections);
    return m;
  }

  /** Writes {@link #toMap()} to {@code file}, creating its directory. */
  public void writeJson(Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    JSON.writeValue(file.toFile(), toMap());
  }
}
