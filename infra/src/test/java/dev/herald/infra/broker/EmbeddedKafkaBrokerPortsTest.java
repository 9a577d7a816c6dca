package dev.herald.infra.broker;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The broker's two listeners get two different ports when both are left to the system: ephemeral
 * ports looked up one after the other can repeat (the first socket is closed before the second is
 * asked for), which once stopped a benchmark's broker with "Each listener must have a different
 * port".
 */
class EmbeddedKafkaBrokerPortsTest {
  @Test
  void aFreePortIsNeverThePortAlreadyTaken() {
    for (int i = 0; i < 200; i++) {
      int taken = EmbeddedKafkaBroker.freePortOtherThan(0);
      assertThat(EmbeddedKafkaBroker.freePortOtherThan(taken)).isNotEqualTo(taken).isPositive();
    }
  }
}
