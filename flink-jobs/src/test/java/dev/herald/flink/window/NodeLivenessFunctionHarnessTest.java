package dev.herald.flink.window;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.flink.io.HeartbeatEvent;
import dev.herald.flink.io.Inbound;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The per-node liveness operator: one slice per window driven by watermarks, late heartbeats to the
 * side output, and no state or timers left once a node is gone.
 */
class NodeLivenessFunctionHarnessTest {
  private static final long MIN = 60_000;
  private KeyedOneInputStreamOperatorTestHarness<String, Inbound, NodeSlice> harness;

  @BeforeEach
  void open() throws Exception {
    harness =
        new KeyedOneInputStreamOperatorTestHarness<>(
            new KeyedProcessOperator<>(new NodeLivenessFunction(MIN, 15_000, 3 * MIN)),
            in -> in.heartbeat().nodeId(),
            Types.STRING);
    harness.open();
  }

  @AfterEach
  void close() throws Exception {
    harness.close();
  }

  private long sequence;

  private void beat(String node, long time, boolean stopping) throws Exception {
    beat(node, time, stopping, ++sequence);
  }

  private void beat(String node, long time, boolean stopping, long seq) throws Exception {
    beat(node, time, stopping, seq, time);
  }

  private void beat(String node, long time, boolean stopping, long seq, long signed)
      throws Exception {
    HeartbeatEvent hb =
        new HeartbeatEvent(node, "eu", new ArrayList<>(List.of("g")), time, stopping, seq, signed);
    harness.processElement(new StreamRecord<>(new Inbound(hb, null, null, "hb", 0, time), time));
  }

  private List<NodeSlice> slices() {
    List<NodeSlice> out = new ArrayList<>();
    for (Object o : harness.getOutput()) {
      if (o instanceof StreamRecord<?> r && r.getValue() instanceof NodeSlice s) {
        out.add(s);
      }
    }
    return out;
  }

  @Test
  void emitsASliceForEveryWindowIncludingSilentOnes() throws Exception {
    // Given n1 beats in the first minute only
    for (long t = 0; t < MIN; t += 5_000) {
      beat("n1", t, false);
    }
    // When the watermark passes three windows
    harness.processWatermark(3 * MIN - 1);
    // Then the silent windows are all down
    // (last heartbeat at 55 s: down from 70 s on)
    assertThat(slices()).extracting(NodeSlice::downtimeMs).containsExactly(0L, 50_000L, MIN);
    assertThat(slices())
        .extracting(NodeSlice::openOutageStart)
        .containsExactly(null, 70_000L, 70_000L);
  }

