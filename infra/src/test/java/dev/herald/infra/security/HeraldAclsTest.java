package dev.herald.infra.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.schema.Topics;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;

/** The role rules of {@link HeraldAcls}, checked on the bindings themselves (no broker). */
class HeraldAclsTest {
  private final List<AclBinding> acls = HeraldAcls.bindings("herald-auditor");

  private Set<String> principalsAllowed(AclOperation op, String topic) {
    return acls.stream()
        .filter(b -> b.pattern().resourceType() == ResourceType.TOPIC)
        .filter(b -> b.pattern().patternType() == PatternType.LITERAL)
        .filter(b -> b.pattern().name().equals(topic))
        .filter(b -> b.entry().operation() == op || b.entry().operation() == AclOperation.ALL)
        .filter(b -> b.entry().permissionType() == AclPermissionType.ALLOW)
        .map(b -> b.entry().principal())
        .collect(Collectors.toSet());
  }

  @Test
  void onlyTheAuditorWritesAlerts() {
    assertThat(principalsAllowed(AclOperation.WRITE, Topics.ALERTS))
        .containsExactly("User:auditor");
  }

  @Test
  void onlyOperatorsWriteTheNodeRegistry() {
    assertThat(principalsAllowed(AclOperation.WRITE, Topics.NODES))
        .containsExactly("User:operator");
  }

  @Test
  void reportersWriteStateChangesAndHeartbeatsAndReadNothing() {
    List<AclBinding> reporter =
        acls.stream().filter(b -> b.entry().principal().equals("User:reporter")).toList();

    assertThat(reporter)
        .allSatisfy(
            b -> assertThat(b.entry().operation()).isNotIn(AclOperation.READ, AclOperation.ALL));
    assertThat(
            reporter.stream()
                .filter(b -> b.entry().operation() == AclOperation.WRITE)
                .map(b -> b.pattern().name())
                .collect(Collectors.toSet()))
        .containsExactlyInAnyOrder(Topics.STATE_CHANGES, Topics.HEARTBEATS);
  }

  @Test
  void theAuditorOwnsOnlyTopicsPrefixedWithItsApplicationId() {
    assertThat(
            acls.stream()
                .filter(b -> b.pattern().patternType() == PatternType.PREFIXED)
                .filter(b -> b.pattern().resourceType() == ResourceType.TOPIC)
                .map(b -> b.entry().principal() + " " + b.pattern().name()))
        .containsExactly("User:auditor herald-auditor");
  }

  @Test
  void noBindingNamesTheSimulatorsGroundTruth() {
    assertThat(acls)
        .noneSatisfy(b -> assertThat(b.pattern().name()).isEqualTo(Topics.GROUND_TRUTH));
  }

  @Test
  void theAuditorMayReadTheConfigsOfItsInputsAndOutputs() {
    for (String topic :
        List.of(Topics.STATE_CHANGES, Topics.HEARTBEATS, Topics.NODES, Topics.DLQ)) {
      assertThat(principalsAllowed(AclOperation.DESCRIBE_CONFIGS, topic))
          .as(topic)
          .contains("User:auditor");
    }
  }

  @Test
  void everyBindingIsAnAllowForANamedPrincipal() {
    assertThat(acls)
        .allSatisfy(
            b -> {
              assertThat(b.entry().permissionType()).isEqualTo(AclPermissionType.ALLOW);
              assertThat(b.entry().principal())
                  .isIn("User:reporter", "User:auditor", "User:operator");
            });
  }
}
