package dev.herald.auditor.detect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.auditor.policy.GroupPolicy;
import dev.herald.auditor.policy.PolicyLoader;
import org.junit.jupiter.api.Test;

class NodeLedgerTest {
  private final GroupPolicy policy =
      PolicyLoader.parse("defaults:\n  rateBudget:\n    reportsPerSecond: 10\n    burst: 5\n")
          .defaults();

  private static int admitted(NodeLedger ledger, GroupPolicy policy, int n, long arrival) {
    int ok = 0;
    for (int i = 0; i < n; i++) {
      ok += ledger.admit(policy, arrival) ? 1 : 0;
    }
    return ok;
  }

  @Test
  void aBurstThenTheRateByArrivalTime() {
    NodeLedger ledger = new NodeLedger();
    assertThat(admitted(ledger, policy, 20, 1_000)).isEqualTo(5);
    assertThat(admitted(ledger, policy, 20, 1_200)).as("0.2 s at 10/s").isEqualTo(2);
    assertThat(admitted(ledger, policy, 20, 10_000)).as("refilled to the burst only").isEqualTo(5);
  }

  @Test
  void anEarlierArrivalTimeRefillsNothing() {
    NodeLedger ledger = new NodeLedger();
    assertThat(admitted(ledger, policy, 5, 10_000)).isEqualTo(5);
    assertThat(admitted(ledger, policy, 5, 1_000)).isZero();
    assertThat(admitted(ledger, policy, 5, 10_000)).isZero();
  }
}
