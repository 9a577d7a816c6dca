package dev.herald.schema.canonical;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Canonical JSON is unambiguous: two different inputs never share an encoding, so input that could
 * be read two ways is an error rather than silently rewritten.
 */
class CanonicalJsonTest {

  private static String canon(String json) {
    return new String(CanonicalJson.ofJson(json), StandardCharsets.UTF_8);
  }

  private static String canonValue(Object value) {
    return new String(CanonicalJson.ofValue(value), StandardCharsets.UTF_8);
  }

  @Test
  void membersAreSortedByUtf16CodeUnitsWithoutWhitespace() {
    // U+1F600 is the surrogate pair D83D DE00, which sorts before U+FF61 in UTF-16 (not in UTF-8)
    assertThat(canon("{ \"\uff61\": 1, \"\ud83d\ude00\": 2, \"b\": [1, 2.50], \"a\": null }"))
        .isEqualTo("{\"a\":null,\"b\":[1,2.5],\"\ud83d\ude00\":2,\"\uff61\":1}");
  }

  @Test
  void onlyQuoteBackslashAndControlCharactersAreEscaped() {
    assertThat(canon("[\"\\u0000\\u001f\\b\\t\\n\\f\\r\\\"\\\\\\/\\u007f\\u2028\\u00e9\"]"))
        .isEqualTo("[\"\\u0000\\u001f\\b\\t\\n\\f\\r\\\"\\\\/\u007f\u2028\u00e9\"]");
  }

  @Test
  void aDuplicateMemberNameIsAnError() {
    assertThatThrownBy(() -> CanonicalJson.ofJson("{\"a\":1,\"a\":2}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Duplicate field 'a'");
  }

  @Test
  void contentAfterTheValueIsAnError() {
    assertThatThrownBy(() -> CanonicalJson.ofJson("{\"a\":1} {\"b\":2}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not valid JSON");
    assertThatThrownBy(() -> CanonicalJson.ofJson("1 x"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void anUnpairedSurrogateIsAnErrorInTextAndInValues() {
    assertThatThrownBy(() -> CanonicalJson.ofJson("[\"a\\ud800\"]"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unpaired surrogate U+D800 at index 1");
    assertThatThrownBy(() -> CanonicalJson.ofJson("[\"\\udc00a\"]"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("U+DC00");
    assertThatThrownBy(() -> CanonicalJson.ofValue(Map.of("k\ud83d", 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unpaired surrogate");
    assertThat(canon("[\"\\ud83d\\ude00\"]")).isEqualTo("[\"\ud83d\ude00\"]");
  }

  @Test
  void nanInfinitiesAndAbsurdExponentsAreErrors() {
    assertThatThrownBy(() -> CanonicalJson.ofJson("[NaN]"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CanonicalJson.ofJson("[Infinity]"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CanonicalJson.ofJson("[1e1000000000]"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("exponent");
    assertThatThrownBy(() -> CanonicalJson.ofValue(List.of(Double.NaN)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void emptyOrNonJsonTextIsAnError() {
    assertThatThrownBy(() -> CanonicalJson.ofJson(" "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("empty");
    assertThatThrownBy(() -> CanonicalJson.ofJson("hello"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not valid JSON");
    assertThatThrownBy(() -> CanonicalJson.ofJson("{'a':1}"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CanonicalJson.ofJson("[01]"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void nestingIsBounded() {
    String deep = "[".repeat(CanonicalJson.MAX_DEPTH + 1) + "]".repeat(CanonicalJson.MAX_DEPTH + 1);
    assertThatThrownBy(() -> CanonicalJson.ofJson(deep))
        .isInstanceOf(IllegalArgumentException.class);
    String ok = "[".repeat(CanonicalJson.MAX_DEPTH) + "]".repeat(CanonicalJson.MAX_DEPTH);
    assertThat(canon(ok)).isEqualTo(ok);
    List<Object> nested = new ArrayList<>();
    List<Object> inner = nested;
    for (int i = 0; i < CanonicalJson.MAX_DEPTH + 1; i++) {
      List<Object> next = new ArrayList<>();
      inner.add(next);
      inner = next;
    }
    assertThatThrownBy(() -> CanonicalJson.ofValue(nested))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("deeper than");
  }

  @Test
  void numbersInTextAreExactDecimalsAndDoublesTheirShortestForm() {
    assertThat(canon("[1e23, 100.00, -0, 0.1, 1E2, 12345678901234567890]"))
        .isEqualTo("[100000000000000000000000,100,0,0.1,100,12345678901234567890]");
    Map<String, Object> values = new LinkedHashMap<>();
    values.put("double", 1e23);
    values.put("sum", 0.1 + 0.2);
    values.put("float", 0.1f); // widened exactly to the double 0.100000001490116119384765625
    values.put("decimal", new BigDecimal("2.50"));
    values.put("long", Long.MIN_VALUE);
    values.put("negativeZero", -0.0);
    assertThat(canonValue(values))
        .isEqualTo(
            "{\"decimal\":2.5,\"double\":100000000000000000000000,\"float\":0.10000000149011612,"
                + "\"long\":-9223372036854775808,\"negativeZero\":0,\"sum\":0.30000000000000004}");
  }

  @Test
  void mapKeysMustBeStringsAtEveryDepth() {
    Map<Object, Object> inner = new HashMap<>();
    inner.put(1, "x");
    assertThatThrownBy(() -> CanonicalJson.ofValue(Map.of("outer", inner)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Integer key 1");
    List<Object> self = new ArrayList<>();
    self.add(self);
    assertThatThrownBy(() -> CanonicalJson.ofValue(self))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("contains itself");
  }
}
