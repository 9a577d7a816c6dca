package dev.herald.auditor.identity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.auditor.detect.Finding;
import dev.herald.schema.AlertType;
import dev.herald.schema.NodeStatus;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** IDENTITY_CONFLICT and CONFUSABLE_IDENTITY over a sequence of registrations. */
class IdentityLedgerTest {
  private final Map<String, Object> entries = new HashMap<>();
  private final IdentityLedger.View view =
      new IdentityLedger.View() {
        @Override
        public Optional<RegisteredNode> node(String id) {
          return Optional.ofNullable((RegisteredNode) entries.get("node:" + id));
        }

        @Override
        public Optional<String> nodeOfKey(String key) {
          return Optional.ofNullable((String) entries.get("key:" + key));
        }

        @Override
        public Optional<String> nodeOfSkeleton(String s) {
          return Optional.ofNullable((String) entries.get("skel:" + s));
        }

        @Override
        public void putNode(RegisteredNode n) {
          entries.put("node:" + n.nodeId(), n);
        }

        @Override
        public void putKey(String key, String id) {
          entries.put("key:" + key, id);
        }

        @Override
        public void putSkeleton(String s, String id) {
          entries.put("skel:" + s, id);
        }
      };

  private static RegisteredNode node(String id, String display, String key, String rotatesFrom) {
    return new RegisteredNode(id, display, key, rotatesFrom, List.of("g"), NodeStatus.ACTIVE, "eu");
  }

  private List<Finding> register(RegisteredNode n) {
    return IdentityLedger.register(view, n, 0);
  }

  @Test
  void reRegistrationWithTheSameKeyOrADeclaredRotationIsFine() {
    assertThat(register(node("n1", "n1", "aa", null))).isEmpty();
    assertThat(register(node("n1", "n1", "aa", null))).isEmpty();
    assertThat(register(node("n1", "n1", "bb", "aa"))).isEmpty();
  }

  @Test
  void anotherKeyWithoutRotationIsAnIdentityConflict() {
    register(node("n1", "n1", "aa", null));
    assertThat(register(node("n1", "n1", "cc", null)))
        .extracting(f -> f.type() + " " + f.nodes())
        .containsExactly("IDENTITY_CONFLICT [n1]");
  }

  @Test
  void oneKeyUnderTwoNodeIdsIsAnIdentityConflict() {
    register(node("n1", "n1", "aa", null));
    assertThat(register(node("n2", "n2", "aa", null)))
        .extracting(f -> f.type() + " " + f.nodes())
        .containsExactly("IDENTITY_CONFLICT [n1, n2]");
  }

  @Test
  void visuallyConfusableIdsAreFlaggedOnce() {
    register(node("paypal", "PayPal", "aa", null));
    List<Finding> found = register(node("p\u0430ypal", "Pay-Pal", "bb", null));
    assertThat(found)
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.type()).isEqualTo(AlertType.CONFUSABLE_IDENTITY);
              assertThat(f.nodes()).containsExactly("paypal", "p\u0430ypal");
              assertThat(f.group()).isEmpty();
            });
  }

  @Test
  void distinctNamesAreNotConfusable() {
    register(node("n1", "alpha", "aa", null));
    assertThat(register(node("n2", "beta", "bb", null))).isEmpty();
  }
}
