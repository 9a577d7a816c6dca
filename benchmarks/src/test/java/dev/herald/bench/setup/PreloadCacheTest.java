package dev.herald.bench.setup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PreloadCacheTest {

  @Test
  void aCacheDirectoryThatCannotBeMadeIsRefusedWithWhatToDoBeforeAnyBrokerStarts(@TempDir Path dir)
      throws IOException {
    // Given: the cache's parent is a regular file
    Path file = Files.writeString(dir.resolve("not-a-directory"), "x");
    PreloadCache cache = new PreloadCache(file.resolve("cache"));

    // When / Then
    assertThatThrownBy(() -> cache.open(dir.resolve("work"), Preload.Plan.of(1_000, false)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("as the preload cache")
        .hasMessageContaining("give --preload-cache a directory");
    assertThat(dir.resolve("work")).doesNotExist();
  }

  @Test
  void anEntryIsNamedAfterEveryFieldOfItsPlan() {
    // Given
    Preload.Plan plan = Preload.Plan.of(200_000, false, 2052);

    // When
    String key = PreloadCache.keyOf(plan);

    // Then
    assertThat(key)
        .isEqualTo("events-200000_default_accounts-2052_faults-0.01_rate-1000000.0_seed-42");
    assertThat(PreloadCache.keyOf(Preload.Plan.of(200_000, true, 2052))).isNotEqualTo(key);
  }
}
