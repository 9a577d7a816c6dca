package dev.herald.flink.report;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * A line chart of one or more series over the report period, drawn as inline SVG (no script): time
 * on the x axis from the period's start to its end, one polyline per series, a legend below.
 *
 * <pre>{@code
 * new TrendChart("Alerts opened per hour", TrendChart.Scale.COUNT,
 *     TrendChart.Series.of("HIGH", windows, AvailabilityWindow::getWindowEnd, w -> rate(w, "HIGH")));
 * }</pre>
 *
 * <p>A series with more than {@link #MAX_POINTS} points is drawn with the mean of consecutive runs
 * of points, so a 7-day report of 1-minute windows stays small.
 *
 * @param title what the chart shows, also its accessible name
 * @param scale how the y axis is scaled
 * @param series the lines, coloured in order
 */
record TrendChart(String title, Scale scale, List<Series> series) {
  static final int MAX_POINTS = 480;
  static final int WIDTH = 640;
  static final int HEIGHT = 190;
  private static final int LEFT = 64;
  private static final int RIGHT = 10;
  private static final int TOP = 10;
  private static final int BOTTOM = 60;
  private static final String[] COLORS = {
    "#1565c0", "#c62828", "#ef6c00", "#6a1b9a", "#2e7d32", "#00838f", "#5d4037"
  };

  TrendChart(String title, Scale scale, Series... series) {
    this(title, scale, List.of(series));
  }

  /** The y axis. */
  enum Scale {
    /** Fractions shown as percent, from a floor just below the lowest value to 100 %. */
    PERCENT,
    /** Non-negative numbers, from 0 to the highest value. */
    COUNT
  }

  /** One point: epoch millis and value. */
  record Point(long t, double v) {}

  /**
   * One line of the chart.
   *
   * @param label legend text
   * @param points the points, in time order
   */
  record Series(String label, List<Point> points) {
    /**
     * A series of {@code items}: {@code time} places each on the x axis, {@code value} gives its y
     * ({@code null}: the item has no value and is left out).
     */
    static <T> Series of(
        String label,
        List<T> items,
        Function<T, Instant> time,
        Function<T, ? extends Number> value) {
      List<Point> points = new ArrayList<>();
      for (T item : items) {
        Number v = value.apply(item);
        if (v != null && Double.isFinite(v.doubleValue())) {
          points.add(new Point(time.apply(item).toEpochMilli(), v.doubleValue()));
        }
      }
      return new Series(label, List.copyOf(points));
    }
  }

  /** The chart as an SVG element over {@code [from, to]}, or a sentence if there is no point. */
  String svg(Instant from, Instant to) {
    List<List<Point>> lines = new ArrayList<>();
    double min = Double.MAX_VALUE;
    double max = 0;
    for (Series s : series) {
      List<Point> p = thin(s.points());
      lines.add(p);
      for (Point q : p) {
        min = Math.min(min, q.v());
        max = Math.max(max, q.v());
      }
    }
    if (min == Double.MAX_VALUE) {
      return "<p>" + ReportRenderer.esc(title) + ": no data in this period.</p>\n";
    }
    double lo;
    double hi;
    if (scale == Scale.PERCENT) {
      lo = Math.max(0, Math.min(0.9, min - 0.05));
      hi = Math.max(1.0, max);
    } else {
      lo = 0;
      hi = max <= 0 ? 1 : max;
    }
    long t0 = from.toEpochMilli();
    long span = Math.max(1, to.toEpochMilli() - t0);
    int plotW = WIDTH - LEFT - RIGHT;
    int plotH = HEIGHT - TOP - BOTTOM;
    int base = TOP + plotH;
    StringBuilder s = new StringBuilder();
    s.append("<figure><figcaption>")
        .append(ReportRenderer.esc(title))
        .append("</figcaption>\n<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\"")
        .append(" aria-label=\"")
        .append(ReportRenderer.esc(title))
        .append("\" width=\"")
        .append(WIDTH)
        .append("\" height=\"")
        .append(HEIGHT)
        .append("\">\n");
    s.append(line(LEFT, TOP, LEFT, base)).append(line(LEFT, base, WIDTH - RIGHT, base));
    s.append(text(0, TOP + 5, label(hi))).append(text(0, base, label(lo)));
    s.append(text(LEFT, base + 16, from.toString()))
        .append(text(WIDTH - RIGHT - 150, base + 16, to.toString()))
        .append('\n');
    for (int i = 0; i < lines.size(); i++) {
      String color = COLORS[i % COLORS.length];
      List<Point> p = lines.get(i);
      StringBuilder pts = new StringBuilder();
      for (Point q : p) {
        double x = LEFT + (double) (q.t() - t0) / span * plotW;
        double y = TOP + (1 - (q.v() - lo) / (hi - lo)) * plotH;
        pts.append(fmt(x)).append(',').append(fmt(y)).append(' ');
      }
      String label = ReportRenderer.esc(series.get(i).label());
      if (p.size() == 1) {
        String[] xy = pts.toString().trim().split(",");
        s.append("<circle cx=\"")
            .append(xy[0])
            .append("\" cy=\"")
            .append(xy[1])
            .append("\" r=\"3\" fill=\"")
            .append(color)
            .append("\"><title>")
            .append(label)
            .append("</title></circle>\n");
      } else if (!p.isEmpty()) {
        s.append("<polyline fill=\"none\" stroke=\"")
            .append(color)
            .append("\" stroke-width=\"2\" points=\"")
            .append(pts.toString().trim())
            .append("\"><title>")
            .append(label)
            .append("</title></polyline>\n");
      }
      int lx = LEFT + i * 120;
      s.append("<rect x=\"")
          .append(lx)
          .append("\" y=\"")
          .append(HEIGHT - 20)
          .append("\" width=\"10\" height=\"10\" fill=\"")
          .append(color)
          .append("\"/>")
          .append(text(lx + 14, HEIGHT - 11, series.get(i).label()))
          .append('\n');
    }
    return s.append("</svg></figure>\n").toString();
  }

  /** At most {@link #MAX_POINTS}: the mean of each run of consecutive points, at its last time. */
  static List<Point> thin(List<Point> points) {
    if (points.size() <= MAX_POINTS) {
      return points;
    }
    int run = (points.size() + MAX_POINTS - 1) / MAX_POINTS;
    List<Point> out = new ArrayList<>();
    for (int i = 0; i < points.size(); i += run) {
      int end = Math.min(points.size(), i + run);
      double sum = 0;
      for (int j = i; j < end; j++) {
        sum += points.get(j).v();
      }
      out.add(new Point(points.get(end - 1).t(), sum / (end - i)));
    }
    return out;
  }

  private String label(double v) {
    return scale == Scale.PERCENT
        ? String.format(Locale.ROOT, "%.1f%%", v * 100)
        : String.format(Locale.ROOT, v >= 100 ? "%.0f" : "%.2f", v);
  }

  private static String line(int x1, int y1, int x2, int y2) {
    return "<line x1=\""
        + x1
        + "\" y1=\""
        + y1
        + "\" x2=\""
        + x2
        + "\" y2=\""
        + y2
        + "\" stroke=\"#999\"/>";
  }

  private static String text(int x, int y, String text) {
    return "<text x=\""
        + x
        + "\" y=\""
        + y
        + "\" font-size=\"11\">"
        + ReportRenderer.esc(text)
        + "</text>";
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }
}
