package dev.herald.flink.report;

import static dev.herald.flink.report.ReportFixtures.MIN;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The hand-drawn SVG trend charts of the HTML report. */
class TrendChartTest {
  private static final Instant FROM = Instant.ofEpochMilli(0);
  private static final Instant TO = Instant.ofEpochMilli(10 * MIN);

  record Sample(long minute, Double value) {
    Instant at() {
      return Instant.ofEpochMilli(minute * MIN);
    }
  }

  private static List<double[]> polyline(String svg) {
    Matcher m = Pattern.compile("<polyline[^>]* points=\"([^\"]*)\"").matcher(svg);
    assertThat(m.find()).as(svg).isTrue();
    List<double[]> out = new ArrayList<>();
    for (String xy : m.group(1).split(" ")) {
      String[] p = xy.split(",");
      out.add(new double[] {Double.parseDouble(p[0]), Double.parseDouble(p[1])});
    }
    return out;
  }

  @Test
  void placesPointsByTimeAcrossTheWindowAndByValueFromZeroToTheHighest() {
    // Given values 0, 2 and 4 at minutes 0, 5 and 10 of a 10-minute window
    List<Sample> samples = List.of(new Sample(0, 0.0), new Sample(5, 2.0), new Sample(10, 4.0));
    TrendChart chart =
        new TrendChart(
            "alerts",
            TrendChart.Scale.COUNT,
            TrendChart.Series.of("HIGH", samples, Sample::at, Sample::value));

    // When
    List<double[]> p = polyline(chart.svg(FROM, TO));

    // Then x runs from the left axis to the right edge, y from the base line to the top
    double left = p.get(0)[0];
    double right = p.get(2)[0];
    assertThat(p.get(1)[0]).isCloseTo((left + right) / 2, org.assertj.core.data.Offset.offset(0.1));
    assertThat(right).isEqualTo(TrendChart.WIDTH - 10.0);
    double base = p.get(0)[1];
    double top = p.get(2)[1];
    assertThat(top).isLessThan(base);
    assertThat(p.get(1)[1]).isCloseTo((base + top) / 2, org.assertj.core.data.Offset.offset(0.1));
  }

  @Test
  void aSeriesIsOneLineAndItemsWithoutAValueAreLeftOut() {
    // Given a second series (as a future figure would be) whose first item has no value
    List<Sample> a = List.of(new Sample(1, 0.99), new Sample(2, 1.0));
    List<Sample> b = List.of(new Sample(1, null), new Sample(2, 0.97), new Sample(3, 0.98));
    TrendChart chart =
        new TrendChart(
            "availability",
            TrendChart.Scale.PERCENT,
            TrendChart.Series.of("group", a, Sample::at, Sample::value),
            TrendChart.Series.of("consistency <5s>", b, Sample::at, Sample::value));

    // When
    String svg = chart.svg(FROM, TO);

    // Then two lines, each in the legend (escaped), the second with two points
    assertThat(svg.split("<polyline", -1)).hasSize(3);
    assertThat(svg).contains(">group</text>", ">consistency &lt;5s&gt;</text>");
    assertThat(chart.series().get(1).points()).hasSize(2);
    assertThat(svg).contains("100.0%").doesNotContain("<script");
  }

  @Test
  void aLongSeriesIsThinnedToMeansOfConsecutiveRuns() {
    // Given 1000 points alternating 0 and 2
    List<TrendChart.Point> points = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      points.add(new TrendChart.Point(i, i % 2 == 0 ? 0 : 2));
    }

    // When
    List<TrendChart.Point> thin = TrendChart.thin(points);

    // Then at most MAX_POINTS points, in time order, ending at the last time; means of runs of 3
    assertThat(thin).hasSizeLessThanOrEqualTo(TrendChart.MAX_POINTS);
    assertThat(thin.get(thin.size() - 1).t()).isEqualTo(999);
    assertThat(thin.get(0).v()).isCloseTo(2.0 / 3, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(TrendChart.thin(points.subList(0, 10))).hasSize(10);
  }

  @Test
  void aChartWithoutDataSaysSo() {
    TrendChart chart =
        new TrendChart(
            "risk score",
            TrendChart.Scale.COUNT,
            TrendChart.Series.of("score", List.<Sample>of(), Sample::at, Sample::value));

    assertThat(chart.svg(FROM, TO)).doesNotContain("<svg").contains("risk score: no data");
  }
}
