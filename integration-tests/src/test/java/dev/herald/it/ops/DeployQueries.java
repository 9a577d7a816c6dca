package dev.herald.it.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PromQL of the operations kit ({@code infra/deploy}): every {@code expr} of the Grafana
 * dashboard and of the alerting rules, and the series names they use.
 */
final class DeployQueries {
  private static final Path DEPLOY = Path.of("..", "infra", "deploy");
  // a name followed by "(" is a function (rate, sum, ...), not a series
  private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Set<String> PROMQL_WORDS =
      Set.of(
          "sum",
          "rate",
          "irate",
          "increase",
          "max",
          "min",
          "avg",
          "count",
          "by",
          "without",
          "on",
          "ignoring",
          "group_left",
          "group_right",
          "and",
          "or",
          "unless",
          "offset",
          "histogram_quantile",
          "le",
          "absent",
          "time",
          "delta",
          "deriv",
          "topk",
          "bottomk",
          "clamp_min",
          "clamp_max",
          "vector",
          "scalar",
          "bool",
          "max_over_time",
          "min_over_time",
          "avg_over_time",
          "changes",
          "resets",
          "label_replace");

  private DeployQueries() {}

  /** Every {@code expr} of the dashboard and the rules. */
  static List<String> expressions() throws IOException {
    List<String> out = new ArrayList<>();
    collect(
        new ObjectMapper().readTree(DEPLOY.resolve("grafana/herald-dashboard.json").toFile()), out);
    collect(
        new ObjectMapper(new YAMLFactory())
            .readTree(DEPLOY.resolve("prometheus/herald-rules.yaml").toFile()),
        out);
    return out;
  }

  private static void collect(JsonNode n, List<String> out) {
    if (n.isObject()) {
      n.fields()
          .forEachRemaining(
              f -> {
                if (f.getKey().equals("expr") && f.getValue().isTextual()) {
                  out.add(f.getValue().asText());
                } else {
                  collect(f.getValue(), out);
                }
              });
    } else if (n.isArray()) {
      n.forEach(x -> collect(x, out));
    }
  }

  /** Series names in a PromQL expression (label names, label values and functions left out). */
  static Set<String> seriesIn(String promql) {
    // drop label matchers {...}, string literals and range/offset durations [..]
    String bare =
        promql
            .replaceAll("\\{[^}]*\\}", " ")
            .replaceAll("\"[^\"]*\"", " ")
            .replaceAll("\\[[^\\]]*\\]", " ")
            .replaceAll("\\b(by|without|on|ignoring)\\s*\\([^)]*\\)", " ");
    Set<String> out = new TreeSet<>();
    Matcher m = NAME.matcher(bare);
    while (m.find()) {
      String name = m.group();
      int after = m.end();
      while (after < bare.length() && bare.charAt(after) == ' ') {
        after++;
      }
      boolean function = after < bare.length() && bare.charAt(after) == '(';
      if (!function && !PROMQL_WORDS.contains(name) && !name.matches("\\d.*")) {
        out.add(name);
      }
    }
    return out;
  }
}
