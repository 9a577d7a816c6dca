package dev.herald.auditor.identity;

import static dev.herald.auditor.identity.RegistryFixture.key;
import static dev.herald.auditor.identity.RegistryFixture.record;
import static dev.herald.auditor.identity.RegistryFixture.rotation;
import static dev.herald.auditor.identity.RegistryFixture.summary;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.schema.NodeStatus;
import org.junit.jupiter.api.Test;

/** The identity alerts of registry records ({@link IdentityLedger} over {@link RegistryRules}). */
class IdentityLedgerTest {
  private final RegistryFixture registry = new RegistryFixture();

  @Test
  void aSignedRotationOrARestatementRaisesNothing() {
    assertThat(registry.write(record("n1", key("aa")), 1)).isEmpty();
    assertThat(registry.write(record("n1", key("aa")), 2)).isEmpty();
    assertThat(registry.write(rotation("n1", key("aa"), key("bb"), key("aa"), 3), 3)).isEmpty();
  }

  @Test
  void anotherKeyWithoutRotationIsAnIdentityConflict() {
    registry.write(record("n1", key("aa")), 1);
    assertThat(summary(registry.write(record("n1", key("cc")), 2)))
        .containsExactly("IDENTITY_CONFLICT [n1]");
  }

  @Test
  void oneKeyUnderTwoNodeIdsIsAnIdentityConflict() {
    registry.write(record("n1", key("aa")), 1);
    assertThat(summary(registry.write(record("n2", key("aa")), 2)))
        .containsExactly("IDENTITY_CONFLICT [n1, n2]");
  }

  @Test
  void lookAlikeIdsAndDisplayNamesAreConfusable() {
    registry.write(record("node-1", "Ledger", key("a"), NodeStatus.ACTIVE), 1);
    assertThat(summary(registry.write(record("node-l", key("b")), 2)))
        .containsExactly("CONFUSABLE_IDENTITY [node-1, node-l]");
    assertThat(summary(registry.write(record("n3", "L\u0435dger", key("c"), NodeStatus.ACTIVE), 3)))
        .as("a Cyrillic e in the display name")
        .containsExactly("CONFUSABLE_IDENTITY [n3, node-1]");
  }

  @Test
  void upperCaseAndInvisibleTwinsAreRejectedAsTheConfusablesTheyAre() {
    registry.write(record("node-1", key("a")), 1);
    assertThat(summary(registry.write(record("Node-1", key("b")), 2)))
        .containsExactly("CONFUSABLE_IDENTITY [Node-1, node-1]");
    assertThat(summary(registry.write(record("node-1\u200B", key("c")), 3)))
        .containsExactly("CONFUSABLE_IDENTITY [node-1, node-1\u200B]");
    assertThat(summary(registry.write(record("Stranger", key("d")), 4)))
        .containsExactly("INVALID_REGISTRATION [Stranger]");
  }

  @Test
  void aDisplayNameMixingScriptsIsConfusableOnItsOwn() {
    assertThat(
            summary(registry.write(record("n1", "p\u0430yments", key("a"), NodeStatus.ACTIVE), 1)))
        .containsExactly("CONFUSABLE_IDENTITY [n1]");
    assertThat(
            summary(
                registry.write(
                    record("n2", "Z\u00fcrich \u6771\u4eac", key("b"), NodeStatus.ACTIVE), 2)))
        .as("Latin with Han is a common, moderately restrictive mix")
        .isEmpty();
  }

  @Test
  void everyStatusChangeReactivationAndTombstoneIsAnAlert() {
    registry.write(record("n1", key("a")), 1);
    assertThat(summary(registry.write(record("n1", "n1", key("a"), NodeStatus.REVOKED), 2)))
        .containsExactly("NODE_STATUS_CHANGED [n1]");
    assertThat(summary(registry.write(record("n1", key("a")), 3)))
        .containsExactly("NODE_REACTIVATED [n1]");
    assertThat(summary(registry.write("n1", null, 4))).containsExactly("NODE_DELETED [n1]");
    assertThat(summary(registry.write(record("n1", key("a")), 5)))
        .containsExactly("NODE_REACTIVATED [n1]");
  }

  @Test
  void aRecordKeyedByAnotherIdIsAnInvalidRegistration() {
    registry.write(record("n1", key("a")), 1);
    assertThat(summary(registry.write("x", record("n1", key("b")), 2)))
        .containsExactly("INVALID_REGISTRATION [n1]");
  }

  @Test
  void distinctNamesAreNotConfusable() {
    registry.write(record("n1", "alpha", key("a"), NodeStatus.ACTIVE), 1);
    assertThat(registry.write(record("n2", "beta", key("b"), NodeStatus.ACTIVE), 2)).isEmpty();
  }
}
