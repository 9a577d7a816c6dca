package dev.herald.auditor.detect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.schema.AlertType;
import java.util.List;
import org.junit.jupiter.api.Test;

class AlertIdsTest {
  @Test
  void separatorsInsideFieldsNeverMakeTwoIdentitiesOne() {
    String a = AlertIds.identityKey(AlertType.DIVERGENCE, "a", "b|1:c", 1L, List.of("n1"));
    String b = AlertIds.identityKey(AlertType.DIVERGENCE, "a|1:b", "c", 1L, List.of("n1"));
    assertThat(a).isNotEqualTo(b);
    String twoNodes = AlertIds.identityKey(AlertType.FLOOD, "g", null, null, List.of("n1", "n2"));
    String oneNode = AlertIds.identityKey(AlertType.FLOOD, "g", null, null, List.of("n1,n2"));
    assertThat(twoNodes).isNotEqualTo(oneNode);
    String unitSeparator =
        AlertIds.identityKey(AlertType.FORK, "g\u001fk", null, null, List.of("n"));
    String split = AlertIds.identityKey(AlertType.FORK, "g", "k", null, List.of("n"));
    assertThat(unitSeparator).isNotEqualTo(split);
  }

  @Test
  void anAbsentEntityIsNotAnEmptyOneAndNodeOrderDoesNotMatter() {
    assertThat(AlertIds.identityKey(AlertType.FLOOD, "g", null, null, List.of("n")))
        .isNotEqualTo(AlertIds.identityKey(AlertType.FLOOD, "g", "", null, List.of("n")));
    assertThat(AlertIds.identityKey(AlertType.NO_QUORUM, "g", "k", 2L, List.of("b", "a")))
        .isEqualTo(AlertIds.identityKey(AlertType.NO_QUORUM, "g", "k", 2L, List.of("a", "b")));
  }

  @Test
  void entityStoreKeysAreLengthPrefixedButRouteAsTheProducerProtocolSays() {
    assertThat(EntityState.entityId("pay", "eu/acct-1"))
        .isNotEqualTo(EntityState.entityId("pay/eu", "acct-1"));
    assertThat(EntityState.routingKey("pay", "eu/acct-1")).isEqualTo("pay/eu/acct-1");
  }
}
