package dev.herald.infra.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.Test;

/**
 * The rule by which every registry instance applies the schema log: claims that lose a race are
 * ignored alike everywhere, so ids never clash and every replay ends in the same state.
 */
class RegistryStateTest {
  private static Schema schema(int n) {
    return SchemaBuilder.record("S" + n).namespace("t").fields().requiredInt("f").endRecord();
  }

  private static RegistryState.Claim claim(
      String claimId, String subject, int version, int id, int n) {
    return new RegistryState.Claim(claimId, subject, version, id, schema(n).toString());
  }

  private static boolean apply(RegistryState state, RegistryState.Claim claim) {
    return state.applyClaim(claim, new Schema.Parser().parse(claim.schemaText()));
  }

  @Test
  void theFirstOfTwoClaimsForTheSameVersionWins() {
    RegistryState state = new RegistryState();

    boolean first = apply(state, claim("a", "s", 1, 1, 1));
    boolean second = apply(state, claim("b", "s", 1, 2, 2));

    assertThat(first).isTrue();
    assertThat(second).isFalse();
    assertThat(state.versions("s")).extracting(RegistryState.Version::id).containsExactly(1);
    assertThat(state.accepted("b")).isFalse();
  }

  @Test
  void twoDifferentSchemasCannotTakeTheSameId() {
    RegistryState state = new RegistryState();
    apply(state, claim("a", "s1", 1, 1, 1));

    boolean clash = apply(state, claim("b", "s2", 1, 1, 2));

    assertThat(clash).isFalse();
    assertThat(state.schema(1)).contains(schema(1));
    assertThat(state.subjects()).containsExactly("s1");
  }

  @Test
  void aKnownSchemaKeepsItsIdUnderAnotherSubject() {
    RegistryState state = new RegistryState();
    apply(state, claim("a", "s1", 1, 1, 1));

    boolean wrongId = apply(state, claim("b", "s2", 1, 2, 1));
    boolean rightId = apply(state, claim("c", "s2", 1, 1, 1));

    assertThat(wrongId).isFalse();
    assertThat(rightId).isTrue();
    assertThat(state.usages(1))
        .extracting(RegistryState.Version::subject)
        .containsExactly("s1", "s2");
    assertThat(state.nextId()).isEqualTo(2);
  }

  @Test
  void aSchemaIsNotRegisteredTwiceUnderOneSubject() {
    RegistryState state = new RegistryState();
    apply(state, claim("a", "s", 1, 1, 1));

    assertThat(apply(state, claim("b", "s", 2, 1, 1))).isFalse();
    assertThat(state.versions("s")).hasSize(1);
  }

  @Test
  void levelsDefaultToBackwardAndFollowTheLastChange() {
    RegistryState state = new RegistryState();
    assertThat(state.effectiveLevel("s")).isEqualTo("BACKWARD");

    state.applyConfig(null, "FULL");
    state.applyConfig("s", "NONE");
    assertThat(state.effectiveLevel("s")).isEqualTo("NONE");
    assertThat(state.effectiveLevel("other")).isEqualTo("FULL");

    state.applyConfig("s", null);
    assertThat(state.effectiveLevel("s")).isEqualTo("FULL");
  }

  /** Claims as racing writers make them: each from the state it had read, in any order. */
  @Provide
  Arbitrary<List<RegistryState.Claim>> racingClaims() {
    Arbitrary<RegistryState.Claim> one =
        Combinators.combine(
                Arbitraries.of("s1", "s2", "s3"),
                Arbitraries.integers().between(1, 4),
                Arbitraries.integers().between(1, 6),
                Arbitraries.integers().between(1, 5))
            .as(
                (subject, version, id, n) ->
                    claim(java.util.UUID.randomUUID().toString(), subject, version, id, n));
    return one.list().ofMaxSize(40);
  }

  @Property(tries = 300)
  void anyLogOfRacingClaimsGivesOneIdPerSchemaAndTheSameStateOnReplay(
      @ForAll("racingClaims") List<RegistryState.Claim> log) {
    RegistryState first = new RegistryState();
    RegistryState replay = new RegistryState();
    List<Boolean> accepted = new ArrayList<>();
    for (RegistryState.Claim c : log) {
      accepted.add(apply(first, c));
    }
    for (RegistryState.Claim c : log) {
      apply(replay, c);
    }

    Map<Integer, String> textById = new HashMap<>();
    for (int i = 0; i < log.size(); i++) {
      if (accepted.get(i)) {
        String previous = textById.putIfAbsent(log.get(i).id(), log.get(i).schemaText());
        assertThat(previous == null ? log.get(i).schemaText() : previous)
            .isEqualTo(log.get(i).schemaText());
      }
    }
    for (String subject : List.of("s1", "s2", "s3")) {
      assertThat(replay.versions(subject)).isEqualTo(first.versions(subject));
      List<Integer> ids = first.versions(subject).stream().map(RegistryState.Version::id).toList();
      assertThat(ids).doesNotHaveDuplicates();
    }
  }
}
