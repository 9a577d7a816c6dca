package dev.herald.bench.auditor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The auditor settings an experiment gives the harness as JVM properties; its CPU by thread. */
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

  @Test
  void threadsAreTakenApartByKindAndApplication() {
    String app = "bench-exactly-once-v2-x1-1a2b3c4d";
    String uuid = "0789f043-31b4-4f68-ae33-1667b4eab1c0";
    assertThat(AuditorRun.threadKind(app + "-" + uuid + "-StreamThread-1", app))
        .isEqualTo("stream thread");
    assertThat(
            AuditorRun.threadKind(
                "kafka-producer-network-thread | " + app + "-" + uuid + "-StreamThread-1-producer",
                app))
        .isEqualTo("producer I/O");
    assertThat(AuditorRun.threadKind(app + "-" + uuid + "-GlobalStreamThread", app))
        .isEqualTo("global stream thread");
    assertThat(AuditorRun.threadKind(app + "-identity-" + uuid + "-StreamThread-1", app))
        .isEqualTo("identity stream thread");
    assertThat(AuditorRun.threadKind(app + "-" + uuid + "-StateUpdater-1", app))
        .isEqualTo("state updater");
    assertThat(AuditorRun.threadKind("kafka-coordinator-heartbeat-thread | " + app, app))
        .isEqualTo("other");
  }
}
