package dev.herald.bench.auditor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The auditor settings an experiment gives the harness as JVM properties. */
class AuditorRunTest {
  private static final String ENTITIES = "herald.writeback.herald-entities.entries";

  @AfterEach
  void clear() {
    System.clearProperty(AuditorRun.PROPERTY_PREFIX + ENTITIES);
    System.clearProperty(AuditorRun.PROPERTY_PREFIX);
  }

  @Test
  void propertiesWithThePrefixGoToTheAuditorWithoutIt() {
    // Given
    System.setProperty(AuditorRun.PROPERTY_PREFIX + ENTITIES, "4096");
    System.setProperty(AuditorRun.PROPERTY_PREFIX, "a prefix alone names nothing");

    // Then
    assertThat(AuditorRun.extraProperties()).containsExactlyEntriesOf(Map.of(ENTITIES, "4096"));
  }

  @Test
  void withoutThemTheAuditorGetsNothingExtra() {
    assertThat(AuditorRun.extraProperties()).isEmpty();
  }
}
