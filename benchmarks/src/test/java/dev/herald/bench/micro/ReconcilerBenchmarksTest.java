package dev.herald.bench.micro;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.auditor.detect.EntityState;
import org.junit.jupiter.api.Test;

/**
 * What {@link ReconcilerBenchmarks} measures is the auditor's hot path on honest traffic: every
 * step votes one new version of one entity with every member's report, the version closes on the
 * last report and raises nothing, and the entities keep a full closed window throughout.
 */
class ReconcilerBenchmarksTest {
  @Test
  void eachStepClosesOneHonestVersionOfAFullWindowEntityWithoutFindings() {
    ReconcilerBenchmarks.Entities s = new ReconcilerBenchmarks.Entities();
    s.entities = 20;
    s.setUp();
    for (EntityState e : s.states) {
      assertThat(e.closedVersions()).hasSize(EntityState.CLOSED_WINDOW);
      assertThat(e.highestClosed()).isEqualTo(EntityState.CLOSED_WINDOW + 1L);
    }

    long closedBefore = 0;
    for (EntityState e : s.states) {
      closedBefore += e.highestClosed();
    }
    int findings = 0;
    for (int i = 0; i < 500; i++) {
      findings += s.nextVersion(i % s.entities);
    }

    long closedAfter = 0;
    for (EntityState e : s.states) {
      assertThat(e.openVersions()).isEmpty();
      assertThat(e.closedVersions()).hasSize(EntityState.CLOSED_WINDOW);
      closedAfter += e.highestClosed();
    }
    assertThat(findings).isZero();
    assertThat(closedAfter - closedBefore).isEqualTo(500);
  }
}
