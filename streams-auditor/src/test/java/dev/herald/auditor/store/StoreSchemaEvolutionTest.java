package dev.herald.auditor.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.schema.registry.SchemaEvolution;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/**
 * Fails the build when a store schema in {@code src/main/avro/store} is not BACKWARD compatible
 * with the last released version under {@code src/main/resources/dev/herald/auditor/store/history}
 * (the check of the topic schemas, {@link SchemaEvolution}): a new build must read every value an
 * older one left in the stores and changelogs. The released schemas are also what {@link
 * StoreSchemas} hands the serde to resolve old values with, so they must all be listed there.
 */
class StoreSchemaEvolutionTest {
  private static final Path CURRENT = Path.of("src/main/avro/store");
  private static final Path HISTORY =
      Path.of("src/main/resources/dev/herald/auditor/store/history");

  @Test
  void everyCurrentStoreRecordReadsTheLastReleasedVersion() throws IOException {
    // Given
    Map<String, Schema> released =
        SchemaEvolution.parseTogether(SchemaEvolution.lastRelease(HISTORY));
    Map<String, Schema> current = SchemaEvolution.parseTogether(CURRENT);
    // When
    List<String> problems = SchemaEvolution.backwardProblems(released, current);
    // Then
    assertThat(released).as("released store record types").isNotEmpty();
    assertThat(problems).as("BACKWARD incompatible store changes").isEmpty();
    assertThat(current.keySet()).containsAll(released.keySet());
  }

  @Test
  void theCheckFlagsAFieldAddedWithoutADefault() throws IOException {
    // The check must be able to fail: a reader that gained a field without a default cannot read
    // a released value (the released schema here is the current one without a field).
    Map<String, Schema> current = SchemaEvolution.parseTogether(CURRENT);
    Schema ledger = current.get("dev.herald.auditor.store.avro.StoredLedger");
    Schema withoutRefill =
        new Schema.Parser()
            .parse(
                ledger
                    .toString()
                    .replace(",{\"name\":\"unverifiedRefilledAt\",\"type\":\"long\"}", ""));
    assertThat(withoutRefill.getField("unverifiedRefilledAt")).isNull();

    List<String> problems =
        SchemaEvolution.backwardProblems(
            Map.of(ledger.getFullName(), withoutRefill), Map.of(ledger.getFullName(), ledger));

    assertThat(problems).singleElement().asString().contains("StoredLedger");
  }

  @Test
  void theSerdeKnowsEveryReleasedSchema() throws IOException {
    List<String> onDisk;
    try (Stream<Path> files = Files.walk(HISTORY)) {
      onDisk =
          files
              .filter(f -> f.toString().endsWith(".avsc"))
              .map(f -> HISTORY.relativize(f).toString().replace('\\', '/'))
              .sorted()
              .toList();
    }

    assertThat(StoreSchemas.indexedFiles()).containsExactlyInAnyOrderElementsOf(onDisk);
    assertThat(StoreSchemas.released()).hasSameSizeAs(onDisk);
  }
}
