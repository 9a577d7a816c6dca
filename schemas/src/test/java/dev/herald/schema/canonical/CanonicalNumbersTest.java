package dev.herald.schema.canonical;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Canonical numbers: exact decimals; a double is its shortest round-trip decimal (ECMAScript's
 * rule), computed the same way on every JDK; absurd values are refused, never expanded.
 */
class CanonicalNumbersTest {

  @Test
  void doublesAreTheirShortestRoundTripDecimal() {
    assertThat(CanonicalNumbers.of(1e23)).isEqualTo("100000000000000000000000");
    assertThat(CanonicalNumbers.of(0.1 + 0.2)).isEqualTo("0.30000000000000004");
    assertThat(CanonicalNumbers.of(-0.0)).isEqualTo("0");
    assertThat(CanonicalNumbers.of(0.0)).isEqualTo("0");
    assertThat(CanonicalNumbers.of(100.0)).isEqualTo("100");
    assertThat(CanonicalNumbers.of(-1.5)).isEqualTo("-1.5");
    assertThat(CanonicalNumbers.of(1e21)).isEqualTo("1000000000000000000000");
    assertThat(CanonicalNumbers.of(1e-7)).isEqualTo("0.0000001");
    assertThat(CanonicalNumbers.of(9007199254740993.0)).isEqualTo("9007199254740992");
    assertThat(CanonicalNumbers.of(0x1p60)).isEqualTo("1152921504606847000");
  }

  @Test
  void oneDigitWinsOverACloserTwoDigitDecimal() {
    // Double.MIN_VALUE is 4.94065645841246544e-324: "5e-324" reads back as it (ECMAScript,
    // Python), while JDK 19+ Double.toString prefers the closer "4.9E-324".
    assertThat(CanonicalNumbers.decimalOf(Double.MIN_VALUE)).isEqualTo(new BigDecimal("5E-324"));
    assertThat(CanonicalNumbers.of(Double.MIN_VALUE)).isEqualTo("0." + "0".repeat(323) + "5");
    assertThat(CanonicalNumbers.decimalOf(Double.MAX_VALUE))
        .isEqualTo(new BigDecimal("1.7976931348623157E+308"));
  }

  @Test
  void theFastPathAgreesWithExactArithmeticOnRandomDoubles() {
    // exactShortest checks every candidate against the exact rounding interval; it is the
    // oracle of the fast path (Schubfach) on the bit patterns of every exponent.
    SplittableRandom random = new SplittableRandom(20);
    for (int i = 0; i < 20_000; i++) {
      double d =
          switch (i % 3) {
            case 0 -> Double.longBitsToDouble(random.nextLong());
            case 1 -> random.nextDouble() * Math.pow(10, random.nextInt(-30, 30));
            default -> random.nextInt(1, 10) * Math.pow(10, random.nextInt(-320, 308));
          };
      if (Double.isNaN(d) || Double.isInfinite(d) || d == 0) {
        continue;
      }
      BigDecimal exact = CanonicalNumbers.exactShortest(Math.abs(d));
      assertThat(CanonicalNumbers.decimalOf(Math.abs(d)))
          .as("bits %x", Double.doubleToRawLongBits(d))
          .isEqualByComparingTo(exact);
      assertThat(exact.doubleValue()).as("reads back").isEqualTo(Math.abs(d));
    }
  }

  @Test
  void decimalsAreWrittenExactlyWithoutExponent() {
    assertThat(CanonicalNumbers.of(new BigDecimal("100.00"))).isEqualTo("100");
    assertThat(CanonicalNumbers.of(new BigDecimal("1.50"))).isEqualTo("1.5");
    assertThat(CanonicalNumbers.of(new BigDecimal("1E+2"))).isEqualTo("100");
    assertThat(CanonicalNumbers.of(new BigDecimal("-0.000"))).isEqualTo("0");
    assertThat(CanonicalNumbers.of(new BigDecimal("0.1"))).isEqualTo("0.1");
    assertThat(CanonicalNumbers.of(new BigInteger("123456789012345678901234567890")))
        .isEqualTo("123456789012345678901234567890");
  }

  @Test
  void nanInfinitiesAndAbsurdValuesAreRefused() {
    assertThatThrownBy(() -> CanonicalNumbers.of(Double.NaN))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("NaN");
    assertThatThrownBy(() -> CanonicalNumbers.of(Double.NEGATIVE_INFINITY))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CanonicalNumbers.of(new BigDecimal("1e1000000000")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("exponent is 1000000000");
    assertThatThrownBy(() -> CanonicalNumbers.of(new BigDecimal("1e-1001")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("exponent is -1001");
    assertThatThrownBy(() -> CanonicalNumbers.of(new BigDecimal("1" + "2".repeat(1000))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1001 significant digits");
  }

  @Test
  void theBoundsThemselvesAreAccepted() {
    assertThat(CanonicalNumbers.of(new BigDecimal("9.5e1000"))).hasSize(1001);
    assertThat(CanonicalNumbers.of(new BigDecimal("1e-1000"))).hasSize(1002);
    assertThat(CanonicalNumbers.of(new BigDecimal("1".repeat(1000)))).hasSize(1000);
  }
}
