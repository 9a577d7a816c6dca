package dev.herald.auditor.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.schema.AlertType;
import dev.herald.schema.Severity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The policy file: documented defaults, overrides, and refusal with key, value and reason. */
class PolicyLoaderTest {

  @Test
  void emptyPolicyIsTheDocumentedDefault() {
    AuditPolicy p = PolicyLoader.parse("");
    assertThat(p.group("any").reportGrace()).isEqualTo(Duration.ofSeconds(2));
    assertThat(p.group("any").quorumOf(3)).isEqualTo(2);
    assertThat(p.group("any").quorumOf(4)).isEqualTo(3);
    assertThat(p.group("any").severityOf(AlertType.NO_QUORUM)).isEqualTo(Severity.CRITICAL);
    assertThat(p.maxRecordBytes()).isEqualTo(512 * 1024);
    assertThat(p.clockSkew()).isEqualTo(java.time.Duration.ofSeconds(2));
    assertThat(p.keyRotationGrace()).isEqualTo(java.time.Duration.ofMinutes(5));
  }

  @Test
  void groupOverridesInheritTheDefaults() {
    AuditPolicy p =
        PolicyLoader.parse(
            """
            defaults:
              reportGrace: 500ms
              severity:
                REPLICA_LAG: MEDIUM
            groups:
              payments:
                quorum: 3
                heartbeat:
                  silenceThreshold: 1m
            """);
    GroupPolicy payments = p.group("payments");
    assertThat(payments.reportGrace()).isEqualTo(Duration.ofMillis(500));
    assertThat(payments.quorumOf(5)).isEqualTo(3);
    assertThat(payments.silenceThreshold()).isEqualTo(Duration.ofMinutes(1));
    assertThat(payments.severityOf(AlertType.REPLICA_LAG)).isEqualTo(Severity.MEDIUM);
    assertThat(p.group("other").quorumOf(5)).isEqualTo(3);
  }

  @Test
  void refusesAWrongValueNamingKeyValueAndReason() {
    assertThatThrownBy(() -> PolicyLoader.parse("groups:\n  payments:\n    quorum: most\n"))
        .isInstanceOfSatisfying(
            PolicyException.class,
            e -> {
              assertThat(e.key()).isEqualTo("groups.payments.quorum");
              assertThat(e.value()).isEqualTo("most");
              assertThat(e.reason()).contains("majority");
            });
  }

  @Test
  void refusesUnknownKeysSoTyposNeverFallBackToDefaults() {
    assertThatThrownBy(() -> PolicyLoader.parse("defaults:\n  reportGrase: 2s\n"))
        .isInstanceOf(PolicyException.class)
        .hasMessageContaining("defaults.reportGrase")
        .hasMessageContaining("reportGrace");
  }

  @Test
  void refusesBadDurationsAndSeverities() {
    assertThatThrownBy(() -> PolicyLoader.parse("defaults:\n  reportGrace: soon\n"))
        .hasMessageContaining("defaults.reportGrace")
        .hasMessageContaining("500ms");
    assertThatThrownBy(() -> PolicyLoader.parse("defaults:\n  severity:\n    FORK: URGENT\n"))
        .hasMessageContaining("defaults.severity.FORK")
        .hasMessageContaining("CRITICAL");
  }

