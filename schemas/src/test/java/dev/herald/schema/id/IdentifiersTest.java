package dev.herald.schema.id;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class IdentifiersTest {
  @Test
  void lowerCaseAsciiIdsFollowTheRule() {
    assertThat(Identifiers.valid("payments-eu-1")).isTrue();
    assertThat(Identifiers.valid("n1")).isTrue();
    assertThat(Identifiers.valid("a.b_c-9")).isTrue();
    assertThat(Identifiers.valid("x".repeat(64))).isTrue();
    assertThat(Identifiers.problem(Identifiers.Kind.NODE, "node-1")).isNull();
  }

  @Test
  void upperCaseIsRefusedWithTheLowerCaseSuggestion() {
    assertThat(Identifiers.problem(Identifiers.Kind.NODE, "Node-1"))
        .contains("node id 'Node-1' is not allowed")
        .contains("'N' at position 0")
        .contains("use 'node-1'")
        .contains(Identifiers.RULE);
  }

  @Test
  void invisibleAndForeignCharactersAreNamedNotHidden() {
    assertThat(Identifiers.problem(Identifiers.Kind.NODE, "node-1\u200B"))
        .contains("'node-1\\u200B'")
        .contains("U+200B ZERO WIDTH SPACE at position 6");
    assertThat(Identifiers.problem(Identifiers.Kind.GROUP, "p\u0430y"))
        .contains("group id")
        .contains("U+0430 CYRILLIC SMALL LETTER A at position 1");
  }

  @Test
  void separatorsLeadingPunctuationEmptyAndLongIdsAreRefused() {
    assertThat(Identifiers.problem(Identifiers.Kind.GROUP, "pay/eu")).contains("'/' at position 3");
    assertThat(Identifiers.problem(Identifiers.Kind.NODE, "-n")).contains("starts with a letter");
    assertThat(Identifiers.problem(Identifiers.Kind.NODE, "")).contains("is empty");
    assertThat(Identifiers.problem(Identifiers.Kind.NODE, null)).contains("is empty");
    assertThat(Identifiers.problem(Identifiers.Kind.NODE, "x".repeat(65)))
        .contains("65 characters, more than 64");
    assertThatThrownBy(() -> Identifiers.requireValid(Identifiers.Kind.NODE, "a b"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("U+0020 SPACE");
  }
}
