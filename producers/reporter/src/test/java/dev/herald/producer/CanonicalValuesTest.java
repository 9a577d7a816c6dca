package dev.herald.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/** Canonical bytes of states and operations do not depend on how a map was built. */
class CanonicalValuesTest {
  @Property
  void mapsHashTheSameInAnyInsertionOrder(
      @ForAll @Size(max = 12) Map<String, Integer> entries,
      @ForAll @Size(max = 4) Map<String, String> nested,
      @ForAll long shuffleSeed) {
    Map<String, Object> a = new LinkedHashMap<>(entries);
    a.put("nested", new LinkedHashMap<>(nested));
    List<String> keys = new ArrayList<>(a.keySet());
    Collections.shuffle(keys, new Random(shuffleSeed));
    Map<String, Object> b = new LinkedHashMap<>();
    for (String k : keys) {
      Object v = a.get(k);
      if (v instanceof Map<?, ?> m) {
        List<Map.Entry<?, ?>> es = new ArrayList<>(m.entrySet());
        Collections.reverse(es);
        Map<Object, Object> reversed = new LinkedHashMap<>();
        es.forEach(e -> reversed.put(e.getKey(), e.getValue()));
        v = reversed;
      }
      b.put(k, v);
    }
    assertThat(CanonicalValues.hash(b)).isEqualTo(CanonicalValues.hash(a));
  }

  @Test
  void jsonTextAndMapsOfTheSameValueAreEqual() {
    Map<String, Object> inner = new LinkedHashMap<>();
    inner.put("y", true);
    inner.put("x", null);
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("b", List.of(1, new java.math.BigDecimal("2.50")));
    map.put("a", inner);
    byte[] expected =
        "{\"a\":{\"x\":null,\"y\":true},\"b\":[1,2.5]}"
            .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    assertThat(CanonicalValues.bytes("{ \"b\": [1, 2.50], \"a\": {\"y\": true, \"x\": null} }"))
        .isEqualTo(expected);
    assertThat(CanonicalValues.bytes(map)).isEqualTo(expected);
  }

  @Test
  void bytesAreHashedAsTheyAre() {
    byte[] raw = {1, 2, 3};
    assertThat(CanonicalValues.bytes(raw)).containsExactly(1, 2, 3);
    assertThat(CanonicalValues.prevStateHash(null)).isEmpty();
  }

  @Test
  void prevStateHashDependsOnTheVersion() {
    assertThat(CanonicalValues.prevStateHash(1, Map.of("a", 1))).isEmpty();
    assertThat(CanonicalValues.prevStateHash(2, Map.of("a", 1)))
        .isEqualTo(CanonicalValues.hash("{\"a\":1}"));
    assertThat(CanonicalValues.prevStateHash(2, null)).isEqualTo(CanonicalValues.hash(new byte[0]));
  }

  @Test
  void aDoubleHashesAsItsShortestDecimalAsJsonTextDoes() {
    assertThat(CanonicalValues.hash(Map.of("rate", 0.1 + 0.2, "big", 1e23)))
        .isEqualTo(CanonicalValues.hash("{\"big\":1e23,\"rate\":0.30000000000000004}"));
  }

  @Test
  void invalidJsonIsRefusedWithItsPosition() {
    assertThatThrownBy(() -> CanonicalValues.bytes("{\"a\":"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not valid JSON");
  }
}
