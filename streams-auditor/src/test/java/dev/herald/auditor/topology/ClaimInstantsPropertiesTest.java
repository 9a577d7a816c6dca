package dev.herald.auditor.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * {@link ClaimInstants} counts exactly as the tree it replaced: per instant, the claims added less
 * those removed, the oldest instant holding any first, whatever mix of appends, out-of-order adds,
 * removals and drops from the front.
 */
class ClaimInstantsPropertiesTest {

  /** 0: add at the clock (which only grows), 1: add at an older time, 2: remove, 3: drop first. */
  record Step(int kind, int delta, int n) {}

  @Provide
  Arbitrary<List<Step>> histories() {
    Arbitrary<Step> step =
        Combinators.combine(
                Arbitraries.integers().between(0, 3).edgeCases(e -> e.includeOnly(0)),
                Arbitraries.integers().between(0, 5),
                Arbitraries.integers().between(1, 3))
            .as(Step::new);
    return step.list().ofMinSize(1).ofMaxSize(300);
  }

  @Property(tries = 400)
  void countsAsTheTreeItReplaced(@ForAll("histories") List<Step> history) {
    ClaimInstants instants = new ClaimInstants();
    TreeMap<Long, Integer> model = new TreeMap<>();
    long clock = 1_000;
    for (Step s : history) {
      switch (s.kind()) {
        case 0 -> {
          clock += s.delta();
          instants.add(clock, s.n());
          model.merge(clock, s.n(), Integer::sum);
        }
        case 1 -> {
          long at = clock - 1 - 2L * s.delta();
          instants.add(at, s.n());
          model.merge(at, s.n(), Integer::sum);
        }
        case 2 -> {
          long at = clock - s.delta();
          Integer had = model.get(at);
          assertThat(instants.removeOne(at)).isEqualTo(had != null);
          if (had != null) {
            if (had == 1) {
              model.remove(at);
            } else {
              model.put(at, had - 1);
            }
          }
        }
        default -> {
          if (!model.isEmpty()) {
            Map.Entry<Long, Integer> oldest = model.pollFirstEntry();
            assertThat(instants.first()).isEqualTo(oldest.getKey());
            assertThat(instants.dropFirst()).isEqualTo(oldest.getValue());
          }
        }
      }
      assertThat(instants.isEmpty()).isEqualTo(model.isEmpty());
      if (!model.isEmpty()) {
        assertThat(instants.first()).isEqualTo(model.firstKey());
      }
      assertThat(instants.slots()).isGreaterThanOrEqualTo(model.size());
    }
    // drained from the front, in time order, with every count
    while (!model.isEmpty()) {
      Map.Entry<Long, Integer> oldest = model.pollFirstEntry();
      assertThat(instants.first()).isEqualTo(oldest.getKey());
      assertThat(instants.dropFirst()).isEqualTo(oldest.getValue());
    }
    assertThat(instants.isEmpty()).isTrue();
    assertThat(instants.slots()).isZero();
  }
}
