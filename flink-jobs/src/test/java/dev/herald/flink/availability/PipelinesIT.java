package dev.herald.flink.availability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.flink.io.AlertEvent;
import dev.herald.flink.io.HeartbeatEvent;
import dev.herald.flink.io.Inbound;
import dev.herald.flink.io.Rejection;
import dev.herald.flink.risk.RiskInput;
import dev.herald.flink.risk.RiskReportJob;
import dev.herald.flink.window.Tally;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Both jobs' logic on a real Flink MiniCluster, fed from a bounded in-memory source in a fixed
 * arrival order: heartbeats out of order within the watermark bound, one heartbeat and one alert
 * behind the watermark (late), one undecodable record, and one node that crashes for a known
 * interval.
 */
@Tag("slow")
class PipelinesIT {
  private static final long MIN = 60_000;
  private static final long T0 = 1_767_225_600_000L; // 2026-01-01T00:00:00Z
  private static final long CRASH_FROM = T0 + 3 * MIN; // n2's last heartbeat is just before
  private static final long CRASH_TO = T0 + 5 * MIN + 30_000; // n2's first heartbeat after
  private static final Duration SILENCE = Duration.ofSeconds(15);

  @RegisterExtension
  static final MiniClusterExtension FLINK =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(1)
              .setNumberSlotsPerTaskManager(2)
              .build());

  /**
   * Heartbeats every 5 s of n1..n3 for 10 min, n2 silent in [CRASH_FROM, CRASH_TO); every second
   * tick is delivered before the one preceding it (out of order, within the 5 s bound).
   */
  static List<Inbound> script() {
    List<List<Inbound>> ticks = new ArrayList<>();
    long offset = 0;
    for (long t = T0; t < T0 + 10 * MIN; t += 5_000) {
      List<Inbound> tick = new ArrayList<>();
      for (String node : List.of("n1", "n2", "n3")) {
        if (!(node.equals("n2") && t >= CRASH_FROM && t < CRASH_TO)) {
          tick.add(heartbeat(node, t, offset++));
        }
      }
      if (t == T0 + 4 * MIN) {
        tick.add(alert("eq-1", "EQUIVOCATION", "CRITICAL", T0 + 4 * MIN + 1_000, offset++));
      }
      if (t == T0 + 7 * MIN) {
        // a heartbeat from before n1's first window (late whenever the keyed operator's watermark
        // got to, which varies with network buffering), an alert behind the watermark, and a
        // record that did not decode
        tick.add(heartbeat("n1", T0 - 10 * MIN, offset++));
        tick.add(alert("late-alert", "DIVERGENCE", "HIGH", T0 + 2 * MIN, offset++));
        Rejection bad =
            new Rejection(
                "herald.heartbeats.v1", 0, offset, null, new byte[] {7}, "BAD_MAGIC_BYTE", "x");
        tick.add(new Inbound(null, null, bad, "herald.heartbeats.v1", 0, offset++));
      }
      ticks.add(tick);
    }
    List<Inbound> out = new ArrayList<>();
    for (int i = 0; i + 1 < ticks.size(); i += 2) {
      out.addAll(ticks.get(i + 1));
      out.addAll(ticks.get(i));
    }
    return out;
  }

  static Inbound heartbeat(String node, long t, long offset) {
    String region = node.equals("n3") ? "us" : "eu";
    return new Inbound(
        new HeartbeatEvent(node, region, new ArrayList<>(List.of("payments")), t, false, t, t),
        null,
        null,
        "herald.heartbeats.v1",
        0,
        offset);
  }

  static Inbound alert(String id, String type, String severity, long t, long offset) {
    return new Inbound(
        null,
        new AlertEvent(id, type, severity, true, "payments", new ArrayList<>(List.of("n2")), t),
        null,
        "herald.alerts.v1",
        0,
        offset);
  }

  /** Watermark after every event (max seen - bound - 1): makes lateness deterministic. */
  static DataStream<Inbound> source(StreamExecutionEnvironment env) {
    WatermarkStrategy<Inbound> strategy =
        ((WatermarkStrategy<Inbound>)
                ctx ->
                    new WatermarkGenerator<>() {
                      long max = Long.MIN_VALUE + 5_001;

                      @Override
                      public void onEvent(Inbound e, long ts, WatermarkOutput out) {
                        max = Math.max(max, ts);
                        out.emitWatermark(new Watermark(max - 5_001));
                      }

                      @Override
                      public void onPeriodicEmit(WatermarkOutput out) {}
                    })
            .withTimestampAssigner((e, ts) -> e.eventTime());
    return env.fromData(script(), TypeInformation.of(Inbound.class))
        .setParallelism(1)
        .assignTimestampsAndWatermarks(strategy)
        .setParallelism(1);
  }

  @Test
  void measuresTheCrashedNodesDowntimeAndRoutesLateAndBadRecordsToTheDeadLetters()
      throws Exception {
    // Given
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(2);
    var out =
        AvailabilityJob.pipeline(source(env), Duration.ofMinutes(1), SILENCE, Duration.ofHours(1));
    CloseableIterator<Rejection> rejected = out.rejected().collectAsync();
    CloseableIterator<WindowReport> windows = out.windows().collectAsync();
    // When
    env.execute("availability-it");
    List<WindowReport> reports = new ArrayList<>();
    windows.forEachRemaining(reports::add);
    List<Rejection> dead = new ArrayList<>();
    rejected.forEachRemaining(dead::add);
    // Then: n2's last heartbeat before the crash was at CRASH_FROM - 5 s, so it is down from
    // CRASH_FROM + 10 s until CRASH_TO
    long injected = CRASH_TO - (CRASH_FROM - 5_000 + SILENCE.toMillis());
    assertThat(sum(reports, "NODE", "n2", Tally::downtimeMs)).isEqualTo(injected);
    assertThat(sum(reports, "NODE", "n1", Tally::downtimeMs)).isZero();
    assertThat(sum(reports, "NODE", "n1", Tally::lateEvents)).isEqualTo(1);
    assertThat(sum(reports, "NODE", "n2", t -> (long) t.outagesStarted())).isEqualTo(1);
    assertThat(sum(reports, "REGION", "eu", Tally::downtimeMs)).isEqualTo(injected);
    assertThat(sum(reports, "REGION", "us", Tally::downtimeMs)).isZero();
    assertThat(sum(reports, "GROUP", "payments", Tally::byzantine)).isEqualTo(1);
    assertThat(sum(reports, "GROUP", "payments", Tally::divergences)).isZero();
    assertThat(reports.stream().filter(r -> r.tally().scope().equals("NODE")).count())
        .as("one window per node and minute")
        .isEqualTo(30);
    assertThat(dead)
        .extracting(Rejection::reason)
        .containsExactlyInAnyOrder("LATE", "LATE", "BAD_MAGIC_BYTE");
  }

  @Test
  void riskReportListsTheOutageAndTheIncidentOverTheRollingWindow() throws Exception {
    // Given
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(2);
    var out =
        RiskReportJob.pipeline(
            source(env),
            Duration.ofMinutes(1),
            SILENCE,
            Duration.ofHours(1),
            RiskReportJob.defaultWindows(Duration.ofMinutes(15)));
    // When
    List<RiskInput> reports = new ArrayList<>();
    out.reports().executeAndCollect().forEachRemaining(reports::add);
    // Then: one 24h and one 7d window cover all the data
    assertThat(reports).extracting(RiskInput::label).containsExactlyInAnyOrder("24h", "7d");
    for (RiskInput r : reports) {
      Tally t = r.tally();
      assertThat(t.endedOutages())
          .singleElement()
          .satisfies(
              o -> {
                assertThat(o.nodeId()).isEqualTo("n2");
                assertThat(o.end()).isEqualTo(CRASH_TO);
              });
      assertThat(t.incidentsByType()).containsOnlyKeys("EQUIVOCATION");
      assertThat(r.windowStart()).isLessThanOrEqualTo(T0);
      assertThat(r.windowEnd()).isGreaterThanOrEqualTo(T0 + 10 * MIN);
    }
  }

  private static long sum(
      List<WindowReport> reports,
      String scope,
      String id,
      java.util.function.ToLongFunction<Tally> f) {
    return reports.stream()
        .filter(r -> r.tally().scope().equals(scope) && r.tally().scopeId().equals(id))
        .collect(Collectors.summingLong(r -> f.applyAsLong(r.tally())));
  }
}