  @Test
  void outOfOrderHeartbeatsWithinTheWatermarkBoundAreSorted() throws Exception {
    // Given heartbeats of one window in reverse order
    for (long t = MIN - 5_000; t >= 0; t -= 5_000) {
      beat("n1", t, false);
    }
    // When
    harness.processWatermark(MIN - 1);
    // Then no gap is seen
    assertThat(slices())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.downtimeMs()).isZero();
              assertThat(s.heartbeats()).isEqualTo(12);
            });
  }

  @Test
  void lateHeartbeatGoesToTheSideOutputAndIsCountedInTheNextSlice() throws Exception {
    // Given a first window emitted
    beat("n1", 0, false);
    harness.processWatermark(MIN - 1);
    // When a heartbeat of that window arrives after it
    beat("n1", 30_000, false);
    beat("n1", MIN + 1_000, false);
    harness.processWatermark(2 * MIN - 1);
    // Then
    assertThat(harness.getSideOutput(NodeLivenessFunction.LATE)).hasSize(1);
    assertThat(slices()).extracting(NodeSlice::lateEvents).containsExactly(0L, 1L);
  }

  @Test
  void leavesNoStateOrTimersAfterAPlannedStop() throws Exception {
    beat("n1", 0, false);
    beat("n1", 10_000, true);
    harness.processWatermark(MIN - 1);
    assertThat(slices()).singleElement().extracting(NodeSlice::downtimeMs).isEqualTo(0L);
    // only the sequence high-water mark stays (it expires after forgetAfter)
    assertThat(harness.numKeyedStateEntries()).isEqualTo(1);
    assertThat(harness.numEventTimeTimers()).isZero();
  }

  @Test
  void forgetsANodeSilentForLongerThanForgetAfter() throws Exception {
    beat("n1", 0, false);
    harness.processWatermark(10 * MIN);
    // windows 0..2 are emitted; after 3 minutes of silence the node is forgotten
    assertThat(slices()).hasSize(3);
    assertThat(harness.numKeyedStateEntries()).isEqualTo(1);
    assertThat(harness.numEventTimeTimers()).isZero();
  }

  @Test
  void stopsAtTheEndOfABoundedInput() throws Exception {
    beat("n1", 0, false);
    beat("n1", MIN + 5_000, false);
    harness.processWatermark(Long.MAX_VALUE);
    assertThat(slices()).hasSize(2);
    assertThat(harness.numKeyedStateEntries()).isEqualTo(1);
  }

  @Test
  void aWatermarkLaggingSeveralWindowsBehindGivesTheSameSlicesAsOneKeepingUp() throws Exception {
    // Given four windows of heartbeats every 5 s, with a gap from 130 s to 170 s, read before any
    // watermark (a backlog), one of them out of order across a window boundary
    for (long t = 0; t < 4 * MIN; t += 5_000) {
      if (t > 130_000 && t < 170_000 || t == MIN + 5_000) {
        continue;
      }
      beat("n1", t, false);
    }
    beat("n1", MIN + 5_000, false);
    // When the watermark passes all four windows at once
    harness.processWatermark(4 * MIN - 1);
    // Then each window counts its own heartbeats and the outage (down from 145 s to 170 s) once
    assertThat(slices()).extracting(NodeSlice::heartbeats).containsExactly(12L, 12L, 5L, 12L);
    assertThat(slices()).extracting(NodeSlice::downtimeMs).containsExactly(0L, 0L, 25_000L, 0L);
    assertThat(slices()).extracting(NodeSlice::outagesStarted).containsExactly(0, 0, 1, 0);
    // and once the bounded input ends, nothing is left behind
    harness.processWatermark(Long.MAX_VALUE);
    assertThat(harness.numKeyedStateEntries()).isEqualTo(1);
    assertThat(harness.numEventTimeTimers()).isZero();
  }

  @Test
  void refusesAReplayedHeartbeatAfterAPlannedStop() throws Exception {
    // Given n1 beats with sequences 10 and 11, then stops
    beat("n1", 0, false, 10);
    beat("n1", 10_000, true, 11);
    harness.processWatermark(MIN - 1);
    // When its first heartbeat is replayed in the next window (clamping moved its time forward)
    beat("n1", MIN + 1_000, false, 10, 0);
    harness.processWatermark(2 * MIN - 1);
    // Then it is refused and no slice counts it
    assertThat(harness.getSideOutput(NodeLivenessFunction.REFUSED))
        .singleElement()
        .satisfies(r -> assertThat(r.getValue().reason()).isEqualTo("REPLAYED"));
    assertThat(slices()).hasSize(1);
  }

  @Test
  void keepsAtMostTheBoundOfHeartbeatsPerWindow() throws Exception {
    harness.close();
    harness =
        new KeyedOneInputStreamOperatorTestHarness<>(
            new KeyedProcessOperator<>(new NodeLivenessFunction(MIN, 15_000, 3 * MIN, 5)),
            in -> in.heartbeat().nodeId(),
            Types.STRING);
    harness.open();
    // When n1 sends 8 heartbeats in its first window and 8 in the second, before any watermark
    for (long t = 0; t < 2 * MIN; t += MIN / 8) {
      beat("n1", t, false);
    }
    harness.processWatermark(2 * MIN - 1);
    // Then each window keeps 5 and refuses 3
    assertThat(slices()).extracting(NodeSlice::heartbeats).containsExactly(5L, 5L);
    assertThat(harness.getSideOutput(NodeLivenessFunction.REFUSED))
        .hasSize(6)
        .allSatisfy(r -> assertThat(r.getValue().reason()).isEqualTo("RATE_LIMITED"));
  }
}
