package dev.herald.flink.window;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/** The downtime model: heartbeats of one node in one window to up, down and outages. */
class LivenessMathTest {
  private static final long MIN = 60_000;
  private static final long SILENCE = 15_000;

  private static List<Beat> beats(long... times) {
    List<Beat> out = new ArrayList<>();
    for (long t : times) {
      out.add(new Beat(t, false));
    }
    return out;
  }

  @Test
  void nodeBeatingEveryFiveSecondsIsUpTheWholeWindow() {
    // Given heartbeats every 5 s and the previous one just before the window
    List<Beat> beats = new ArrayList<>();
    for (long t = 0; t < MIN; t += 5_000) {
      beats.add(new Beat(t, false));
    }
    // When
    var s = LivenessMath.slice("n1", 0, MIN, new Beat(-5_000, false), beats, SILENCE);
    // Then
    assertThat(s.expectedMs()).isEqualTo(MIN);
    assertThat(s.downtimeMs()).isZero();
    assertThat(s.outagesStarted()).isZero();
    assertThat(s.openOutageStart()).isNull();
    assertThat(s.heartbeats()).isEqualTo(12);
  }

  @Test
  void gapLongerThanSilenceIsDownFromLastBeatPlusSilenceToNextBeat() {
    var s =
        LivenessMath.slice("n1", 0, MIN, null, beats(0, 40_000, 45_000, 50_000, 55_000), SILENCE);
    // up [0,15s), down [15s,40s), up [40s,60s)
    assertThat(s.expectedMs()).isEqualTo(MIN);
    assertThat(s.downtimeMs()).isEqualTo(25_000);
    assertThat(s.uptimeMs()).isEqualTo(35_000);
    assertThat(s.outagesStarted()).isEqualTo(1);
    assertThat(s.endedOutages()).containsExactly(new OutageSpan("n1", 15_000, 40_000L));
    assertThat(s.openOutageStart()).isNull();
  }

  @Test
  void silenceAtTheWindowEndIsAnOpenOutage() {
    var s = LivenessMath.slice("n1", 0, MIN, null, beats(0, 10_000, 20_000, 30_000), SILENCE);
    assertThat(s.downtimeMs()).isEqualTo(MIN - 45_000);
    assertThat(s.openOutageStart()).isEqualTo(45_000L);
    assertThat(s.endedOutages()).isEmpty();
    assertThat(s.last()).isEqualTo(new Beat(30_000, false));
  }

  @Test
  void outageCarriedFromAnEarlierWindowEndsHereAndIsNotCountedAsStartedAgain() {
    // Given the last heartbeat 2 minutes ago
    var s =
        LivenessMath.slice(
            "n1",
            2 * MIN,
            3 * MIN,
            new Beat(0, false),
            beats(130_000, 140_000, 150_000, 160_000, 170_000),
            SILENCE);
    // Then down until the heartbeat at +10 s, then up
    assertThat(s.downtimeMs()).isEqualTo(10_000);
    assertThat(s.outagesStarted()).isZero();
    assertThat(s.endedOutages()).containsExactly(new OutageSpan("n1", SILENCE, 130_000L));
  }

  @Test
  void windowWithoutHeartbeatsOfASilentNodeIsAllDown() {
    var s = LivenessMath.slice("n1", 2 * MIN, 3 * MIN, new Beat(0, false), List.of(), SILENCE);
    assertThat(s.expectedMs()).isEqualTo(MIN);
    assertThat(s.downtimeMs()).isEqualTo(MIN);
    assertThat(s.openOutageStart()).isEqualTo(SILENCE);
  }

  @Test
  void plannedStopIsNeitherExpectedNorDown() {
    var s =
        LivenessMath.slice(
            "n1", 0, MIN, null, List.of(new Beat(0, false), new Beat(10_000, true)), SILENCE);
    assertThat(s.expectedMs()).isEqualTo(10_000);
    assertThat(s.downtimeMs()).isZero();
    assertThat(s.openOutageStart()).isNull();
  }

  @Test
  void nodeIsNotExpectedBeforeItsFirstHeartbeat() {
    var s = LivenessMath.slice("n1", 0, MIN, null, beats(20_000), SILENCE);
    assertThat(s.expectedMs()).isEqualTo(40_000);
    assertThat(s.downtimeMs()).isEqualTo(MIN - 35_000);
  }

  @Test
  void rejectsHeartbeatsOutsideTheWindow() {
    assertThatThrownBy(() -> LivenessMath.slice("n1", 0, MIN, null, beats(MIN), SILENCE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("outside");
  }

  /** Splitting time into windows does not change the total downtime of a node. */
  @Property
  void downtimeSummedOverWindowsEqualsDowntimeOverOneBigWindow(
      @ForAll @Size(min = 1, max = 30) List<@IntRange(min = 0, max = 599_999) Integer> times) {
    List<Beat> all = times.stream().sorted().distinct().map(t -> new Beat(t, false)).toList();
    var whole = LivenessMath.slice("n", 0, 10 * MIN, null, all, SILENCE);
    long down = 0;
    long up = 0;
    Beat carried = null;
    for (long w = 0; w < 10 * MIN; w += MIN) {
      long start = w;
      List<Beat> in =
          all.stream().filter(b -> b.time() >= start && b.time() < start + MIN).toList();
      var s = LivenessMath.slice("n", start, start + MIN, carried, in, SILENCE);
      down += s.downtimeMs();
      up += s.uptimeMs();
      carried = s.last();
    }
    assertThat(down).isEqualTo(whole.downtimeMs());
    assertThat(up).isEqualTo(whole.uptimeMs());
  }
}
