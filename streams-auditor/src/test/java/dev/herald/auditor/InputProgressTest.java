package dev.herald.auditor;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** Input is stuck when records wait and the committed offset has not moved for a minute. */
class InputProgressTest {
  private static final TopicPartition TP = new TopicPartition("herald.state-changes.v1", 3);
  private static final Duration MINUTE = Duration.ofSeconds(60);
  private final InputProgress progress = new InputProgress();

  @Test
  void recordsWaitingBehindACommittedOffsetThatDoesNotMoveAreStuck() {
    progress.observe(TP, 100, 150, 0);
    progress.observe(TP, 100, 160, 30_000);
    progress.observe(TP, 100, 170, 61_000);

    assertThat(progress.stuck(61_000, MINUTE))
        .singleElement()
        .asString()
        .contains("herald.state-changes.v1-3")
        .contains("70 records wait at offset 100")
        .contains("61 s");
  }

  @Test
  void aCommittedOffsetThatMovesIsNotStuck() {
    progress.observe(TP, 100, 150, 0);
    progress.observe(TP, 120, 150, 50_000);
    progress.observe(TP, 120, 150, 100_000);

    assertThat(progress.stuck(100_000, MINUTE)).isEmpty();
  }

  @Test
  void anIdlePartitionWithNothingWaitingIsNotStuck() {
    progress.observe(TP, 150, 150, 0);
    progress.observe(TP, 150, 150, 600_000);

    assertThat(progress.stuck(600_000, MINUTE)).isEmpty();
  }

  @Test
  void theWaitCountsFromWhenRecordsStartedWaiting() {
    progress.observe(TP, 150, 150, 0);
    progress.observe(TP, 150, 151, 590_000);

    assertThat(progress.stuck(600_000, MINUTE)).isEmpty();
    assertThat(progress.stuck(651_000, MINUTE)).hasSize(1);
  }
}
