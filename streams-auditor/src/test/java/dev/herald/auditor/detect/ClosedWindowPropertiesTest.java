package dev.herald.auditor.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.auditor.detect.EntityState.ClosedVersion;
import java.util.List;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * The closed window's arrays ({@link EntityState#closedVersion}, {@link EntityState#agreedAt},
 * {@link EntityState#closedWindow}) answer exactly what the window's map answers, whatever order
 * versions close in, whatever operations repeat, and whether the arrays were kept in step or
 * rebuilt (after the live map was handed out, or after a store read).
 */
class ClosedWindowPropertiesTest {

  /** One step: close {@code version} agreeing on {@code op} (null: no agreement). */
  record Close(long version, String op, boolean handOutMap) {}

  @Provide
  Arbitrary<List<Close>> histories() {
    Arbitrary<Close> step =
        Combinators.combine(
                Arbitraries.longs().between(1, 60),
                Arbitraries.of("op-a", "op-b", "op-c", "op-d", "Aa", "BB", "").injectNull(0.2),
                Arbitraries.of(true, false, false, false, false))
            .as(Close::new);
    return step.list().ofMinSize(1).ofMaxSize(80);
  }

  @Property(tries = 300)
  void theArraysAnswerWhatTheMapAnswers(@ForAll("histories") List<Close> history) {
    EntityState state = new EntityState("g", "e");
    // the model: the window as a map, kept as the window was kept before it had arrays
    TreeMap<Long, ClosedVersion> model = new TreeMap<>();
    for (Close c : history) {
      ClosedVersion summary = new ClosedVersion();
      summary.version(c.version());
      summary.agreedHash(c.op() == null ? null : "h-" + c.op());
      summary.agreedOp(c.op());
      state.rememberClosed(summary);
      model.put(c.version(), summary);
      while (model.size() > EntityState.CLOSED_WINDOW) {
        model.pollFirstEntry();
      }
      if (c.handOutMap()) {
        assertThat(state.closedVersions()).isEqualTo(model); // drops the arrays: rebuilt next
      }
      check(state, model);
    }
    assertThat(state.closedVersions()).isEqualTo(model);
    // as read back from the store: a fresh entity over a copy of the map, arrays built on first use
    EntityState read =
        EntityState.restore(
            "g", "e", new TreeMap<>(), new TreeMap<>(model), 0, state.highestClosed());
    check(read, model);
  }

  private static void check(EntityState state, TreeMap<Long, ClosedVersion> model) {
    assertThat(state.closedWindow()).containsExactlyElementsOf(model.values());
    for (long v = 0; v <= 62; v++) {
      assertThat(state.closedVersion(v)).as("closedVersion(%d)", v).isSameAs(model.get(v));
      for (String op : List.of("op-a", "op-b", "op-c", "op-d", "Aa", "BB", "", "op-x")) {
        assertThat(state.agreedAt(v, op))
            .as("agreedAt(%d, %s)", v, op)
            .isEqualTo(modelAgreedAt(model, v, op));
      }
    }
  }

  private static Long modelAgreedAt(TreeMap<Long, ClosedVersion> model, long below, String op) {
    for (ClosedVersion c : model.headMap(below, false).values()) {
      if (op.equals(c.agreedOp())) {
        return c.version();
      }
    }
    return null;
  }

  @Test
  void theWindowKeepsTheNewestVersionsAndTheHorizonMovesOnlyForAgreedOnes() {
    EntityState state = new EntityState("g", "e");
    for (long v = 20; v >= 1; v--) { // closed out of order, newest first
      ClosedVersion summary = new ClosedVersion();
      summary.version(v);
      summary.agreedHash(v % 2 == 0 ? "h" + v : null);
      summary.agreedOp(v % 2 == 0 ? "op" + v : null);
      state.rememberClosed(summary);
    }
    assertThat(state.closedWindow())
        .extracting(ClosedVersion::version)
        .containsExactly(5L, 6L, 7L, 8L, 9L, 10L, 11L, 12L, 13L, 14L, 15L, 16L, 17L, 18L, 19L, 20L);
    assertThat(state.closedVersion(4)).isNull();
    assertThat(state.closedVersion(5)).isNotNull();
    assertThat(state.agreedAt(21, "op6")).isEqualTo(6L);
    assertThat(state.agreedAt(6, "op6")).isNull();
    assertThat(state.agreedAt(21, "op4")).isNull(); // left the window
    // the oldest dropped each time was the lowest version so far
    assertThat(state.highestClosed()).isEqualTo(20);
  }

  @Test
  void theEntityApiJsonShowsTheWindowAsAMapByVersionAndReadsItBack() throws Exception {
    EntityState state = new EntityState("g", "e");
    for (long v = 1; v <= 3; v++) {
      ClosedVersion summary = new ClosedVersion();
      summary.version(v);
      summary.agreedHash("h" + v);
      summary.agreedOp("op" + v);
      state.rememberClosed(summary);
    }
    assertThat(state.agreedAt(4, "op2")).isEqualTo(2L); // the arrays are the current form
    com.fasterxml.jackson.databind.ObjectMapper json =
        new com.fasterxml.jackson.databind.ObjectMapper();
    com.fasterxml.jackson.databind.JsonNode tree = json.valueToTree(state);
    assertThat(tree.get("closed").size()).isEqualTo(3);
    assertThat(tree.get("closed").get("2").get("agreedOp").asText()).isEqualTo("op2");
    EntityState back = json.treeToValue(tree, EntityState.class);
    assertThat(back.closedWindow()).extracting(ClosedVersion::version).containsExactly(1L, 2L, 3L);
    assertThat(back.agreedAt(4, "op3")).isEqualTo(3L);
  }

  @Test
  void aSummaryInTheWindowKeepsItsVersionAndOperation() {
    EntityState state = new EntityState("g", "e");
    ClosedVersion summary = new ClosedVersion();
    summary.version(3);
    summary.agreedOp("op");
    state.rememberClosed(summary);
    assertThatThrownBy(() -> summary.agreedOp("other"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("agreed operation");
    assertThatThrownBy(() -> summary.version(4))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("version");
    // a late decision still sets the agreed hash
    summary.agreedHash("decided");
    assertThat(state.closedVersion(3).agreedHash()).isEqualTo("decided");
  }
}
