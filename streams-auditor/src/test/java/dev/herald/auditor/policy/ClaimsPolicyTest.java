package dev.herald.auditor.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The {@code claims} section of the policy file: defaults, values, refusals naming the key. */
class ClaimsPolicyTest {

  @Test
  void withoutAClaimsSectionTheDefaultsApply() {
    AuditPolicy p = PolicyLoader.parse("limits:\n  maxRecordBytes: 1000\n");
    assertThat(p.claims().retention()).isEqualTo(Duration.ofDays(7));
    assertThat(p.claims().maxPerNode()).isEqualTo(100_000);
    assertThat(AuditPolicy.DEFAULT.claims()).isEqualTo(ClaimsPolicy.DEFAULT);
  }

  @Test
  void retentionAndCapAreRead() {
    AuditPolicy p = PolicyLoader.parse("claims:\n  retention: 48h\n  maxPerNode: 5000\n");
    assertThat(p.claims()).isEqualTo(new ClaimsPolicy(Duration.ofHours(48), 5_000));
    // and survive the other with-ers
    assertThat(p.withClockSkew(Duration.ofSeconds(1)).claims()).isEqualTo(p.claims());
  }

  @Test
  void badValuesAreRefusedWithTheirKey() {
    assertThatThrownBy(() -> PolicyLoader.parse("claims:\n  retention: 0s\n"))
        .hasMessageContaining("claims.retention");
    assertThatThrownBy(() -> PolicyLoader.parse("claims:\n  maxPerNode: 0\n"))
        .hasMessageContaining("claims.maxPerNode");
    assertThatThrownBy(() -> PolicyLoader.parse("claims:\n  ttl: 1h\n"))
        .hasMessageContaining("claims.ttl");
  }
}
