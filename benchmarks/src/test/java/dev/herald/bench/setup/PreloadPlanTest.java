package dev.herald.bench.setup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.bench.BenchOptions;
import org.junit.jupiter.api.Test;

class PreloadPlanTest {

  @Test
  void withoutAGivenNumberTheAccountsGrowWithTheFaultsOfTheRun() {
    // Given
    Preload.Plan small = Preload.Plan.of(200_000, false);
    Preload.Plan large = Preload.Plan.of(1_000_000, false);

    // When
    int smallAccounts = small.scenario().entities();
    int largeAccounts = large.scenario().entities();

    // Then: about one account per fault (1 % of the operations, over 3 groups), plus 50
    assertThat(smallAccounts).isBetween(2_000, 2_000 + 100);
    assertThat(largeAccounts).isBetween(10_000, 10_000 + 100);
  }

  @Test
  void aGivenNumberOfAccountsHoldsTheWorkingSetWhateverTheRunSize() {
    // Given
    int accounts = Preload.Plan.of(200_000, false).accounts();

    // When
    Preload.Plan large = Preload.Plan.of(2_000_000, false, accounts);

    // Then: same working set, and every fault type still planned in full
    assertThat(large.scenario().entities()).isEqualTo(accounts);
    assertThat(large.scenario().faults())
        .allSatisfy(f -> assertThat(f.count()).isEqualTo(20_000 / 11 + 1));
  }

  @Test
  void aNegativeNumberOfAccountsIsRefusedWithTheOptionsName() {
    assertThatThrownBy(() -> BenchOptions.defaults().withAccounts(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--accounts");
  }
}