  @Test
  void theShippedExamplePolicyIsValid() throws Exception {
    Path example = Path.of("..", "examples", "policy.yaml");
    AuditPolicy p = PolicyLoader.parse(Files.readString(example));
    assertThat(p.defaults().reportGrace()).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void consistencySloDefaultsAndPerGroupOverrides() {
    assertThat(PolicyLoader.parse("").group("any").consistency())
        .isEqualTo(new GroupPolicy.Consistency(Duration.ofSeconds(5), 0.999));
    AuditPolicy p =
        PolicyLoader.parse(
            """
            defaults:
              consistency:
                within: 2s
            groups:
              payments:
                consistency:
                  target: 0.9999
              ledger:
                consistency:
                  within: 500ms
                  target: 0.99
            """);
    assertThat(p.group("other").consistency())
        .isEqualTo(new GroupPolicy.Consistency(Duration.ofSeconds(2), 0.999));
    assertThat(p.group("payments").consistency())
        .isEqualTo(new GroupPolicy.Consistency(Duration.ofSeconds(2), 0.9999));
    assertThat(p.group("ledger").consistency())
        .isEqualTo(new GroupPolicy.Consistency(Duration.ofMillis(500), 0.99));
    assertThat(p.group("any").quietPeriodOf(AlertType.CONSISTENCY_BURN))
        .isEqualTo(Duration.ofMinutes(5));
  }

  @Test
  void refusesAConsistencySloThatMeansNothing() {
    record Case(String yaml, String key, String reason) {}
    for (Case c :
        new Case[] {
          new Case("      target: 1\n", "groups.g.consistency.target", "strictly between 0 and 1"),
          new Case("      target: 0\n", "groups.g.consistency.target", "strictly between 0 and 1"),
          new Case("      target: '99.9%'\n", "groups.g.consistency.target", "e.g. 0.999"),
          new Case(
              "      target: 1.5\n", "groups.g.consistency.target", "strictly between 0 and 1"),
          new Case("      within: 0s\n", "groups.g.consistency.within", "longer than zero"),
          new Case("      within: soon\n", "groups.g.consistency.within", "not a duration"),
          new Case("      nines: 3\n", "groups.g.consistency.nines", "allowed: target, within")
        }) {
      assertThatThrownBy(() -> PolicyLoader.parse("groups:\n  g:\n    consistency:\n" + c.yaml()))
          .as(c.yaml())
          .isInstanceOfSatisfying(
              PolicyException.class,
              e -> {
                assertThat(e.key()).isEqualTo(c.key());
                assertThat(e.reason()).contains(c.reason());
              });
    }
  }

  @Test
  void theExamplePolicyLoadsWithItsConsistencySlo() {
    AuditPolicy p = PolicyLoader.load(Path.of("../examples/policy.yaml"));
    assertThat(p.group("payments").consistency())
        .isEqualTo(new GroupPolicy.Consistency(Duration.ofSeconds(5), 0.9999));
    assertThat(p.group("other").consistency()).isEqualTo(GroupPolicy.Consistency.DEFAULTS);
  }

  @Test
  void refusalsNameTheLineAndColumnAndNeverTheParser() {
    record Case(String yaml, String key, int line, String reason) {}
    for (Case c :
        new Case[] {
          new Case("defaults:\n  reportGrase: 2s\n", "defaults.reportGrase", 2, "unknown key"),
          new Case("groups:\n  p:\n    quorum: most\n", "groups.p.quorum", 3, "'majority'"),
          new Case("defaults:\n  severity:\n    FORKK: LOW\n", "defaults.severity", 3, "FORK"),
          new Case("limits:\n  maxRecordBytes: '2'\n", "limits.maxRecordBytes", 2, "positive"),
          new Case(
              "defaults:\n  requireSignatures: maybe\n",
              "defaults.requireSignatures",
              2,
              "true or false"),
          new Case("defaults:\n  heartbeat: 5s\n", "defaults.heartbeat", 2, "mapping"),
          new Case(
              "defaults:\n  resolveAfter:\n    NODE_SILENT: 1m\n",
              "defaults.resolveAfter.NODE_SILENT",
              3,
              "use 'never'"),
          new Case("defaults:\n\treportGrace: 2s\n", "(document)", 2, "not valid YAML")
        }) {
      assertThatThrownBy(() -> PolicyLoader.parse(c.yaml()))
          .as(c.yaml())
          .isInstanceOfSatisfying(
              PolicyException.class,
              e -> {
                assertThat(e.key()).isEqualTo(c.key());
                assertThat(e.line()).as(e.getMessage()).isEqualTo(c.line());
                assertThat(e.reason()).contains(c.reason());
                assertThat(e.getMessage())
                    .startsWith("line " + c.line() + ", column ")
                    .doesNotContain("jackson", "Exception", "java.", "`");
              });
    }
  }

  @Test
  void aRuleBetweenKeysNamesTheKeyAndBothValues() {
    assertThatThrownBy(() -> PolicyLoader.parse("groups:\n  g:\n    requireSignatures: false\n"))
        .isInstanceOfSatisfying(
            PolicyException.class,
            e -> {
              assertThat(e.key()).isEqualTo("groups.g.requireSignatures");
              assertThat(e.reason()).contains("defaults.requireSignatures");
            });
    assertThatThrownBy(() -> PolicyLoader.parse("state:\n  entityTtl: 2h\n  residueTtl: 1h\n"))
        .hasMessage(
            "line 3, column 3: state.residueTtl: '1h' must be at least state.entityTtl (2h)");
  }
}
