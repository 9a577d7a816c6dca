package dev.herald.auditor.topology;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.Punctuator;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Early commits: for output of fresh input only, at most one request per gap, none lost. */
class PromptCommitsTest {
  private static final long WALL = 1_000_000;
  private MockProcessorContext<Object, Object> context;
  private PromptCommits prompt;
  private Punctuator tick;

  @BeforeEach
  void setUp() {
    context = new MockProcessorContext<>();
    context.setCurrentSystemTimeMs(WALL);
    prompt = new PromptCommits(context);
    MockProcessorContext.CapturedPunctuator p = context.scheduledPunctuators().get(0);
    assertThat(p.getType()).isEqualTo(PunctuationType.WALL_CLOCK_TIME);
    tick = p.getPunctuator();
  }

  @Test
  void outputOfFreshInputAsksForACommit() {
    // When
    prompt.emitted(WALL - 200);

    // Then
    assertThat(context.committed()).isTrue();
  }

  @Test
  void outputOfInputBeingCaughtUpWithWaitsForTheInterval() {
    // When
    prompt.emitted(WALL - PromptCommits.FRESH_MS - 1);
    tick.punctuate(WALL + 1_000);

    // Then
    assertThat(context.committed()).isFalse();
  }

  @Test
  void aSecondOutputWithinTheGapIsCommittedByTheNextTick() {
    // Given
    prompt.emitted(WALL);
    context.resetCommit();

    // When
    context.setCurrentSystemTimeMs(WALL + 10);
    prompt.emitted(WALL + 10);
    boolean early = context.committed();
    tick.punctuate(WALL + PromptCommits.MIN_GAP_MS);

    // Then
    assertThat(early).isFalse();
    assertThat(context.committed()).isTrue();
    context.resetCommit();
    tick.punctuate(WALL + 3 * PromptCommits.MIN_GAP_MS);
    assertThat(context.committed()).isFalse();
  }

  @Test
  void aTaskWhoseInputPausesAsksForOneCommit() {
    // Given: fresh input read at WALL, then nothing more
    prompt.read(WALL - 100);

    // When
    tick.punctuate(WALL + PromptCommits.MIN_GAP_MS / 2);
    boolean whileReading = context.committed();
    tick.punctuate(WALL + PromptCommits.MIN_GAP_MS);
    boolean afterThePause = context.committed();
    context.resetCommit();
    tick.punctuate(WALL + 3 * PromptCommits.MIN_GAP_MS);

    // Then
    assertThat(whileReading).isFalse();
    assertThat(afterThePause).isTrue();
    assertThat(context.committed()).isFalse();
  }

  @Test
  void aTaskCatchingUpDoesNotAskWhenItsBufferRunsDry() {
    // When
    prompt.read(WALL - PromptCommits.FRESH_MS - 1);
    tick.punctuate(WALL + 2 * PromptCommits.MIN_GAP_MS);

    // Then
    assertThat(context.committed()).isFalse();
  }

  @Test
  void consistencyVerdictsDoNotAskForACommitFindingsAndDeadLettersDo() {
    // Given: the pass-through in front of the reconciliation's outputs
    MockProcessorContext<String, Emission> outputs = new MockProcessorContext<>();
    outputs.setCurrentSystemTimeMs(WALL);
    outputs.setCurrentStreamTimeMs(WALL);
    PromptCommits.PassThrough<String, Emission> pass =
        new PromptCommits.PassThrough<>(PromptCommits::waitedFor);
    pass.init(outputs);

    // When: one verdict per closed version, then a dead letter
    pass.process(new Record<>("acct-1", new Emission.Verdict(null), WALL));
    boolean afterVerdict = outputs.committed();
    pass.process(new Record<>("acct-1", new Emission.Dead(null), WALL));

    // Then
    assertThat(afterVerdict).isFalse();
    assertThat(outputs.committed()).isTrue();
    assertThat(outputs.forwarded()).hasSize(2);
  }
}
